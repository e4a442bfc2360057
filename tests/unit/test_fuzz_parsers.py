"""Fuzzing: any bytes, and mutated real messages, give an Inspection; nothing escapes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daemon.inbound.inspect import inspect_bytes
from daemon.inbound.model import Inspection
from tests.unit.inbound_helpers import make_mail, shared_dir

_SEEDS = [p.read_bytes() for p in sorted((shared_dir() / "corpus" / "cases").glob("*.eml"))]
_SEEDS = _SEEDS or [make_mail("参加"), make_mail("议题：x\n背景：y")]
_FAST = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


def _ok(insp: Inspection) -> None:
    assert isinstance(insp, Inspection)
    # the catch-all in inspect_bytes must not be what saved us: no internal error either
    assert "error" not in insp.rule_hits, insp.problems
    insp.to_json()


@_FAST
@given(st.binary(max_size=2000))
def test_any_bytes(raw):
    _ok(inspect_bytes(raw))


@_FAST
@given(
    st.sampled_from(_SEEDS),
    st.lists(st.tuples(st.integers(0, 10_000), st.binary(min_size=0, max_size=8)), max_size=6),
    st.integers(0, 10_000),
)
def test_mutated_real_messages(seed, edits, cut):
    data = bytearray(seed)
    for pos, chunk in edits:
        pos %= max(len(data), 1)
        data[pos : pos + len(chunk)] = chunk
    _ok(inspect_bytes(bytes(data[: max(cut, len(data) // 2)])))


_HEADER_LINES = st.sampled_from(
    [
        b"Content-Type: multipart/mixed; boundary=x",
        b"Content-Type: text/calendar",
        b"Content-Transfer-Encoding: base64",
        b"Content-Transfer-Encoding: quoted-printable",
        b"Subject: =?gb2312?B?ztI=?=",
        b"Auto-Submitted: auto-replied",
        b"From: <@>",
        b"Date: not a date",
        b"Content-Type: application/ms-tnef",
        b"--x",
        b"BEGIN:VCALENDAR",
        b"METHOD:COUNTER",
        b"BEGIN:VEVENT",
        b"DTSTART;TZID=China Standard Time:20261301T990000",
        b"ATTENDEE;PARTSTAT=DELEGATED:mailto:",
        b"END:VEVENT",
        b"END:VCALENDAR",
    ]
)


@_FAST
@given(st.lists(st.one_of(_HEADER_LINES, st.binary(max_size=40)), max_size=30))
def test_structured_garbage(lines):
    _ok(inspect_bytes(b"\r\n".join(lines)))


@_FAST
@given(st.text(max_size=300))
def test_any_text_body(body):
    _ok(inspect_bytes(make_mail(body, subject="Re: [MTG-1/A-1] 议题 minutes 会议需求")))
