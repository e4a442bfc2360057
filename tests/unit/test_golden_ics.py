"""The calendar objects the daemon sends, compared byte for byte with golden files
(``tests/golden/*.ics``, DTSTAMP masked): the invite, its update, the cancel and the
review invite of the sample meeting. Regenerate with ``MEETINGD_REGEN_GOLDEN=1``."""

from __future__ import annotations

import dataclasses
import os
import re
from email.message import EmailMessage
from pathlib import Path

import pytest

from daemon.domain.views import review_file
from daemon.outbound.compose import compose
from tests.unit.outbound_samples import context, meeting_file, outgoing
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
    file = meeting_file()
    if kind in ("invite_update", "cancel"):
        file.meeting.sequence += 1
    check(kind, calendar_bytes(compose(outgoing(kind), file, context("zh"))))


def test_review_invite_calendar() -> None:
    file = meeting_file()
    review = review_file(file, ctx(local(2026, 10, 10, 9)))
    out = dataclasses.replace(outgoing("review_invite"))
    check("review_invite", calendar_bytes(compose(out, review, context("zh"))))
