"""The transport contract suites: base classes that each transport's test file subclasses.

As vdirsyncer's storage tests do, a transport's tests are one file,
``tests/transports/test_<name>.py``, with one class per role it declares in
:data:`daemon.transports.base.REGISTRY`:

* :class:`MailSourceContract` for ``source``: the subclass provides the fixture
  ``source_kit`` (a :class:`SourceKit`);
* :class:`MailSinkContract` for ``sink``: the fixture ``sink_kit`` (a :class:`SinkKit`);
* :class:`CalendarContract` for ``calendar``: the fixture ``calendar_kit`` (a
  :class:`CalendarKit`).

A kit is the transport under test plus what the suite needs around it: put mail into the
inbox, read back what the sink delivered or what the calendar shows, open a second instance
over the same storage (a restarted daemon), make the backend fail. The tests talk to the
transport only through the contracts of ``daemon/transports/base.py`` and
``daemon/transports/calendar.py``; the kit is the only place that knows the backend.

Optional capabilities are class attributes (flags) of the subclass; each says what the
backend can do and switches the tests that check it (a test whose capability is absent checks
the weaker promise instead, where the contract makes one). ``tests/transports/test_registry.py``
fails when a registered role has no such class. See ``tests/transports/README.md``.
"""

from __future__ import annotations

import abc
import dataclasses
import datetime as dt
import itertools
import re
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any, ClassVar, Literal

import pytest

from daemon.errors import PermanentError, TransientError
from daemon.transports.base import MailSink, MailSource, OutgoingMail, close_all
from daemon.transports.calendar import (
    Calendar,
    CalendarResponse,
    MeetingSnapshot,
    SnapshotAttendee,
)

#: A fault a kit can make its backend show: ``transient`` (unreachable, "try later": the
#: transport raises :class:`TransientError`) or ``permanent`` (login refused, mail refused:
#: :class:`PermanentError`).
Fault = Literal["transient", "permanent"]
ALL_FAULTS: frozenset[Fault] = frozenset({"transient", "permanent"})

ORGANIZER = "meetings@example.test"
HOST = "sun.li@example.test"
CORE = "liu.yang@example.test"
OTHER = "wang.fang@example.test"
DELEGATE = "zhou.qiang@example.test"

_tokens = itertools.count(1)


def same_mail(a: bytes, b: bytes) -> bool:
    """Equal up to line endings (Maildir stores LF, IMAP and SMTP use CRLF)."""
    return a.replace(b"\r\n", b"\n") == b.replace(b"\r\n", b"\n")


def inbound_mail(token: str, n: int) -> bytes:
    """An inbound mail (CRLF, 8-bit UTF-8 body) with a Message-ID unique to ``token`` and ``n``."""
    return (
        f"From: Li Lei <li.lei@example.test>\r\nTo: {ORGANIZER}\r\n"
        f"Message-ID: <in-{n}.{token}@example.test>\r\nSubject: reply {n}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n\r\n第{n}封回信：同意。\r\nbody {n}\r\n"
    ).encode()


def outgoing_mail(token: str, n: int = 1) -> OutgoingMail:
    """A rendered outgoing mail: CRLF, a line starting with a dot (SMTP dot-stuffing), an
    8-bit UTF-8 body; Message-ID ``<out-n.token@example.test>``."""
    message_id = f"<out-{n}.{token}@example.test>"
    raw = (
        f"From: Meetings <{ORGANIZER}>\r\nTo: {OTHER}\r\nMessage-ID: {message_id}\r\n"
        f"Subject: invite {n}\r\nAuto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "line one\r\n.starts with a dot\r\n会议通知\r\n"
    ).encode()
    return OutgoingMail(message_id, (OTHER,), raw)


