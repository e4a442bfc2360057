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

import dataclasses
import datetime as dt
import logging

from sqlite_utils import Database

from daemon import clock, passes, wiring
from daemon.config import Config, ensure_var_dir
from daemon.domain import replies, rules
from daemon.domain.context import RuleContext
from daemon.domain.directory import Directory
from daemon.domain.effects import KINDS, Effects
from daemon.domain.events import Command, Incoming
from daemon.domain.model import Deadline, MeetingFile
from daemon.errors import PermanentError
from daemon.inbound import pipeline
from daemon.inbound.answers import attach_answer
from daemon.inbound.calendar_answers import CalendarAnswers, vouched
from daemon.inbound.inspect import inspect_bytes
from daemon.inbound.link import link_message
from daemon.inbound.quarantine import after_failures, ignore, quarantine, quarantine_unapplied
from daemon.outbound import outbox
from daemon.outbound.mailer import Cause, Mailer
from daemon.outbound.pacing import SendLimits
from daemon.outbound.render import check_templates
from daemon.passes import PassReport
from daemon.scheduler import fire_due
from daemon.store import meetings, queries
from daemon.store.db import ThreadDatabases, atomic
from daemon.store.materials import MaterialStore
from daemon.store.rows import InboxRow, OutboxRow
from daemon.store.transport_state import TransportState
from daemon.transports.base import MailSink, MailSource, close_all
from daemon.transports.calendar import Calendar

