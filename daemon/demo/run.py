"""``meetingd demo``: the whole process on a simulated clock, fed with the demo's own mails.

The demo writes a config and Maildirs into the work folder, installs a
:class:`~daemon.clock.FrozenClock`, drops its mails (``daemon/demo/mails/``, readdressed to
the demo meeting) into the inbox at their step, and moves the clock from event to event
(each pending deadline, each scripted mail), running the daemon's real pass
(:meth:`Service.run_once`) every time. It has no code path of its own inside the daemon: it
only moves the clock and feeds the inbox.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import logging
import mailbox
from collections.abc import Callable
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from daemon import clock
from daemon.config import load
from daemon.demo.readdress import readdress
from daemon.demo.script import DEMO_TOML, PEOPLE, SCRIPT, SCRIPT_DAY, Step, departments_toml
from daemon.errors import UserError
from daemon.inbound.addresses import read_sender
from daemon.service import Service
from daemon.store import meetings, queries
from daemon.workdays import WorkCalendar

log = logging.getLogger(__name__)

Echo = Callable[[str], None]


def sender_of(raw: bytes) -> str:
    """The lower-case From address of a raw message ("" when it has none)."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    return read_sender(str(msg.get("From", ""))).address or ""


def demo_mails() -> Traversable:
    """The folder of the demo's own mails (package data, present in every install)."""
    return resources.files("daemon.demo") / "mails"


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
        quiet: bool = False,
    ):
        self.workdir = workdir
        self.echo = echo or (lambda _line: None)
        self.timeline = (lambda _line: None) if quiet else self.echo
        self.mails = demo_mails()
        self.days = WorkCalendar()
        today = dt.datetime.now(self.days.tz).date()
        self.meeting_day = meeting_day or self.days.add(today, 10)
        self.shift = (self.meeting_day - SCRIPT_DAY).days
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
        self.echo(f"{len(SCRIPT)} mails from {self.mails} arrive on the way\n")
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
        """Readdress ``step``'s mail to its meeting and drop it into the inbox.

        Raises:
            UserError: the step needs a meeting the daemon did not create.
        """
        raw = (self.mails / f"{step.mail}.eml").read_bytes()
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
        next_workday = self.days.add(self.meeting_day, 1)
        mail = readdress(
            raw,
            number=step.meeting,
            when=self.clock.now().astimezone(self.days.tz),
            written_for=SCRIPT_DAY,
            shift_days=self.shift,
            message_id=f"<demo.{index}.{step.meeting}@mail.corp.example>",
            action_k=step.action,
            uid=file.meeting.uid if file and step.with_uid else None,
            in_reply_to=self.our_message(step, sender_of(raw)),
            placeholders={"NEXT_WORKDAY": f"{next_workday.month}月{next_workday.day}日"},
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
                self.timeline(f"{self.local(ev.at_utc)}  ← {what:<20} {ev.text}")
            elif kind == "out":
                self.timeline(f"{self.local(ev.at_utc)}  → {what:<20} {ev.text}")
            elif kind == "deadline":
                self.timeline(f"{self.local(ev.at_utc)}  ⏰ {what:<20} due")
            elif ev.kind in ("quarantined", "ignored"):
                self.timeline(f"{self.local(ev.at_utc)}  ✗ {ev.kind:<20} {ev.text}")

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
    quiet: bool = False,
) -> int:
    """Run the demo in ``workdir``; returns the exit code (0 on success).

    ``echo(line)`` receives the timeline and the summary (``quiet``: the summary only).

    ``transport_toml`` is appended to the demo's config (e.g. ``[transport]`` for IMAP and
    SMTP); ``deliver(raw)`` then puts each scripted reply where that source reads (e.g. an
    IMAP APPEND). By default mail goes through the Maildirs in ``workdir``.

    Raises:
        UserError: the work folder cannot be used.
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
        return Demo(workdir, lang, meeting_day, echo, transport_toml, deliver, quiet).run()
    finally:
        root.removeHandler(handler)
        handler.close()
