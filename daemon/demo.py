"""``meetingd demo``: the whole process on a simulated clock, fed with real replies.

The demo writes a config and Maildirs into the work folder, installs a
:class:`~daemon.clock.FrozenClock`, drops readdressed corpus mails into the inbox at their
step, and moves the clock from event to event (each pending deadline, each scripted
reply), running the daemon's real pass (:meth:`Service.run_once`) every time. It has no
code path of its own inside the daemon: it only moves the clock and feeds the inbox.
"""

from __future__ import annotations

import datetime as dt
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

[[departments]]
name = "总经办"
name_en = "General Office"
head = "sun.li@corp.example"
members = ["sun.li@corp.example", "chen.jing@corp.example"]

[[departments]]
name = "技术部"
name_en = "Technology"
head = "liu.yang@corp.example"
members = ["liu.yang@corp.example", "zhou.qiang@corp.example", "yang.fan@corp.example"]

[[departments]]
name = "客户服务部"
name_en = "Customer Service"
head = "wang.fang@corp.example"
members = ["wang.fang@corp.example"]

[[departments]]
name = "采购部"
name_en = "Purchasing"
head = "zhao.lei@corp.example"
members = ["zhao.lei@corp.example"]

[[departments]]
name = "市场部"
name_en = "Marketing"
head = "li.na@corp.example"
members = ["li.na@corp.example"]

[[departments]]
name = "法务部"
name_en = "Legal"
head = "huang.min@corp.example"
members = ["huang.min@corp.example"]
{people}"""

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
    """One scripted reply: the corpus case, when (working days from M, local time), and
    how to address it (``reply_to``: the kind of our mail it answers, ``to_whom``: whose
    copy of it)."""

    case: str
    day: int
    time: dt.time
    reply_to: str | None = None
    sender: str | None = None
    action: int | None = None
    with_uid: bool = False


SCRIPT = [
    Step("p21-meeting-request-zh", -10, dt.time(9, 0)),
    Step("p09-gb2312-accept", -10, dt.time(10, 30), reply_to="approval_request"),
    Step("p10-topic-structured-zh", -9, dt.time(10, 0), reply_to="call_for_topics"),
    Step("p01-outlook-accept-zh", -9, dt.time(11, 0), with_uid=True),
    Step("p05-plain-accept-quoted-template-zh", -9, dt.time(11, 30), reply_to="invite"),
    Step("p12-two-topics-zh", -8, dt.time(10, 0), reply_to="call_for_topics"),
    Step("p13-topic-html-table-zh", -8, dt.time(10, 30), reply_to="call_for_topics"),
    Step("p15-topic-with-attachment-rfc2231", -8, dt.time(11, 0)),
    Step("p11-topic-structured-en", -8, dt.time(11, 30)),
    Step("p14-topic-freeform-incomplete", -8, dt.time(14, 0), reply_to="call_for_topics"),
    Step("p02-outlook-decline-comment-en", -7, dt.time(9, 15), with_uid=True),
    Step("p04-thunderbird-delegated", -7, dt.time(10, 0), with_uid=True),
    Step("p07-out-of-office-zh", -7, dt.time(10, 5)),
    Step("p08-bounce-dsn", -7, dt.time(10, 10)),
    Step("p24-unrelated", -7, dt.time(15, 0)),
    Step("p23-outlook-counter-proposal", -6, dt.time(9, 40), with_uid=True),
    Step("p06-plain-decline-proxy-opinion-zh", -6, dt.time(16, 0), reply_to="invite"),
    # A late topic from the silent department, the same problem as Customer Service's.
    Step("p10-topic-structured-zh", -3, dt.time(19, 0), reply_to="topic_reminder", sender="li.na"),
    Step("p16-minutes-zh", 1, dt.time(11, 0), reply_to="minutes_request"),
    Step("p20-action-in-progress-zh", 2, dt.time(10, 0), action=1),
    Step("p19-action-delay-zh", 4, dt.time(10, 0), sender="liu.yang", action=1),
    Step("p18-action-done-zh", 7, dt.time(10, 0), action=1),
]


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

    def __init__(self, workdir: Path, lang: str, meeting_day: dt.date | None, echo: Echo | None):
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
        config_path.write_text(DEMO_TOML.format(lang=lang, people=people), encoding="utf-8")
        start = self.days.at(self.days.add(self.meeting_day, -10), dt.time(8, 30))
        self.clock = clock.FrozenClock(start)
        clock.set_clock(self.clock)
        self.service = Service(load(config_path))
        self.inbox = mailbox.Maildir(self.service.config.var_dir / "inbox", create=True)
        self.number: int | None = None
        self.seen_event = 0
        self.sent_ids = 0

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
        raw = (self.corpus / f"{step.case}.eml").read_bytes()
        number = self.number or meetings.next_meeting_number(self.service.db)
        file = None
        if self.number is not None:
            try:
                file = meetings.load_file(self.service.db, number)
            except KeyError:
                raise UserError(
                    f"the demo meeting request was not accepted; see {self.workdir}/meetingd.log "
                    f"and `meetingd quarantine -c {self.workdir}/meetingd.toml`."
                ) from None
        sender = None
        if step.sender:
            name = next(zh for a, zh, _en, _d in PEOPLE if a == step.sender)
            sender = (name, f"{step.sender}@corp.example")
        replace = {}
        if step.case.startswith("p21"):
            replace = {
                "赵磊 zhao.lei@corp.example": "赵磊 zhao.lei@corp.example；李娜 li.na@corp.example"
            }
        mail = readdress(
            raw,
            number=number,
            when=self.clock.now().astimezone(self.days.tz),
            shift_days=self.shift,
            message_id=f"<demo.{index}.{number}@mail.corp.example>",
            action_k=step.action,
            uid=file.meeting.uid if file and step.with_uid else None,
            in_reply_to=self.our_message(step.reply_to, sender[1] if sender else raw),
            sender=sender,
            replace=replace,
        )
        self.inbox.add(mail)
        if self.number is None:
            self.number = number

    def our_message(self, kind: str | None, to: str | bytes) -> str | None:
        """Message-ID of the last mail of ``kind`` we sent to the replying person."""
        if kind is None:
            return None
        if isinstance(to, bytes):
            import email.utils

            head = to.split(b"\n\n", 1)[0].decode("ascii", "replace")
            froms = [ln for ln in head.splitlines() if ln.lower().startswith("from:")]
            to = email.utils.parseaddr(froms[0][5:])[1].lower() if froms else ""
        rows = [
            r
            for r in queries.outbox_list(self.service.db)
            if r.kind == kind and (to in r.recipients or not to)
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


def run_demo(workdir: Path, lang: str, meeting_day: dt.date | None, echo: Echo | None) -> int:
    """Run the demo in ``workdir``; returns the exit code (0 on success).

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
        return Demo(workdir, lang, meeting_day, echo).run()
    finally:
        root.removeHandler(handler)
        handler.close()