def meeting_snapshot(
    token: str,
    n: int = 1,
    *,
    action: Literal["upsert", "cancel"] = "upsert",
    start_utc: dt.datetime = dt.datetime(2026, 10, 9, 6, 0, tzinfo=dt.UTC),
    notify: tuple[str, ...] | None = None,
) -> MeetingSnapshot:
    """Intent ``n`` of the meeting of ``token`` (UID ``mtg.<token>@example.test``), two
    hours from ``start_utc``, with its announcing mail (multipart/alternative, own
    Message-ID ``<cal-n.token@example.test>``)."""
    attendees = (
        SnapshotAttendee(HOST, "孙丽", "chair", "ACCEPTED"),
        SnapshotAttendee(CORE, "刘洋"),
        SnapshotAttendee(OTHER, "王芳", "optional"),
    )
    told = notify if notify is not None else tuple(a.address for a in attendees)
    message_id = f"<cal-{n}.{token}@example.test>"
    msg = EmailMessage()
    msg["From"] = f"Meetings <{ORGANIZER}>"
    msg["To"] = ", ".join(told)
    msg["Subject"] = f"[MTG-7] {'取消' if action == 'cancel' else '邀请'}：协调会 {n}"
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(f"协调会，第{n}次通知。\n")
    msg.add_alternative(f"<p>协调会，第{n}次通知。</p>\n", subtype="html")
    return MeetingSnapshot(
        uid=f"mtg.{token}@example.test",
        ref="MTG-7",
        action=action,
        summary=f"[MTG-7] 协调会 {token}",
        start_utc=start_utc,
        end_utc=start_utc + dt.timedelta(hours=2),
        tz="Asia/Shanghai",
        organizer=ORGANIZER,
        organizer_name="会议助手",
        attendees=attendees,
        location="3楼大会议室",
        notify=notify,
        description=f"协调会，第{n}次通知。",
        message_id=message_id,
        recipients=told,
        mail=bytes(msg),
    )


# --------------------------------------------------------------------------------- kits


class SourceKit(abc.ABC):
    """A mail source under test. Subclass it and implement the abstract methods.

    :meth:`source` opens an instance and remembers it; the suite closes them all.
    """

    def __init__(self) -> None:
        self.opened: list[Any] = []

    def source(self) -> MailSource:
        """A new source instance over the same mailbox (a second one is a restarted daemon)."""
        made = self.open_source()
        self.opened.append(made)
        return made

    @abc.abstractmethod
    def open_source(self) -> MailSource:
        """Make a new source instance over the mailbox of this kit (through the registry
        factory, ``load_factory(name, "source")``)."""

    @abc.abstractmethod
    def inject(self, raw: bytes) -> None:
        """Put ``raw`` into the inbox, after every message injected before (arrival order)."""

    @abc.abstractmethod
    def processed(self) -> list[bytes]:
        """The raw bytes of every acknowledged message, where ``ack`` moved it."""

    def failing_source(self, fault: Fault) -> MailSource:
        """A source over this mailbox whose backend shows ``fault`` on its next ``fetch``:
        ``transient`` (server unreachable), ``permanent`` (login refused). Needed for every
        fault in :attr:`MailSourceContract.source_faults`."""
        raise NotImplementedError(f"{type(self).__name__}.failing_source({fault!r})")

    def close(self) -> None:
        """Close every opened instance (and whatever the kit started)."""
        close_all(self.opened)


class SinkKit(abc.ABC):
    """A mail sink under test. Subclass it and implement the abstract methods."""

    def __init__(self) -> None:
        self.opened: list[Any] = []

    def sink(self) -> MailSink:
        """A new sink instance over the same delivery (a second one is a restarted daemon)."""
        made = self.open_sink()
        self.opened.append(made)
        return made

    @abc.abstractmethod
    def open_sink(self) -> MailSink:
        """Make a new sink instance (through ``load_factory(name, "sink")``)."""

    @abc.abstractmethod
    def delivered(self) -> list[bytes]:
        """The raw bytes of every mail the backend received, in delivery order."""

    def arm_fault(self, fault: Fault) -> None:
        """Make the backend refuse the next ``send`` (after the sink's own retries):
        ``transient`` (a 4xx "try later"), ``permanent`` (a 5xx refusal). Needed for every
        fault in :attr:`MailSinkContract.sink_faults`."""
        raise NotImplementedError(f"{type(self).__name__}.arm_fault({fault!r})")

    def unreachable_sink(self) -> MailSink:
        """A sink whose servers cannot be reached (needed when
        :attr:`MailSinkContract.can_be_unreachable`)."""
        raise NotImplementedError(f"{type(self).__name__}.unreachable_sink()")

    def close(self) -> None:
        close_all(self.opened)