log = logging.getLogger(__name__)


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
        check_templates(KINDS)
        self.days = wiring.work_calendar(config)
        self.timings = wiring.timings(config)
        self.send_limits = SendLimits.from_config(config.values["sending"])
        self.directory = Directory.build(config.people, config.departments)
        self._context = wiring.rule_context(config, self.days, self.timings, self.directory)
        self.materials = MaterialStore(config.materials_dir, self.timings.max_material_bytes)
        self._dbs = ThreadDatabases(config.db_path)
        self.source: MailSource = source or wiring.transport(config, "source", db_of=self._dbs.get)
        self.sink: MailSink = sink or wiring.transport(config, "sink", db_of=self._dbs.get)
        self.calendar: Calendar = calendar or wiring.transport(
            config, "calendar", self.sink, self._dbs.get
        )
        self.mailer = Mailer(wiring.mail_sender(config), self.context, self.materials.get)
        answers_state = TransportState(self._dbs.get, "calendar-answers")
        self.answers = CalendarAnswers(self.calendar, answers_state, config.address)
        self.db  # noqa: B018 - open (and migrate) now so errors show at start

    @property
    def db(self) -> Database:
        """This thread's connection to the database (opened and migrated on first use)."""
        return self._dbs.get()

    def close(self) -> None:
        """Close the transports and this thread's database connection."""
        close_all({id(p): p for p in (self.source, self.sink, self.calendar)}.values())
        self._dbs.close()

    # ----------------------------------------------------------------- one pass
    def run_once(self, max_rounds: int = 20) -> PassReport:
        """One full pass (:func:`daemon.passes.run_once`)."""
        return passes.run_once(self, max_rounds)

    def ingest_and_process(self) -> PassReport:
        """Fetch new mail (and the answers the calendar recorded) and apply every stored,
        unprocessed message.

        Raises:
            PermanentError: the mail source refused us (e.g. its login).
        """
        report = PassReport()
        report.fetched = pipeline.ingest(self.db, self.source, clock.now())
        report.fetched += pipeline.ingest(self.db, self.answers, clock.now())
        done = pipeline.process_pending(
            self.db, self._handle, clock.now(), on_quarantine=self._on_quarantine
        )
        report.processed, report.quarantined = done.processed, done.quarantined
        return report

    def fire_deadlines(self, budget_seconds: float | None = None) -> int:
        """Fire every deadline due by now (each exactly once); with ``budget_seconds``, only
        for that long (see :func:`daemon.scheduler.fire_due`)."""
        return fire_due(self.db, clock.now(), self._fire, budget_seconds)

    def seconds_to_deadline(self) -> float:
        """Seconds until the first pending deadline falls due (0 if one is due; a day if
        there is none), so the runner can wake for it instead of waiting for its tick."""
        due = queries.deadline_next_due(self.db)
        if due is None:
            return 86400.0
        return max((due - clock.now()).total_seconds(), 0.0)

    def mail_due(self) -> bool:
        """True if a queued mail is due now (an indexed count; no write)."""
        return queries.outbox_due_count(self.db, clock.now()) > 0

    def deadline_due(self) -> bool:
        """True if a pending deadline is due now."""
        return self.seconds_to_deadline() == 0.0

    def settle(self, older_than: dt.timedelta = dt.timedelta(0)) -> int:
        """Settle mails and calendar intents left ``sending`` claimed at least
        ``older_than`` ago (0: all); return how many. See
        :func:`daemon.outbound.outbox.settle_stuck`."""
        return outbox.settle_stuck(self.db, self.sink, clock.now(), older_than, self.calendar)

    def dispatch(self) -> tuple[int, int]:
        """One dispatch round (:meth:`dispatch_round`); (sent, failed)."""
        report = self.dispatch_round()
        return report.sent, report.failed

    def dispatch_round(self) -> outbox.DispatchReport:
        """Send what the outbox holds (calendar intents to the calendar, drafts composed
        first) within the round's budget and the provider's limits of ``[sending]``."""
        return outbox.dispatch(
            self.db,
            self.sink,
            clock.now(),
            calendar=self.calendar,
            limits=self.send_limits,
            composer=self._compose,
        )

    def _compose(self, row: OutboxRow) -> tuple[str, bytes]:
        """Compose the draft of ``row`` for its meeting as it is now (an
        :data:`outbox.Composer`). Raises ``PermanentError`` when the meeting is gone or the
        mail cannot be rendered."""
        file = None
        if row.meeting_number is not None:
            try:
                file = meetings.load_file(self.db, row.meeting_number)
            except KeyError as exc:
                raise PermanentError(f"cannot compose {row.kind}: {exc}") from exc
        return self.mailer.compose_draft(row, file)

    # ----------------------------------------------------------------- inbound
    def _handle(self, db: Database, row: InboxRow) -> None:
        """inspect → link → apply → commit, for one stored message (caller's transaction)."""
        now = clock.now()
        msg = inspect_bytes(row.raw, f"inbox:{row.id}", now=now)
        sender = (msg.sender or "").lower()
        log.info("inbox %s: %s from %s, rules %s", row.id, msg.kind, sender, msg.rule_hits)
        if msg.kind in replies.NO_REPLY_KINDS or sender == self.config.address:
            ignore(db, row, msg, "our own mail" if sender == self.config.address else msg.kind)
            return
        if not sender:
            quarantine(db, self.mailer, row, msg, "no_sender")
            return
        if msg.sender_name and not msg.sender_suspicious:
            self.directory.add(sender, msg.sender_name)
        found = link_message(db, msg)
        kept, refused = self.materials.keep(msg, now)
        inc = Incoming(
            msg, found.reply_kind, found.reply_key, kept, refused, vouched(row.source_key)
        )
        ctx = self.context()
        if found.number is not None:
            file = meetings.load_file(db, found.number)
            attach_answer(inc, file, found.question_id)
            effects = rules.apply_message(file, inc, ctx)
        elif msg.kind != "meeting_request":
            reason = "unknown_meeting" if msg.meeting_ref else "no_meeting"
            quarantine(db, self.mailer, row, msg, reason, replying_to=found.reply_kind)
            return
        elif (doubt := rules.identity_doubt(inc, ctx)) is not None:
            quarantine(db, self.mailer, row, msg, doubt, replying_to=found.reply_kind)
            return
        else:
            file, effects = rules.open_meeting(meetings.next_meeting_number(db), inc, ctx)
        if effects.quarantine:
            quarantine_unapplied(db, self.mailer, row, msg, file, effects, found.reply_kind)
            return
        if found.number is None:
            meetings.save_file(db, file)  # a new meeting must exist before its events
        pipeline.record_received(db, msg, file.meeting.number, now)
        self._commit(db, file, effects, f"msg:{msg.message_id or row.id}", inc)
        pipeline.record_applied(db, row, msg, file.meeting.number, now)

    def _on_quarantine(self, db: Database, row: InboxRow, reason: str) -> None:
        after_failures(db, self.mailer, row, clock.now())

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
        return dataclasses.replace(self._context, now=clock.now())

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
        answered = Cause(inc.msg, inc.reply_to_kind, cause) if inc is not None else None
        for out in effects.outgoing:
            self.mailer.enqueue(db, file, out, answered)
        if effects.deadlines is not None:
            queries.deadlines_sync(db, number, effects.deadlines)
        if effects.spawn_review and file.meeting.review_number is None:
            child, child_effects = rules.open_review(
                meetings.next_meeting_number(db), file, self.context()
            )
            meetings.save_file(db, file)
            meetings.save_file(db, child)
            self._commit(db, child, child_effects, f"{cause}:review")
