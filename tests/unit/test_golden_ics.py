"""The calendar objects the daemon sends, compared byte for byte with golden files
(``tests/golden/*.ics``, DTSTAMP masked): the invite, its update, the cancel, a delegate's
invitation and the review invite of the sample meeting, as the iMIP calendar sends them
(SEQUENCE is the calendar's: 0 for the invite, +1 for an update or a cancel, unchanged for a
delegate's invitation). Regenerate with ``MEETINGD_REGEN_GOLDEN=1``."""

from __future__ import annotations

import os
import re
from email.message import EmailMessage
from pathlib import Path

import pytest

from daemon.domain import rules
from daemon.transports.imip import ImipCalendar
from daemon.transports.memory import MemoryTransport
from tests.unit.outbound_samples import DictState, calendar_mail, meeting_file
from tests.unit.rules_helpers import ctx, local

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
_DTSTAMP = re.compile(rb"^DTSTAMP:.*$", re.M)


def calendar_bytes(msg: EmailMessage) -> bytes:
    parts = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    data = parts[0].get_payload(decode=True)
    assert isinstance(data, bytes)
    return _DTSTAMP.sub(b"DTSTAMP:<masked>", data)


def check(name: str, data: bytes) -> None:
    path = GOLDEN / f"{name}.ics"
    if os.environ.get("MEETINGD_REGEN_GOLDEN"):
        path.write_bytes(data)
    assert path.read_bytes() == data, f"{name}.ics differs; see MEETINGD_REGEN_GOLDEN"


@pytest.mark.parametrize("kind", ["invite", "invite_update", "cancel", "proxy_invite"])
def test_meeting_calendars(kind: str) -> None:
    calendar = ImipCalendar(MemoryTransport(), DictState())
    if kind != "invite":
        calendar_mail("invite", calendar=calendar)  # the invite went out first
    check(kind, calendar_bytes(calendar_mail(kind, calendar=calendar)))


def test_review_invite_calendar() -> None:
    review, _ = rules.open_review(8, meeting_file(), ctx(local(2026, 10, 10, 9)))
    check("review_invite", calendar_bytes(calendar_mail("review_invite", file=review)))