@dataclasses.dataclass(frozen=True)
class SeenMeeting:
    """A meeting as the backend now shows it to attendees (read back by the kit).

    ``attendees``: lower-case addresses; ``start_utc``/``end_utc`` aware UTC.
    """

    status: Literal["scheduled", "cancelled"]
    summary: str
    start_utc: dt.datetime
    end_utc: dt.datetime
    attendees: frozenset[str]


class CalendarKit(abc.ABC):
    """A calendar under test. Subclass it and implement the abstract methods."""

    def __init__(self) -> None:
        self.opened: list[Any] = []

    def calendar(self) -> Calendar:
        """A new calendar instance over the same backend and transport state (a second one
        is a restarted daemon)."""
        made = self.open_calendar()
        self.opened.append(made)
        return made

    @abc.abstractmethod
    def open_calendar(self) -> Calendar:
        """Make a new instance (through ``load_factory(name, "calendar")``), sharing the
        backend and the transport state with every instance made before."""

    @abc.abstractmethod
    def seen(self, uid: str) -> SeenMeeting | None:
        """The meeting ``uid`` as attendees now see it, None if the backend never showed it."""

    @abc.abstractmethod
    def changes(self, uid: str) -> int:
        """How many times the backend changed or announced meeting ``uid`` (iMIP: mails
        carrying it; a server calendar: creations and updates of its item)."""

    @abc.abstractmethod
    def told(self, uid: str) -> frozenset[str]:
        """The lower-case addresses the backend told of the last change of meeting ``uid``
        (iMIP: the recipients of the last mail carrying it)."""

    def arm_fault(self, fault: Fault) -> None:
        """Make the backend fail the next upsert or cancel with ``fault`` before anything
        reaches an attendee. Needed for every fault in :attr:`CalendarContract.calendar_faults`."""
        raise NotImplementedError(f"{type(self).__name__}.arm_fault({fault!r})")

    def answer(self, uid: str, attendee: str, partstat: str) -> None:
        """Let ``attendee`` answer meeting ``uid`` in the backend itself (as Outlook does),
        recorded later than any answer before it (sleep or move the backend's clock if its
        times are coarse). Needed when :attr:`CalendarContract.calendar_records_responses`."""
        raise NotImplementedError(f"{type(self).__name__}.answer()")

    def close(self) -> None:
        close_all(self.opened)


# ---------------------------------------------------------------------------- contracts


class _Contract:
    """What every contract class has: the ``token`` fixture."""

    @pytest.fixture
    def token(self, request: pytest.FixtureRequest) -> str:
        """A string unique to this test (Message-IDs, UIDs), reproducible run to run."""
        name = re.sub(r"[^a-z0-9]", "", request.node.name.lower())[:24]
        return f"{name}.{next(_tokens)}"


