"""The daemon: store + transports + rules + outbox, wired; one pass at a time.

An inbound message goes inspect → link → apply → commit: the reader says what it is, the
link finds its meeting (and the mail of ours it answers), the rules decide, and the commit
saves the meeting, queues the mails (through the reply policy of
:mod:`daemon.domain.replies`) and syncs the deadlines, all in one transaction.

:meth:`Service.run_once` is one full pass (ingest → process → fire due deadlines →
dispatch, repeated until nothing is left to do); ``meetingd run --once``, the tests and the
demo call it. :func:`daemon.runner.run_forever` drives it unattended. Every decision is
logged and recorded in the ``events`` table.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from daemon import clock
from daemon.config import Config, ensure_var_dir
from daemon.domain import replies, rules
from daemon.domain.context import RuleContext, Timings
from daemon.domain.directory import Directory
from daemon.domain.effects import KINDS, Effects, Outgoing
from daemon.domain.events import Command, Incoming
from daemon.domain.identity import SenderPolicy
from daemon.domain.messages import Inspection
from daemon.domain.model import Deadline, MeetingFile
from daemon.inbound import pipeline
from daemon.inbound.inspect import inspect_bytes
from daemon.inbound.link import link_message
from daemon.outbound import outbox
from daemon.outbound.mailer import Mailer, Sender
from daemon.outbound.render import check_templates
from daemon.scheduler import fire_due
from daemon.store import meetings, queries
from daemon.store.db import atomic, open_db
from daemon.store.materials import MaterialStore
from daemon.store.rows import InboxRow
from daemon.store.transport_state import TransportState
from daemon.transports.base import MailSink, MailSource, close_all, load_factory
from daemon.transports.calendar import Calendar
from daemon.workdays import WorkCalendar

log = logging.getLogger(__name__)


@dataclass
class PassReport:
    """What one :meth:`Service.run_once` did (counts)."""

    fetched: int = 0
    processed: int = 0
    quarantined: int = 0
    fired: int = 0
    sent: int = 0
    failed: int = 0

    def busy(self) -> bool:
        return bool(self.fetched or self.processed or self.fired or self.sent)


class Service:
    """One configured daemon.

    Args:
        config: the loaded configuration.
        source, sink, calendar: transports; None builds them from ``config``.

    The SQLite connection is per thread (the APScheduler tick runs in its own thread).

    Raises:
        UserError: the var folder cannot be used, templates are missing, or a transport
            cannot be set up (e.g. an unset password variable).
    """

    def __init__(
        self,
        config: Config,
        source: MailSource | None = None,
        sink: MailSink | None = None,
        calendar: Calendar | None = None,
    ) -> None:
        self.config = config
        ensure_var_dir(config)
        cal = config.values["calendar"]
        self.days = WorkCalendar(
            cal["country"],
            cal["timezone"],
            cal["extra_holidays"],
            cal["extra_workdays"],
            cal["end_of_day"],
        )
        self.timings = Timings(**config.values["process"])
        security = config.values["security"]
        self.security = SenderPolicy(tuple(security["authserv_ids"]), security["exchange_internal"])
        self.directory = Directory.build(config.people, config.departments)
        self.materials = MaterialStore(config.materials_dir, self.timings.max_material_bytes)
        check_templates(KINDS)
        self._local = threading.local()
        self.source: MailSource = source or self._transport("source")
        self.sink: MailSink = sink or self._transport("sink")
        self.calendar: Calendar = calendar or self._transport("calendar")
        sender = Sender(
            config.address,
            config.get("mailbox", "name"),
            config.msgid_domain,
            config.get("daemon", "lang"),
        )
        self.mailer = Mailer(sender, self.context, self.materials.get)
        self.db  # noqa: B018 - open (and migrate) now so errors show at start

    def _transport(self, role: str) -> Any:
        name = self.config.get("transport", role)
        settings = self.config.transports.get(name, {})
        factory = load_factory(name, role)
        if role == "calendar":
            state = TransportState(lambda: self.db, name)
            return factory(settings, self.config.var_dir, self.sink, state)
        return factory(settings, self.config.var_dir)

    @property
    def db(self) -> Database:
        """This thread's connection to the database (opened and migrated on first use)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = open_db(self.config.db_path)
        return db

    def close(self) -> None:
        """Close the transports and this thread's database connection."""
        close_all({id(p): p for p in (self.source, self.sink, self.calendar)}.values())
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # ----------------------------------------------------------------- one pass
    def run_once(self, max_rounds: int = 20) -> PassReport:
        """Ingest, process, fire due deadlines and dispatch until idle (at most
        ``max_rounds`` rounds). Never raises for a bad message; transport errors are
        logged and retried on the next pass.

        Raises:
            PermanentError: the mail source refused us (e.g. its login): retrying cannot
                help, so the caller stops (``meetingd run --once`` exits with 3).
        """
        total = PassReport()
        self.settle()
        for _ in range(max_rounds):
            step = self.ingest_and_process()
            step.fired = self.fire_deadlines()
            step.sent, step.failed = self.dispatch()
            for name in ("fetched", "processed", "quarantined", "fired", "sent", "failed"):
                setattr(total, name, getattr(total, name) + getattr(step, name))
            if not step.busy():
                break
        return total

    def ingest_and_process(self) -> PassReport:
        """Fetch new mail and apply every stored, unprocessed message.

        Raises:
            PermanentError: the mail source refused us (e.g. its login).
        """
        report = PassReport()
        report.fetched = pipeline.ingest(self.db, self.source, clock.now())
        done = pipeline.process_pending(
            self.db, self._handle, clock.now(), on_quarantine=self._on_quarantine
        )
        report.processed, report.quarantined = done.processed, done.quarantined
        return report

    def fire_deadlines(self) -> int:
        """Fire every deadline due by now (each exactly once)."""
        return fire_due(self.db, clock.now(), self._fire)

    def settle(self, older_than: dt.timedelta = dt.timedelta(0)) -> int:
        """Settle mails and calendar intents left ``sending`` claimed at least
        ``older_than`` ago (0: all); return how many. See
        :func:`daemon.outbound.outbox.settle_stuck`."""
        return outbox.settle_stuck(self.db, self.sink, clock.now(), older_than, self.calendar)

    def dispatch(self) -> tuple[int, int]:
        """Send what the outbox holds (calendar intents to the calendar); (sent, failed)."""
        report = outbox.dispatch(self.db, self.sink, clock.now(), calendar=self.calendar)
        return report.sent, report.failed

    # ----------------------------------------------------------------- inbound
    def _handle(self, db: Database, row: InboxRow) -> None:
        """inspect → link → apply → commit, for one stored message (caller's transaction)."""
        now = clock.now()
        msg = inspect_bytes(row.raw, f"inbox:{row.id}", now=now)
        sender = (msg.sender or "").lower()
        log.info("inbox %s: %s from %s, rules %s", row.id, msg.kind, sender, msg.rule_hits)
        if msg.kind in replies.NO_REPLY_KINDS or sender == self.config.address:
            why = "our own mail" if sender == self.config.address else msg.kind
            queries.inbox_ignored(db, row.id, why, kind=msg.kind, sender=sender, now=now)
            queries.event_add(db, now, None, "ignored", f"{why} from {sender}: {msg.subject}")
            return
        if not sender:
            self._quarantine(db, row, msg, "no_sender")
            return
        if msg.sender_name and not msg.sender_suspicious:
            self.directory.add(sender, msg.sender_name)
        found = link_message(db, msg)
        kept, refused = self.materials.keep(msg, now)
        inc = Incoming(msg, found.reply_kind, found.reply_key, kept, refused)
        ctx = self.context()
        if found.number is not None:
            file = meetings.load_file(db, found.number)
            effects = rules.apply_message(file, inc, ctx)
        elif msg.kind != "meeting_request":
            reason = "unknown_meeting" if msg.meeting_ref else "no_meeting"
            self._quarantine(db, row, msg, reason, replying_to=found.reply_kind)
            return
        elif (doubt := rules.identity_doubt(inc, ctx)) is not None:
            self._quarantine(db, row, msg, doubt, replying_to=found.reply_kind)
            return
        else:
            file, effects = rules.open_meeting(meetings.next_meeting_number(db), inc, ctx)
        if effects.quarantine:
            self._quarantine(db, row, msg, effects.quarantine, file, found.reply_kind)
            return
        meetings.save_file(db, file)  # a new meeting must exist before its events
        queries.event_add(
            db, now, file.meeting.number, f"in:{msg.kind}", f"{sender}: {msg.subject}"
        )
        self._commit(db, file, effects, f"msg:{msg.message_id or row.id}", inc)
        queries.inbox_applied(
            db,
            row.id,
            kind=msg.kind,
            meeting_number=file.meeting.number,
            message_id=msg.message_id,
            sender=sender,
            now=now,
        )

    def _quarantine(
        self,
        db: Database,
        row: InboxRow,
        msg: Inspection,
        reason: str,
        file: MeetingFile | None = None,
        replying_to: str | None = None,
    ) -> None:
        """Keep the message quarantined with ``reason`` and tell the sender what to fix
        (``replying_to``: the kind of our mail it answers, for the loop guard)."""
        problems = [reason, *msg.problems]
        queries.inbox_quarantine(db, row.id, "; ".join(problems))
        text = f"inbox {row.id} from {msg.sender}: {'; '.join(problems)}"
        queries.event_add(
            db, clock.now(), file.meeting.number if file else None, "quarantined", text
        )
        log.warning("inbox %s from %s quarantined: %s", row.id, msg.sender, problems)
        if reason in replies.SILENT_REASONS:
            log.info("inbox %s: nobody is told (%s)", row.id, reason)
            return
        self._notify(db, row.id, msg, problems, file, replying_to)

    def _on_quarantine(self, db: Database, row: InboxRow, reason: str) -> None:
        msg = inspect_bytes(row.raw, f"inbox:{row.id}", now=clock.now())
        if msg.kind not in replies.NO_REPLY_KINDS:
            self._notify(db, row.id, msg, ["processing_failed", *msg.problems], None)

    def _notify(
        self,
        db: Database,
        row_id: int,
        msg: Inspection,
        problems: list[str],
        file: MeetingFile | None,
        replying_to: str | None = None,
    ) -> None:
        """Tell the sender what could not be understood (if the reply policy allows)."""
        sender = (msg.sender or "").lower()
        out = replies.not_understood(
            f"inbox{row_id}", sender, msg.message_id, msg.subject, problems
        )
        if self._may_send(db, msg, replying_to, out, f"inbox {row_id}"):
            self.mailer.enqueue(db, file, out)

    def _may_send(
        self, db: Database, msg: Inspection, replying_to: str | None, out: Outgoing, cause: str
    ) -> bool:
        """Whether ``out``, caused by ``msg``, passes the reply policy; logs a refusal."""
        sender = (msg.sender or "").lower()
        now = clock.now()
        since = now - dt.timedelta(days=1)
        sent = queries.outbox_count_to(db, replies.NOTICE_KINDS, sender, since) if sender else 0
        why = replies.reply_blocked(
            out,
            sender=sender,
            message_id=msg.message_id,
            auto_submitted=msg.auto_submitted,
            replying_to=replying_to,
            daemon_address=self.config.address,
            notices_last_day=sent,
        )
        if why:
            log.info("%s: no %s to %r: %s", cause, out.kind, sender, why)
            queries.event_add(db, now, None, "no_reply", f"{cause} {sender}: {why}")
        return why is None

    # ----------------------------------------------------------------- deadlines, commands
    def _fire(self, db: Database, number: int, deadline: Deadline) -> None:
        file = meetings.load_file(db, number)
        effects = rules.apply_deadline(file, deadline, self.context())
        self._commit(db, file, effects, f"deadline:{deadline.kind}:{deadline.key}")
        queries.event_add(db, clock.now(), number, f"deadline:{deadline.kind}", deadline.key)

    def command(self, number: int, cmd: Command) -> Effects:
        """Apply an operator command to meeting ``number`` in one transaction.

        Raises:
            KeyError: no such meeting. CommandRefused: the command does not fit its state.
        """
        with atomic(self.db):
            file = meetings.load_file(self.db, number)
            effects = rules.apply_command(file, cmd, self.context())
            self._commit(self.db, file, effects, f"cmd:{cmd.verb}:{clock.now().isoformat()}")
        return effects

    # ----------------------------------------------------------------- shared
    def context(self) -> RuleContext:
        """The rules' view of now, working days, timings and people."""
        return RuleContext(
            clock.now(),
            self.days,
            self.timings,
            self.directory,
            self.config.address,
            self.config.get("daemon", "lang"),
            self.security,
        )

    def _commit(
        self,
        db: Database,
        file: MeetingFile,
        effects: Effects,
        cause: str,
        inc: Incoming | None = None,
    ) -> None:
        """Save the file, queue its mails and sync its deadlines (caller's transaction);
        mails answering ``inc`` pass the reply policy."""
        meetings.save_file(db, file)
        number = file.meeting.number
        for line in effects.log:
            log.info("%s", line)
            queries.event_add(db, clock.now(), number, "decision", line)
        for line in effects.refusals:
            queries.event_add(db, clock.now(), number, "refused", line)
        for out in effects.outgoing:
            if inc is None or self._may_send(db, inc.msg, inc.reply_to_kind, out, cause):
                self.mailer.enqueue(db, file, out)
        if effects.deadlines is not None:
            queries.deadlines_sync(db, number, effects.deadlines)
