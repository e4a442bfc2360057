"""The daemon: store + transports + rules + outbox, one pass at a time.

:meth:`Service.run_once` is one full pass (ingest → process → fire due deadlines →
dispatch, repeated until nothing is left to do); ``meetingd run --once``, the tests and the
demo call it. :func:`daemon.runner.run_forever` drives it unattended.

Every decision is logged (``logging``) and recorded in the ``events`` table.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, replace
from typing import Any

from sqlite_utils import Database

from daemon import clock
from daemon.config import Config, ensure_var_dir
from daemon.domain import rules
from daemon.domain.context import RuleContext, Timings
from daemon.domain.directory import Directory
from daemon.domain.effects import KINDS, Effects, Outgoing
from daemon.domain.events import Command, Incoming
from daemon.domain.identity import SenderPolicy
from daemon.domain.messages import Inspection
from daemon.domain.model import Deadline, Material, MeetingFile
from daemon.domain.replies import NO_REPLY_KINDS, NOTICE_KINDS, SILENT_REASONS, notice_blocked
from daemon.domain.views import deadline_times, review_file
from daemon.errors import UserError
from daemon.inbound import pipeline
from daemon.inbound.inspect import inspect_bytes
from daemon.inbound.link import Link, link_message
from daemon.outbound import outbox
from daemon.outbound.compose import ComposeContext, compose
from daemon.outbound.render import default_renderer
from daemon.scheduler import fire_due
from daemon.store import meetings, queries
from daemon.store.db import atomic, open_db
from daemon.store.materials import MaterialStore
from daemon.store.rows import InboxRow
from daemon.transports.base import MailSink, MailSource, close_all, load_factory
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
        source, sink: transports; None builds them from ``config``.

    The SQLite connection is per thread (the APScheduler tick runs in its own thread).
    """

    def __init__(
        self, config: Config, source: MailSource | None = None, sink: MailSink | None = None
    ) -> None:
        self.config = config
        ensure_var_dir(config)  # UserError naming the file and key if it is not writable
        self.days = WorkCalendar(
            config.get("calendar", "country"),
            config.get("calendar", "timezone"),
            config.get("calendar", "extra_holidays"),
            config.get("calendar", "extra_workdays"),
            config.get("calendar", "end_of_day"),
        )
        self.timings = Timings(**config.values["process"])
        self.security = SenderPolicy(
            tuple(config.get("security", "authserv_ids")),
            bool(config.get("security", "exchange_internal")),
        )
        self.directory = build_directory(config)
        self.materials = MaterialStore(config.materials_dir, self.timings.max_material_bytes)
        check_templates()
        self.source = source or self._transport("source")
        self.sink = sink or self._transport("sink")
        self._local = threading.local()
        self.db  # noqa: B018 - open (and migrate) now so errors show at start

    def _transport(self, role: str) -> Any:
        name = self.config.get("transport", role)
        settings = self.config.transports.get(name, {})
        return load_factory(name)(settings, self.config.var_dir)

    @property
    def db(self) -> Database:
        """This thread's connection to the database (opened and migrated on first use)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = open_db(self.config.db_path)
        return db

    def close(self) -> None:
        """Close the transports and this thread's database connection."""
        close_all({id(p): p for p in (self.source, self.sink)}.values())
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
        """Settle mails left ``sending`` claimed at least ``older_than`` ago (0: all); return
        how many. See :func:`daemon.outbound.outbox.settle_stuck`."""
        return outbox.settle_stuck(self.db, self.sink, clock.now(), older_than)

    def dispatch(self) -> tuple[int, int]:
        """Send what the outbox holds; returns (sent, failed)."""
        report = outbox.dispatch(self.db, self.sink, clock.now())
        return report.sent, report.failed

    # ----------------------------------------------------------------- inbound
    def _handle(self, db: Database, row: InboxRow) -> None:
        msg = inspect_bytes(row.raw, f"inbox:{row.id}", now=clock.now())
        now = clock.now()
        sender = (msg.sender or "").lower()
        log.info("inbox %s: %s from %s, rules %s", row.id, msg.kind, sender, msg.rule_hits)
        if msg.kind in NO_REPLY_KINDS or sender == self.config.address:
            why = "our own mail" if sender == self.config.address else msg.kind
            queries.inbox_ignored(db, row.id, why, kind=msg.kind, sender=sender, now=now)
            queries.event_add(db, now, None, "ignored", f"{why} from {sender}: {msg.subject}")
            return
        if not sender:
            self._quarantine(db, row, msg, "no_sender")  # nobody to tell: no reply
            return
        if msg.sender_name and not msg.sender_suspicious:
            self.directory.add(sender, msg.sender_name)
        found = link_message(db, msg)
        kept, refused = self._store_materials(msg)
        inc = Incoming(msg, found.reply_kind, found.reply_key, kept)
        if found.number is None:
            if msg.kind != "meeting_request":
                reason = "unknown_meeting" if msg.meeting_ref else "no_meeting"
                self._quarantine(db, row, msg, reason, replying_to=found.reply_kind)
                return
            doubt = rules.identity_doubt(inc, self.context())
            if doubt is not None:
                self._quarantine(db, row, msg, doubt, replying_to=found.reply_kind)
                return
            number = meetings.next_meeting_number(db)
            file, effects = rules.open_meeting(number, inc, self.context())
        else:
            file = meetings.load_file(db, found.number)
            effects = rules.apply_message(file, inc, self.context())
        if effects.quarantine:
            self._quarantine(db, row, msg, effects.quarantine, file, found.reply_kind)
            return
        meetings.save_file(db, file)  # a new meeting must exist before its events
        queries.event_add(
            db, now, file.meeting.number, f"in:{msg.kind}", f"{sender}: {msg.subject}"
        )
        if refused:
            effects.outgoing.append(
                Outgoing(
                    "attachment_refused",
                    [sender],
                    key=inc.key,
                    in_reply_to=msg.message_id,
                    extra={"files": refused, "limit": self.materials.max_bytes},
                )
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

    def _store_materials(self, msg: Inspection) -> tuple[list[Material], list[dict[str, Any]]]:
        """Store the attachments by content hash; returns (kept, refused as
        ``{filename, size}`` for files over ``max_material_bytes``)."""
        kept: list[Material] = []
        refused: list[dict[str, Any]] = []
        for att in msg.attachments:
            if not att.data or att.content_type in ("text/calendar", "application/ics"):
                continue
            name = att.filename or "attachment"
            try:
                digest = self.materials.put(att.data, name, att.content_type)
            except ValueError as exc:
                log.warning("material not kept: %s", exc)
                refused.append({"filename": name, "size": len(att.data)})
                continue
            sender = (msg.sender or "").lower()
            kept.append(
                Material(digest, name, att.content_type, att.size, sender, received_utc=clock.now())
            )
        return kept, refused

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
        (``replying_to``: the kind of our mail it answers, to break reply loops)."""
        problems = [reason, *msg.problems]
        queries.inbox_quarantine(db, row.id, "; ".join(problems))
        number = file.meeting.number if file else None
        queries.event_add(
            db,
            clock.now(),
            number,
            "quarantined",
            f"inbox {row.id} from {msg.sender}: {'; '.join(problems)}",
        )
        log.warning("inbox %s from %s quarantined: %s", row.id, msg.sender, problems)
        if reason in SILENT_REASONS:
            log.info("inbox %s: nobody is told (%s)", row.id, reason)
            return
        self._not_understood(db, row.id, msg, problems, file, replying_to)

    def _on_quarantine(self, db: Database, row: InboxRow, reason: str) -> None:
        msg = inspect_bytes(row.raw, f"inbox:{row.id}", now=clock.now())
        if msg.kind not in NO_REPLY_KINDS:
            self._not_understood(db, row.id, msg, ["processing_failed", *msg.problems], None)

    def _not_understood(
        self,
        db: Database,
        row_id: int,
        msg: Inspection,
        problems: list[str],
        file: MeetingFile | None,
        replying_to: str | None = None,
    ) -> None:
        """Tell the sender politely what could not be understood, unless the reply policy
        (:func:`daemon.domain.replies.notice_blocked`) forbids it."""
        out = Outgoing(
            "not_understood",
            [(msg.sender or "").lower()],
            key=f"inbox{row_id}",
            in_reply_to=msg.message_id,
            extra={"problems": problems, "subject": msg.subject},
        )
        if self._notice_allowed(db, msg, replying_to, f"inbox {row_id}"):
            self._enqueue(db, file, out)

    def _may_answer(self, db: Database, inc: Incoming, out: Outgoing, cause: str) -> bool:
        """Whether ``out``, caused by ``inc``, may go: nothing answers automatic mail
        (RFC 3834 §2: a list post, a mail asking for no automatic answer), and notices pass
        the reply policy. Mails to other people (an invite to a proxy) always go."""
        answers = (
            out.in_reply_to == inc.msg.message_id if inc.msg.message_id else out.to == [inc.sender]
        )
        if answers and inc.msg.auto_submitted:
            why = "automatic mail (RFC 3834)"
            log.info("%s: no %s to %s: %s", cause, out.kind, inc.sender, why)
            queries.event_add(db, clock.now(), None, "no_reply", f"{cause} {inc.sender}: {why}")
            return False
        if out.kind in NOTICE_KINDS:
            return self._notice_allowed(db, inc.msg, inc.reply_to_kind, cause)
        return True

    def _notice_allowed(
        self, db: Database, msg: Inspection, replying_to: str | None, what: str
    ) -> bool:
        """Whether a notice (:data:`NOTICE_KINDS`) may answer ``msg``; logs a refusal."""
        sender = (msg.sender or "").lower()
        now = clock.now()
        sent = (
            queries.outbox_count_to(db, NOTICE_KINDS, sender, now - dt.timedelta(days=1))
            if sender
            else 0
        )
        why = notice_blocked(
            sender=sender,
            daemon_address=self.config.address,
            auto_submitted=msg.auto_submitted,
            replying_to=replying_to,
            sent_last_day=sent,
        )
        if why:
            log.info("%s: no notice to %r: %s", what, sender, why)
            queries.event_add(db, now, None, "no_reply", f"{what} {sender}: {why}")
        return why is None

    # ----------------------------------------------------------------- deadlines
    def _fire(self, db: Database, number: int, deadline: Deadline) -> None:
        file = meetings.load_file(db, number)
        effects = rules.apply_deadline(file, deadline, self.context())
        self._commit(db, file, effects, f"deadline:{deadline.kind}:{deadline.key}")
        queries.event_add(db, clock.now(), number, f"deadline:{deadline.kind}", deadline.key)

    # ----------------------------------------------------------------- commands
    def command(self, number: int, cmd: Command) -> Effects:
        """Apply an operator command to meeting ``number`` in one transaction.

        Raises:
            KeyError: no such meeting. ValueError: the command does not fit its state.
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
        """Save the file, enqueue its mails and sync its deadlines (caller's transaction).

        ``inc`` is the message that caused it: notices answering it pass the reply policy.
        """
        meetings.save_file(db, file)
        number = file.meeting.number
        for line in effects.log:
            log.info("%s", line)
            queries.event_add(db, clock.now(), number, "decision", line)
        for line in effects.refusals:
            queries.event_add(db, clock.now(), number, "refused", line)
        for out in effects.outgoing:
            if inc is not None and not self._may_answer(db, inc, out, cause):
                continue
            self._enqueue(db, file, out)
        if effects.deadlines is not None:
            queries.deadlines_sync(db, file.meeting.number, effects.deadlines)

    def _enqueue(self, db: Database, file: MeetingFile | None, out: Outgoing) -> None:
        if not out.to:
            log.info("%s: no recipient, nothing sent", out.kind)
            return
        view = file
        if file is not None and out.kind == "review_invite":
            view = review_file(file, self.context())
        number = file.meeting.number if file else None
        idem = f"{number}:{out.kind}:{out.action_k or ''}:{out.key}:{','.join(sorted(out.to))}"
        # The Message-ID is derived from the key: make it the full idempotency key.
        message = compose(replace(out, key=idem), view, self._compose_context(file))
        if outbox.enqueue(
            db,
            idem_key=idem,
            meeting_number=number,
            kind=out.kind,
            message=message,
            now=clock.now(),
        ):
            queries.event_add(
                db, clock.now(), number, f"out:{out.kind}", f"to {', '.join(out.to + out.cc)}"
            )

    def _compose_context(self, file: MeetingFile | None) -> ComposeContext:
        lang = file.meeting.lang if file else self.config.get("daemon", "lang")
        return ComposeContext(
            from_addr=self.config.address,
            from_name=self.config.get("mailbox", "name"),
            msgid_domain=self.config.msgid_domain,
            now_utc=clock.now(),
            tz=self.days.tz,
            lang=lang,
            deadlines=deadline_times(file, self.days, self.timings) if file else {},
            names={a: e.names[0] for a, e in self.directory.entries.items() if e.names},
            load_material=self.materials.get,
        )


def check_templates() -> None:
    """Fail at start, not on the first mail, when templates are missing.

    Raises:
        UserError: no template folder, or a kind without its zh/en text template.
    """
    try:
        renderer = default_renderer()
    except FileNotFoundError as exc:
        raise UserError(f"{exc}. Fix: reinstall meetingd or set MEETINGD_TEMPLATE_DIR.") from None
    missing = [
        f"{lang}/{kind}" for kind in KINDS for lang in ("zh", "en") if not renderer.has(kind, lang)
    ]
    if missing:
        raise UserError(
            f"{renderer.template_dir}: no template for {', '.join(missing)}. "
            "Fix: reinstall meetingd or set MEETINGD_TEMPLATE_DIR to a complete copy."
        )


def build_directory(config: Config) -> Directory:
    """The people and departments of the configuration as a :class:`Directory`."""
    directory = Directory()
    for p in config.people:
        directory.add(p.address, p.name, p.name_en, department=p.department)
    for d in config.departments:
        directory.departments[d.name] = d.members
        if d.head:
            directory.heads[d.name] = d.head
    return directory


__all__ = ["Service", "PassReport", "build_directory", "Link", "replace", "dt"]