class MailSourceContract(_Contract):
    """The :class:`~daemon.transports.base.MailSource` contract.

    Provide the fixture ``source_kit`` (yield a :class:`SourceKit`); set the flags below.
    """

    #: ``wait`` returns soon after mail arrives during it (IMAP IDLE, Maildir polling); a
    #: source without this may just sleep out the timeout.
    supports_wait: ClassVar[bool] = True
    #: The faults :meth:`SourceKit.failing_source` can make, each checked for its error type.
    source_faults: ClassVar[frozenset[Fault]] = ALL_FAULTS

    @pytest.fixture
    def source_kit(self) -> SourceKit:
        raise NotImplementedError(f"{type(self).__name__} must provide the source_kit fixture")

    @pytest.fixture(autouse=True)
    def _close_source_kit(self, source_kit: SourceKit) -> Iterator[None]:
        yield
        source_kit.close()

    def test_fetch_returns_unacked_mail_oldest_first(self, source_kit: SourceKit, token: str):
        raws = [inbound_mail(token, n) for n in range(3)]
        for raw in raws:
            source_kit.inject(raw)
        got = source_kit.source().fetch()
        assert len(got) == 3
        assert all(same_mail(m.raw, r) for m, r in zip(got, raws, strict=True))
        assert len({m.source_key for m in got}) == 3

    def test_fetch_respects_limit_keeping_the_oldest(self, source_kit: SourceKit, token: str):
        raws = [inbound_mail(token, n) for n in range(3)]
        for raw in raws:
            source_kit.inject(raw)
        src = source_kit.source()
        got = src.fetch(limit=2)
        assert len(got) == 2
        assert all(same_mail(m.raw, r) for m, r in zip(got, raws[:2], strict=True))
        src.ack(got[0].source_key)
        (again,) = src.fetch(limit=1)
        assert again.source_key == got[1].source_key

    def test_refetch_gives_same_keys_until_acked(self, source_kit: SourceKit, token: str):
        for n in range(3):
            source_kit.inject(inbound_mail(token, n))
        src = source_kit.source()
        first = src.fetch()
        assert [m.source_key for m in src.fetch()] == [m.source_key for m in first]
        src.ack(first[0].source_key)
        assert [m.source_key for m in src.fetch()] == [m.source_key for m in first[1:]]
        for m in first[1:]:
            src.ack(m.source_key)
        assert src.fetch() == []

    def test_ack_moves_never_deletes_and_is_idempotent(self, source_kit: SourceKit, token: str):
        raw = inbound_mail(token, 1)
        source_kit.inject(raw)
        src = source_kit.source()
        (msg,) = src.fetch()
        src.ack(msg.source_key)
        src.ack(msg.source_key)  # already acknowledged: no-op
        assert src.fetch() == []
        processed = source_kit.processed()
        assert len(processed) == 1 and same_mail(processed[0], raw)

    def test_ack_of_an_unknown_key_is_a_noop(self, source_kit: SourceKit, token: str):
        raw = inbound_mail(token, 1)
        source_kit.inject(raw)
        src = source_kit.source()
        (msg,) = src.fetch()
        src.ack("no-such-key")
        src.ack("1:999999")
        assert [m.source_key for m in src.fetch()] == [msg.source_key]
        assert source_kit.processed() == []

    def test_keys_are_stable_across_a_restart(self, source_kit: SourceKit, token: str):
        """A crash between storing and ack: the restarted daemon sees the same key again,
        so its dedupe on ``source_key`` holds; it acknowledges with the new instance."""
        for n in range(2):
            source_kit.inject(inbound_mail(token, n))
        stored = [m.source_key for m in source_kit.source().fetch()]
        restarted = source_kit.source()
        again = restarted.fetch()
        assert [m.source_key for m in again] == stored
        for key in stored:
            restarted.ack(key)
        assert restarted.fetch() == [] and len(source_kit.processed()) == 2

    def test_nothing_lost_nothing_twice_over_a_run(self, source_kit: SourceKit, token: str):
        src = source_kit.source()
        store: dict[str, bytes] = {}
        for n in range(5):
            source_kit.inject(inbound_mail(token, n))
            if n % 2:
                for msg in src.fetch(limit=2):
                    store.setdefault(msg.source_key, msg.raw)
                    src.ack(msg.source_key)
        while batch := src.fetch(limit=2):
            for msg in batch:
                store.setdefault(msg.source_key, msg.raw)
                src.ack(msg.source_key)
        assert len(store) == 5 and len(source_kit.processed()) == 5

    def test_wait_reports_waiting_mail_at_once(self, source_kit: SourceKit, token: str):
        source_kit.inject(inbound_mail(token, 1))
        started = time.monotonic()
        assert source_kit.source().wait(5) is True
        assert time.monotonic() - started < 2

    def test_wait_returns_within_its_timeout(self, source_kit: SourceKit) -> None:
        src = source_kit.source()
        started = time.monotonic()
        assert isinstance(src.wait(0.5), bool)
        assert time.monotonic() - started < 0.5 + 3  # connecting may take a moment

    def test_wait_wakes_when_mail_arrives(self, source_kit: SourceKit, token: str) -> None:
        if not self.supports_wait:
            pytest.skip(f"{type(self).__name__}: supports_wait = False (wait may sleep)")
        src = source_kit.source()
        assert src.fetch() == []
        timer = threading.Timer(0.5, source_kit.inject, [inbound_mail(token, 1)])
        started = time.monotonic()
        timer.start()
        try:
            assert src.wait(30) is True
        finally:
            timer.join()
        assert time.monotonic() - started < 10
        assert len(src.fetch()) == 1

    @pytest.mark.parametrize("fault", ["transient", "permanent"])
    def test_fault_raises_its_error_and_loses_nothing(
        self, source_kit: SourceKit, token: str, fault: Fault
    ) -> None:
        if fault not in self.source_faults:
            pytest.skip(f"{type(self).__name__}: {fault} not in source_faults")
        raw = inbound_mail(token, 1)
        source_kit.inject(raw)
        failing = source_kit.failing_source(fault)
        source_kit.opened.append(failing)
        with pytest.raises(TransientError if fault == "transient" else PermanentError):
            failing.fetch()
        (msg,) = source_kit.source().fetch()
        assert same_mail(msg.raw, raw) and source_kit.processed() == []


