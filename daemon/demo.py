"""``meetingd demo``: the whole process on a simulated clock, fed with real replies.

The demo writes a config and Maildirs into the work folder, installs a
:class:`~daemon.clock.FrozenClock`, drops readdressed corpus mails into the inbox at their
step, and moves the clock from event to event (each pending deadline, each scripted
reply), running the daemon's real pass (:meth:`Service.run_once`) every time. It has no
code path of its own inside the daemon: it only moves the clock and feeds the inbox.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import logging
import mailbox
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from daemon import clock
from daemon.config import load
from daemon.demo_mail import readdress
from daemon.errors import UserError
from daemon.service import Service
from daemon.store import meetings, queries
from daemon.workdays import WorkCalendar

log = logging.getLogger(__name__)

CORPUS_DATE = dt.date(2026, 12, 8)  # the meeting day the labelled cases were written for
Echo = Callable[[str], None]

DEMO_TOML = """\
# Written by `meetingd demo`. Every other key keeps its default (see config.example.toml).
[daemon]
var_dir = "."
lang = "{lang}"
tick_seconds = 60

[mailbox]
address = "meetings@corp.example"
name = "会议助手 Meeting Assistant"

{departments}{people}"""

# Department (zh), its English name and its head; members come from PEOPLE.
DEPARTMENTS = [
    ("总经办", "General Office", "sun.li"),
    ("技术部", "Technology", "liu.yang"),
    ("客户服务部", "Customer Service", "wang.fang"),
    ("采购部", "Purchasing", "zhao.lei"),
    ("市场部", "Marketing", "li.na"),
    ("法务部", "Legal", "huang.min"),
]

PEOPLE = [
    ("sun.li", "孙丽", "Sun Li", "总经办"),
    ("chen.jing", "陈静", "Chen Jing", "总经办"),
    ("liu.yang", "刘洋", "Liu Yang", "技术部"),
    ("zhou.qiang", "周强", "Zhou Qiang", "技术部"),
    ("yang.fan", "杨帆", "Yang Fan", "技术部"),
    ("wang.fang", "王芳", "Wang Fang", "客户服务部"),
    ("zhao.lei", "赵磊", "Zhao Lei", "采购部"),
    ("li.na", "李娜", "Li Na", "市场部"),
    ("huang.min", "黄敏", "Huang Min", "法务部"),
]


@dataclass(frozen=True)
class Step:
    """One scripted reply: the corpus case, when (working days from M, local time), the
    demo meeting it belongs to, and how to address it.

    ``reply_to`` is the kind of the daemon's mail it answers (its Message-ID becomes
    In-Reply-To); ``replace`` are text edits made before the dates are shifted, where
    ``{next_day}`` stands for the working day after the meeting (ISO date).
    """

    case: str
    day: int
    time: dt.time
    reply_to: str | None = None
    sender: str | None = None
    action: int | None = None
    with_uid: bool = False
    meeting: int = 1
    replace: tuple[tuple[str, str], ...] = ()


_ZHAO = "赵磊 zhao.lei@corp.example"
_H = dt.time

SCRIPT = [
    # MTG-1: the main meeting, from request to review.
    Step(
        "p21-meeting-request-zh",
        -10,
        _H(9, 0),
        replace=((_ZHAO, f"{_ZHAO}；李娜 li.na@corp.example"),),
    ),
    # MTG-2: a vague request, rejected; resubmitted; approved; moved; cancelled.
    Step("p22-meeting-request-vague-goal", -10, _H(9, 15), meeting=2),
    Step("p09-gb2312-accept", -10, _H(10, 30), reply_to="approval_request"),
    Step(
        "p21-meeting-request-zh",
        -10,
        _H(11, 0),
        reply_to="goal_rejected",
        meeting=2,
        replace=(("新产品上市跨部门协调会", "季度协作复盘会"), ("14:00-16:00", "09:30-10:30")),
    ),
    Step("p09-gb2312-accept", -10, _H(11, 30), reply_to="approval_request", meeting=2),
    Step("p10-topic-structured-zh", -9, _H(10, 0), reply_to="call_for_topics"),
    Step("p01-outlook-accept-zh", -9, _H(11, 0), with_uid=True),
    Step("p05-plain-accept-quoted-template-zh", -9, _H(11, 30), reply_to="invite"),
    Step(
        "p09-gb2312-accept",
        -9,
        _H(15, 0),
        reply_to="invite",
        meeting=2,
        replace=(("我参加。", "会议改到{next_day}上午10点到11点。"),),
    ),
    Step("p12-two-topics-zh", -8, _H(10, 0), reply_to="call_for_topics"),
    Step(
        "p13-topic-html-table-zh",
        -8,
        _H(10, 30),
        reply_to="call_for_topics",
        replace=(("时限。</td>", "时限（议题较复杂，材料稍后补充）。</td>"),),
    ),
    Step("p15-topic-with-attachment-rfc2231", -8, _H(11, 0)),
    Step("p11-topic-structured-en", -8, _H(11, 30)),
    Step("p14-topic-freeform-incomplete", -8, _H(14, 0), reply_to="call_for_topics"),
    Step("p02-outlook-decline-comment-en", -7, _H(9, 15), with_uid=True),
    Step("p04-thunderbird-delegated", -7, _H(10, 0), with_uid=True),
    Step("p07-out-of-office-zh", -7, _H(10, 5)),
    Step("p08-bounce-dsn", -7, _H(10, 10)),
    Step("p24-unrelated", -7, _H(15, 0)),
    # Purchasing raises Customer Service's problem too: merged, both told.
    Step("p10-topic-structured-zh", -7, _H(16, 0), reply_to="call_for_topics", sender="zhao.lei"),
    Step("p23-outlook-counter-proposal", -6, _H(9, 40), with_uid=True),
    Step(
        "p09-gb2312-accept",
        -6,
        _H(11, 0),
        reply_to="invite_update",
        meeting=2,
        replace=(("我参加。", "项目调整，取消会议。"),),
    ),
    Step("p06-plain-decline-proxy-opinion-zh", -6, _H(16, 0), reply_to="invite"),
    # The silent department sends its topic after the deadline; the host takes it.
    Step("p11-topic-structured-en", -3, _H(19, 0), reply_to="topic_reminder", sender="li.na"),
    Step(
        "p09-gb2312-accept",
        -3,
        _H(20, 0),
        reply_to="topic_late",
        replace=(("我参加。", "同意纳入。"),),
    ),
    # Minutes with one owner nobody can identify ("小张"): the recorder is asked.
    Step(
        "p16-minutes-zh",
        1,
        _H(11, 0),
        reply_to="minutes_request",
        replace=(
            (
                "三、风险提示",
                "3. 行动内容：整理客户反馈；负责人：小张；完成时间：12月16日；"
                "支持需求：无\n三、风险提示",
            ),
        ),
    ),
    Step("p20-action-in-progress-zh", 2, _H(10, 0), action=1),
    Step("p19-action-delay-zh", 4, _H(10, 0), sender="liu.yang", action=1),
    Step("p18-action-done-zh", 7, _H(10, 0), action=1),
]


def departments_toml() -> str:
    """The ``[[departments]]`` tables of the demo company."""
    out = []
    for name, name_en, head in DEPARTMENTS:
        members = ", ".join(f'"{a}@corp.example"' for a, _zh, _en, d in PEOPLE if d == name)
        out.append(
            f'\n[[departments]]\nname = "{name}"\nname_en = "{name_en}"\n'
            f'head = "{head}@corp.example"\nmembers = [{members}]\n'
        )
    return "".join(out)


def sender_of(raw: bytes) -> str:
    """The lower-case From address of a raw message."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    return email.utils.parseaddr(str(msg.get("From", "")))[1].lower()


