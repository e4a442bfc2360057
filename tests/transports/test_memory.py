"""The in-memory transport (source, sink and calendar) against the contract suites.

Its faults are the ones it is told to raise (``fetch_errors``, ``send_errors``,
``errors``): the suite checks that it raises them before doing anything and loses nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from daemon.errors import PermanentError, TransientError
from daemon.transports.base import load_factory
from daemon.transports.calendar import Calendar
from daemon.transports.memory import MemoryCalendar, MemoryTransport
from tests.transports.contracts import (
    CalendarContract,
    CalendarKit,
    Fault,
    MailSinkContract,
    MailSourceContract,
    SeenMeeting,
    SinkKit,
    SourceKit,
)


def _error(fault: Fault) -> Exception:
    return TransientError("memory: try later") if fault == "transient" else PermanentError("no")


class MemoryKit(SourceKit, SinkKit):
    """One named memory mailbox: every instance the registry makes for the name shares it."""

    def __init__(self, var_dir: Path) -> None:
        super().__init__()
        self.var_dir = var_dir
        self.settings: dict[str, Any] = {"name": f"contract-{var_dir}"}
        self.box = self._open("source")

    def _open(self, role: str) -> MemoryTransport:
        made = load_factory("memory", role)(self.settings, self.var_dir)
        assert isinstance(made, MemoryTransport)
        return made

    def open_source(self) -> MemoryTransport:
        return self._open("source")

    def open_sink(self) -> MemoryTransport:
        return self._open("sink")

    def inject(self, raw: bytes) -> None:
        self.box.deliver(raw)

    def processed(self) -> list[bytes]:
        return list(self.box.processed.values())

    def failing_source(self, fault: Fault) -> MemoryTransport:
        self.box.fetch_errors.append(_error(fault))
        return self.open_source()

    def delivered(self) -> list[bytes]:
        return [m.raw for m in self.box.sent]

    def arm_fault(self, fault: Fault) -> None:
        self.box.send_errors.append(_error(fault))


class MemoryCalendarKit(CalendarKit):
    def __init__(self, var_dir: Path) -> None:
        super().__init__()
        self.var_dir = var_dir
        self.settings: dict[str, Any] = {"name": f"contract-{var_dir}"}
        self.cal = self.open_calendar()

    def open_calendar(self) -> MemoryCalendar:
        made = load_factory("memory", "calendar")(self.settings, self.var_dir, None, None)
        assert isinstance(made, MemoryCalendar) and isinstance(made, Calendar)
        return made

    def seen(self, uid: str) -> SeenMeeting | None:
        snap = self.cal.meetings.get(uid)
        if snap is None:
            return None
        return SeenMeeting(
            "cancelled" if snap.action == "cancel" else "scheduled",
            snap.summary,
            snap.start_utc,
            snap.end_utc,
            frozenset(a.address.lower() for a in snap.attendees),
        )

    def changes(self, uid: str) -> int:
        return sum(1 for _action, applied in self.cal.applied.values() if applied == uid)

    def told(self, uid: str) -> frozenset[str]:
        last = [key for key, (_action, applied) in self.cal.applied.items() if applied == uid][-1]
        return frozenset(a.lower() for a in self.cal.told[last])

    def arm_fault(self, fault: Fault) -> None:
        self.cal.errors.append(_error(fault))

    def answer(self, uid: str, attendee: str, partstat: str) -> None:
        time.sleep(0.002)  # a later received_utc than the answer before
        self.cal.answer(uid, attendee, partstat)


@pytest.fixture
def memory_kit(tmp_path: Path) -> MemoryKit:
    return MemoryKit(tmp_path)


class TestMemorySource(MailSourceContract):
    supports_wait = False  # wait sleeps out its timeout when the inbox is empty

    @pytest.fixture
    def source_kit(self, memory_kit: MemoryKit) -> SourceKit:
        return memory_kit


class TestMemorySink(MailSinkContract):
    send_dedupes = True
    can_be_unreachable = False  # no server

    @pytest.fixture
    def sink_kit(self, memory_kit: MemoryKit) -> SinkKit:
        return memory_kit


class TestMemoryCalendar(CalendarContract):
    calendar_records_responses: ClassVar[bool] = True

    @pytest.fixture
    def calendar_kit(self, tmp_path: Path) -> Iterator[CalendarKit]:
        yield MemoryCalendarKit(tmp_path)