class MailSinkContract(_Contract):
    """The :class:`~daemon.transports.base.MailSink` contract.

    Provide the fixture ``sink_kit`` (yield a :class:`SinkKit`); set the flags below.
    """

    #: ``find_sent`` answers True/False (the sink keeps what it delivered: a Sent folder, the
    #: outbox Maildir); False: it always answers None ("cannot tell"), never a guess.
    find_sent_reliable: ClassVar[bool] = True
    #: Sending one Message-ID twice delivers it once (the sink dedupes on its own).
    send_dedupes: ClassVar[bool] = False
    #: The faults :meth:`SinkKit.arm_fault` can make, each checked for its error type.
    sink_faults: ClassVar[frozenset[Fault]] = ALL_FAULTS
    #: The sink talks to a server that can be unreachable (:meth:`SinkKit.unreachable_sink`).
    can_be_unreachable: ClassVar[bool] = True

    @pytest.fixture
    def sink_kit(self) -> SinkKit:
        raise NotImplementedError(f"{type(self).__name__} must provide the sink_kit fixture")

    @pytest.fixture(autouse=True)
    def _close_sink_kit(self, sink_kit: SinkKit) -> Iterator[None]:
        yield
        sink_kit.close()

    def _not_sent(self, sink: MailSink, message_id: str) -> None:
        """``find_sent`` of a mail that did not go out: False, or None if it cannot tell."""
        assert sink.find_sent(message_id) is (False if self.find_sent_reliable else None)

    def test_send_delivers_the_bytes(self, sink_kit: SinkKit, token: str) -> None:
        mail = outgoing_mail(token)
        sink_kit.sink().send(mail)
        (got,) = sink_kit.delivered()
        assert same_mail(got, mail.raw)

    def test_find_sent_before_and_after_send(self, sink_kit: SinkKit, token: str) -> None:
        sink, mail = sink_kit.sink(), outgoing_mail(token)
        self._not_sent(sink, mail.message_id)
        sink.send(mail)
        assert sink.find_sent(mail.message_id) is (True if self.find_sent_reliable else None)
        self._not_sent(sink, f"<never-sent.{token}@example.test>")

    def test_find_sent_survives_a_restart(self, sink_kit: SinkKit, token: str) -> None:
        """A crash left the mail ``sending``: the restarted daemon's sink settles it."""
        mail = outgoing_mail(token)
        sink_kit.sink().send(mail)
        restarted = sink_kit.sink()
        assert restarted.find_sent(mail.message_id) is (True if self.find_sent_reliable else None)

    def test_sending_one_message_id_twice(self, sink_kit: SinkKit, token: str) -> None:
        if not self.send_dedupes:
            pytest.skip(f"{type(self).__name__}: send_dedupes = False (the outbox asks find_sent)")
        sink, mail = sink_kit.sink(), outgoing_mail(token)
        sink.send(mail)
        sink.send(mail)
        assert len(sink_kit.delivered()) == 1

    def test_mails_are_delivered_in_order(self, sink_kit: SinkKit, token: str) -> None:
        sink = sink_kit.sink()
        mails = [outgoing_mail(token, n) for n in range(3)]
        for mail in mails:
            sink.send(mail)
        got = sink_kit.delivered()
        assert len(got) == 3
        assert all(same_mail(g, m.raw) for g, m in zip(got, mails, strict=True))

    @pytest.mark.parametrize("fault", ["transient", "permanent"])
    def test_fault_raises_its_error_and_delivers_nothing(
        self, sink_kit: SinkKit, token: str, fault: Fault
    ) -> None:
        if fault not in self.sink_faults:
            pytest.skip(f"{type(self).__name__}: {fault} not in sink_faults")
        sink, mail = sink_kit.sink(), outgoing_mail(token)
        sink_kit.arm_fault(fault)
        with pytest.raises(TransientError if fault == "transient" else PermanentError):
            sink.send(mail)
        assert sink_kit.delivered() == []
        self._not_sent(sink, mail.message_id)
        sink.send(mail)  # the outbox retries (transient) or the operator does: it works now
        (got,) = sink_kit.delivered()
        assert same_mail(got, mail.raw)

    def test_unreachable_is_transient_and_find_sent_never_guesses(
        self, sink_kit: SinkKit, token: str
    ) -> None:
        if not self.can_be_unreachable:
            pytest.skip(f"{type(self).__name__}: can_be_unreachable = False")
        sink, mail = sink_kit.unreachable_sink(), outgoing_mail(token)
        sink_kit.opened.append(sink)
        with pytest.raises(TransientError):
            sink.send(mail)
        if self.find_sent_reliable:
            with pytest.raises(Exception):  # noqa: B017  (the contract: any exception, no False)
                sink.find_sent(mail.message_id)
        else:
            assert sink.find_sent(mail.message_id) is None