def find_corpus() -> Path:
    """The labelled cases folder: ``$MEETINGD_CORPUS`` or ``shared/corpus/cases`` beside
    the project (or the current folder).

    Raises:
        UserError: not found, with the fix.
    """
    candidates = []
    if os.environ.get("MEETINGD_CORPUS"):
        candidates.append(Path(os.environ["MEETINGD_CORPUS"]))
    for base in (Path(__file__).resolve().parents[1], Path.cwd()):
        candidates += [base.parent / "shared/corpus/cases", base / "shared/corpus/cases"]
    for path in candidates:
        if (path / "p21-meeting-request-zh.eml").exists():
            return path
    raise UserError(
        "the demo replies come from shared/corpus/cases, which was not found beside the "
        "project. Fix: set MEETINGD_CORPUS to that folder."
    )


class Demo:
    """State of one demo run (see the module docstring)."""

    def __init__(
        self,
        workdir: Path,
        lang: str,
        meeting_day: dt.date | None,
        echo: Echo | None,
        transport_toml: str = "",
        deliver: Callable[[bytes], None] | None = None,
    ):
        self.workdir = workdir
        self.echo = echo or (lambda _line: None)
        self.corpus = find_corpus()
        self.days = WorkCalendar()
        today = dt.datetime.now(self.days.tz).date()
        self.meeting_day = meeting_day or self.days.add(today, 10)
        self.shift = (self.meeting_day - CORPUS_DATE).days
        if (workdir / "meetingd.db").exists():
            raise UserError(
                f"{workdir} already holds a demo. Fix: remove it or pass another --workdir."
            )
        workdir.mkdir(parents=True, exist_ok=True)
        people = "".join(
            f'\n[[people]]\naddress = "{a}@corp.example"\nname = "{zh}"\nname_en = "{en}"\n'
            f'department = "{d}"\n'
            for a, zh, en, d in PEOPLE
        )
        config_path = workdir / "meetingd.toml"
        config_path.write_text(
            DEMO_TOML.format(lang=lang, departments=departments_toml(), people=people)
            + transport_toml,
            encoding="utf-8",
        )
        start = self.days.at(self.days.add(self.meeting_day, -10), dt.time(8, 30))
        self.clock = clock.FrozenClock(start)
        clock.set_clock(self.clock)
        self.service = Service(load(config_path))
        self.drop = deliver or mailbox.Maildir(self.service.config.var_dir / "inbox").add
        self.seen_event = 0

    def at(self, day: int, time: dt.time) -> dt.datetime:
        """UTC instant of local ``time`` on the working day ``day`` days from M."""
        return self.days.at(self.days.add(self.meeting_day, day), time)

    def run(self) -> int:
        self.echo(
            f"meetingd demo: meeting on {self.meeting_day} 14:00-16:00 "
            f"({self.days.tz.key}), clock starts {self.local(self.clock.now())}"
        )
        self.echo(f"replies from {self.corpus}\n")
        for i, step in enumerate(SCRIPT):
            self.advance_to(self.at(step.day, step.time))
            self.deliver(step, i)
            self.pass_()
        end = self.at(12, dt.time(18, 0))
        self.advance_to(end)
        self.summary()
        self.service.close()
        clock.set_clock(clock.SystemClock())
        return 0

    def advance_to(self, target: dt.datetime) -> None:
        """Move the clock to ``target``, stopping at every deadline on the way."""
        while True:
            due = [
                d.due_utc
                for d in queries.deadlines_list(self.service.db)
                if d.state == "pending" and self.clock.now() <= d.due_utc <= target
            ]
            if not due:
                break
            self.clock.set(min(due))
            self.pass_()
        self.clock.set(max(target, self.clock.now()))
        self.pass_()

    def pass_(self) -> None:
        self.service.run_once()
        self.print_events()

    def deliver(self, step: Step, index: int) -> None:
        """Readdress ``step``'s case to its meeting and drop it into the inbox."""
        raw = (self.corpus / f"{step.case}.eml").read_bytes()
        file = None
        if step.reply_to or step.with_uid or step.action:
            try:
                file = meetings.load_file(self.service.db, step.meeting)
            except KeyError:
                raise UserError(
                    f"demo meeting MTG-{step.meeting} was not created; see "
                    f"{self.workdir}/meetingd.log and "
                    f"`meetingd quarantine -c {self.workdir}/meetingd.toml`."
                ) from None
        sender = None
        if step.sender:
            name = next(zh for a, zh, _en, _d in PEOPLE if a == step.sender)
            sender = (name, f"{step.sender}@corp.example")
        # Placeholders name demo dates in ISO form, which the date shift leaves alone.
        fill = {"next_day": self.days.add(self.meeting_day, 1).isoformat()}
        mail = readdress(
            raw,
            number=step.meeting,
            when=self.clock.now().astimezone(self.days.tz),
            shift_days=self.shift,
            message_id=f"<demo.{index}.{step.meeting}@mail.corp.example>",
            action_k=step.action,
            uid=file.meeting.uid if file and step.with_uid else None,
            in_reply_to=self.our_message(step, sender[1] if sender else sender_of(raw)),
            sender=sender,
            replace={old: new.format(**fill) for old, new in step.replace},
        )
        self.drop(mail)

    def our_message(self, step: Step, to: str) -> str | None:
        """Message-ID of the last mail of ``step.reply_to`` sent to ``to`` about the
        step's meeting."""
        if step.reply_to is None:
            return None
        rows = [
            r
            for r in queries.outbox_list(self.service.db, meeting_number=step.meeting)
            if r.kind == step.reply_to and to in r.recipients
        ]
        return rows[-1].message_id if rows else None

    def local(self, when: dt.datetime) -> str:
        return when.astimezone(self.days.tz).strftime("%Y-%m-%d %a %H:%M")

    def print_events(self) -> None:
        for ev in queries.events_list(self.service.db):
            if ev.id <= self.seen_event:
                continue
            self.seen_event = ev.id
            kind, _, what = ev.kind.partition(":")
            if kind == "in":
                self.echo(f"{self.local(ev.at_utc)}  ← {what:<20} {ev.text}")
            elif kind == "out":
                self.echo(f"{self.local(ev.at_utc)}  → {what:<20} {ev.text}")
            elif kind == "deadline":
                self.echo(f"{self.local(ev.at_utc)}  ⏰ {what:<20} due")
            elif ev.kind in ("quarantined", "ignored"):
                self.echo(f"{self.local(ev.at_utc)}  ✗ {ev.kind:<20} {ev.text}")

    def summary(self) -> None:
        counts: dict[str, int] = {}
        for row in queries.outbox_list(self.service.db):
            counts[row.kind] = counts.get(row.kind, 0) + 1
        self.echo("\nmails sent, by X-Meetingd-Kind:")
        for kind, n in sorted(counts.items()):
            self.echo(f"  {kind:<24} {n}")
        self.echo(
            f"\noutbox: {self.service.config.var_dir / 'outbox'}; "
            f"database: {self.service.config.db_path}"
        )


def run_demo(
    workdir: Path,
    lang: str,
    meeting_day: dt.date | None,
    echo: Echo | None,
    transport_toml: str = "",
    deliver: Callable[[bytes], None] | None = None,
) -> int:
    """Run the demo in ``workdir``; returns the exit code (0 on success).

    ``transport_toml`` is appended to the demo's config (e.g. ``[transport]`` for IMAP and
    SMTP); ``deliver(raw)`` then puts each scripted reply where that source reads (e.g. an
    IMAP APPEND). By default mail goes through the Maildirs in ``workdir``.

    Raises:
        UserError: the corpus is missing or the work folder cannot be used.
    """
    log_file = workdir / "meetingd.log"
    workdir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for h in root.handlers:
        if h is not handler:
            h.setLevel(logging.WARNING)
    try:
        return Demo(workdir, lang, meeting_day, echo, transport_toml, deliver).run()
    finally:
        root.removeHandler(handler)
        handler.close()