class CalendarContract(_Contract):
    """The :class:`~daemon.transports.calendar.Calendar` contract.

    Provide the fixture ``calendar_kit`` (yield a :class:`CalendarKit`); set the flags below.
    """

    #: ``find_applied`` answers True/False; False: after an apply it may answer None
    #: ("cannot tell", e.g. iMIP over SMTP without a Sent folder), and re-applying a key may
    #: announce the meeting again (at-least-once).
    find_applied_reliable: ClassVar[bool] = True
    #: The backend records attendees' answers itself (Exchange, Graph); False: ``responses``
    #: is always empty (answers arrive as mail).
    calendar_records_responses: ClassVar[bool] = False
    #: An upsert with ``notify`` set tells only those addresses (a delegate's invitation);
    #: False: the backend cannot choose whom its update tells.
    tells_only_notify: ClassVar[bool] = True
    #: The faults :meth:`CalendarKit.arm_fault` can make, each checked for its error type.
    calendar_faults: ClassVar[frozenset[Fault]] = ALL_FAULTS

    @pytest.fixture
    def calendar_kit(self) -> CalendarKit:
        raise NotImplementedError(f"{type(self).__name__} must provide the calendar_kit fixture")

    @pytest.fixture(autouse=True)
    def _close_calendar_kit(self, calendar_kit: CalendarKit) -> Iterator[None]:
        yield
        calendar_kit.close()

    def _applied(self, calendar: Calendar, key: str) -> None:
        """``find_applied`` of an applied intent: True, or None if the backend cannot tell."""
        found = calendar.find_applied(key)
        assert found is True or (found is None and not self.find_applied_reliable)

    def _not_applied(self, calendar: Calendar, key: str) -> None:
        """``find_applied`` of an intent never applied: False, or None if it cannot tell."""
        found = calendar.find_applied(key)
        assert found is False or (found is None and not self.find_applied_reliable)

    def _seen_as(self, kit: CalendarKit, snapshot: MeetingSnapshot) -> None:
        seen = kit.seen(snapshot.uid)
        assert seen is not None
        assert seen.status == ("cancelled" if snapshot.action == "cancel" else "scheduled")
        assert seen.summary == snapshot.summary
        assert (seen.start_utc, seen.end_utc) == (snapshot.start_utc, snapshot.end_utc)
        assert seen.attendees == {a.address for a in snapshot.attendees}

    def test_upsert_creates_the_meeting(self, calendar_kit: CalendarKit, token: str) -> None:
        snap, cal = meeting_snapshot(token), calendar_kit.calendar()
        assert calendar_kit.seen(snap.uid) is None
        ref = cal.upsert_meeting(snap, f"k1.{token}")
        assert isinstance(ref, str) and ref
        self._seen_as(calendar_kit, snap)
        assert calendar_kit.changes(snap.uid) == 1

    def test_the_same_key_twice_changes_nothing(self, calendar_kit: CalendarKit, token: str):
        snap, key = meeting_snapshot(token), f"k1.{token}"
        calendar_kit.calendar().upsert_meeting(snap, key)
        calendar_kit.calendar().upsert_meeting(snap, key)  # retried by a restarted daemon
        self._seen_as(calendar_kit, snap)
        assert calendar_kit.changes(snap.uid) in ((1,) if self.find_applied_reliable else (1, 2))

    def test_a_stale_retry_does_not_undo_a_later_update(
        self, calendar_kit: CalendarKit, token: str
    ) -> None:
        """Key 1 applied, then the update of key 2, then key 1 again (a retry that was in
        flight): the meeting stays as key 2 left it."""
        cal, first = calendar_kit.calendar(), meeting_snapshot(token)
        cal.upsert_meeting(first, f"k1.{token}")
        moved = meeting_snapshot(token, 2, start_utc=first.start_utc + dt.timedelta(days=1))
        cal.upsert_meeting(moved, f"k2.{token}")
        calendar_kit.calendar().upsert_meeting(first, f"k1.{token}")
        self._seen_as(calendar_kit, moved)
        if self.find_applied_reliable:
            assert calendar_kit.changes(first.uid) == 2

    def test_an_update_under_a_new_key(self, calendar_kit: CalendarKit, token: str) -> None:
        cal, first = calendar_kit.calendar(), meeting_snapshot(token)
        cal.upsert_meeting(first, f"k1.{token}")
        moved = meeting_snapshot(token, 2, start_utc=first.start_utc + dt.timedelta(days=1))
        cal.upsert_meeting(moved, f"k2.{token}")
        self._seen_as(calendar_kit, moved)
        assert calendar_kit.changes(first.uid) == 2

    def test_everyone_is_told_then_only_notify(self, calendar_kit: CalendarKit, token: str):
        """``notify`` None tells every attendee; a delegate's invitation (``notify`` set)
        tells only the delegate, and the meeting stays as it was."""
        cal, first = calendar_kit.calendar(), meeting_snapshot(token)
        cal.upsert_meeting(first, f"k1.{token}")
        assert calendar_kit.told(first.uid) == {a.address for a in first.attendees}
        if not self.tells_only_notify:
            return
        delegate = meeting_snapshot(token, 2, notify=(CORE,))
        cal.upsert_meeting(delegate, f"k2.{token}")
        assert calendar_kit.told(first.uid) == {CORE}
        self._seen_as(calendar_kit, delegate)

    def test_the_language_parts_of_one_update_move_the_meeting(
        self, calendar_kit: CalendarKit, token: str
    ) -> None:
        """An update told in one mail per language: each part lists every attendee, has
        ``notify`` set to its language's people and ``part_of`` to the whole intent; it is
        no delegate's invitation, so the meeting moves and nobody is dropped."""
        cal, first = calendar_kit.calendar(), meeting_snapshot(token)
        cal.upsert_meeting(first, f"k1.{token}")
        start = first.start_utc + dt.timedelta(days=1)
        whole = f"k2.{token}"
        for i, group in enumerate(((HOST, OTHER), (CORE,))):
            moved = meeting_snapshot(token, 2 + i, start_utc=start, notify=group)
            cal.upsert_meeting(dataclasses.replace(moved, part_of=whole), f"{whole}.{i}")
            self._seen_as(calendar_kit, moved)
            self._applied(cal, f"{whole}.{i}")

    def test_the_language_parts_of_one_cancel_cancel_the_meeting(
        self, calendar_kit: CalendarKit, token: str
    ) -> None:
        """A cancellation told in one mail per language: the first part cancels, the
        second finds it cancelled; neither fails."""
        cal, snap = calendar_kit.calendar(), meeting_snapshot(token)
        cal.upsert_meeting(snap, f"k1.{token}")
        whole = f"k2.{token}"
        for i, group in enumerate(((HOST, OTHER), (CORE,))):
            cancel = meeting_snapshot(token, 2 + i, action="cancel", notify=group)
            part = dataclasses.replace(cancel, part_of=whole)
            cal.cancel_meeting(cancel.uid, f"{whole}.{i}", part)
            self._seen_as(calendar_kit, cancel)

    def test_cancel(self, calendar_kit: CalendarKit, token: str) -> None:
        cal, snap = calendar_kit.calendar(), meeting_snapshot(token)
        cal.upsert_meeting(snap, f"k1.{token}")
        cancel = meeting_snapshot(token, 2, action="cancel")
        cal.cancel_meeting(cancel.uid, f"k2.{token}", cancel)
        self._seen_as(calendar_kit, cancel)
        self._applied(cal, f"k2.{token}")
        cal.cancel_meeting(cancel.uid, f"k2.{token}", cancel)  # the same key again
        self._seen_as(calendar_kit, cancel)
        if self.find_applied_reliable:
            assert calendar_kit.changes(snap.uid) == 2

    def test_find_applied_before_after_and_across_a_restart(
        self, calendar_kit: CalendarKit, token: str
    ) -> None:
        """A crash after the backend applied the intent, before the outbox marked it sent:
        the restarted daemon asks ``find_applied`` and must not be told False."""
        snap, key, cal = meeting_snapshot(token), f"k1.{token}", calendar_kit.calendar()
        self._not_applied(cal, key)
        cal.upsert_meeting(snap, key)
        self._applied(cal, key)
        self._applied(calendar_kit.calendar(), key)
        self._not_applied(calendar_kit.calendar(), f"k-other.{token}")

    @pytest.mark.parametrize("fault", ["transient", "permanent"])
    def test_fault_raises_its_error_and_applies_nothing(
        self, calendar_kit: CalendarKit, token: str, fault: Fault
    ) -> None:
        """A failed apply, then a restart: ``find_applied`` says not applied (the outbox
        requeues it), and the retry applies it once."""
        if fault not in self.calendar_faults:
            pytest.skip(f"{type(self).__name__}: {fault} not in calendar_faults")
        snap, key = meeting_snapshot(token), f"k1.{token}"
        calendar_kit.arm_fault(fault)
        with pytest.raises(TransientError if fault == "transient" else PermanentError):
            calendar_kit.calendar().upsert_meeting(snap, key)
        assert calendar_kit.seen(snap.uid) is None and calendar_kit.changes(snap.uid) == 0
        restarted = calendar_kit.calendar()
        self._not_applied(restarted, key)
        restarted.upsert_meeting(snap, key)
        self._seen_as(calendar_kit, snap)
        assert calendar_kit.changes(snap.uid) == 1
        self._applied(restarted, key)

    def test_responses_without_a_backend_that_records_them(
        self, calendar_kit: CalendarKit, token: str
    ) -> None:
        if self.calendar_records_responses:
            pytest.skip(f"{type(self).__name__}: calendar_records_responses = True")
        cal = calendar_kit.calendar()
        cal.upsert_meeting(meeting_snapshot(token), f"k1.{token}")
        assert cal.responses(None) == []
        assert cal.responses(dt.datetime(2020, 1, 1, tzinfo=dt.UTC)) == []

    def test_responses_since(self, calendar_kit: CalendarKit, token: str) -> None:
        """Answers the backend recorded, oldest first, each with its own key; ``since``
        gives at least every answer after it and none before it (the reader dedupes on the
        key, so an answer *at* ``since`` may come again)."""
        if not self.calendar_records_responses:
            pytest.skip(f"{type(self).__name__}: calendar_records_responses = False")
        cal, snap = calendar_kit.calendar(), meeting_snapshot(token)
        cal.upsert_meeting(snap, f"k1.{token}")
        calendar_kit.answer(snap.uid, CORE, "ACCEPTED")
        calendar_kit.answer(snap.uid, OTHER, "DECLINED")

        def ours(got: list[CalendarResponse]) -> list[CalendarResponse]:
            return [r for r in got if r.uid == snap.uid]

        every = ours(cal.responses(None))
        assert [(r.attendee.lower(), r.partstat) for r in every] == [
            (CORE, "ACCEPTED"),
            (OTHER, "DECLINED"),
        ]
        assert len({r.key for r in every}) == 2
        assert every[0].received_utc < every[1].received_utc
        assert all(r.received_utc.utcoffset() == dt.timedelta(0) for r in every)
        since = every[0].received_utc
        later = ours(calendar_kit.calendar().responses(since))
        assert all(r.received_utc >= since for r in later)
        assert {r.key for r in every if r.received_utc > since} <= {r.key for r in later}
        assert every[1].key in {r.key for r in later}
        last = ours(calendar_kit.calendar().responses(every[1].received_utc))
        assert every[0].key not in {r.key for r in last}  # none from before ``since``


#: The contract class of each role of ``REGISTRY`` (``tests/transports/test_registry.py``).
CONTRACTS: dict[str, type] = {
    "source": MailSourceContract,
    "sink": MailSinkContract,
    "calendar": CalendarContract,
}
