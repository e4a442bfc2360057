"""Fuzzing: any bytes, and mutated real messages, give an Inspection; nothing escapes.

The mutated messages are seeded with the project's own mails (:func:`project_seeds`, the
demo's ``daemon/demo/mails/*.eml`` and the :mod:`tests.mails` builders), plus the labelled
cases of ``../shared/corpus`` when that corpus is there. Generators of
:mod:`tests.unit.inbound_fuzz_inputs` add the fault classes of issue 9 (deep nesting, codec
labels that are not charsets, broken calendars, forged From headers, absurd values, loop
mail). The real :func:`inspect_bytes` is called, nothing patched; the catch-all must never
be what saved us, and a readable From always gives the sender. A long run:
``scripts/fuzz`` (``bench/fuzz_reader.py``).
"""

from __future__ import annotations

from email.message import EmailMessage

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daemon.domain.messages import Inspection
from daemon.inbound.inspect import inspect_bytes
from tests.mails import DAEMON, INSPECT_NOW, REQUEST_ZH, mail
from tests.unit.inbound_fuzz_inputs import GENERATORS, mutate
from tests.unit.inbound_fuzz_inputs import seeds as own_seeds
from tests.unit.inbound_helpers import corpus_dir, make_mail

_ITIP_REPLY = """BEGIN:VCALENDAR\r
METHOD:REPLY\r
BEGIN:VEVENT\r
UID:mtg-3@corp.example\r
DTSTART;TZID=Asia/Shanghai:20261216T140000\r
ATTENDEE;PARTSTAT=DELEGATED;DELEGATED-TO="mailto:b@corp.example":mailto:a@corp.example\r
END:VEVENT\r
END:VCALENDAR\r
"""


def _with_attachment(body: str, filename: str, ctype: str, data: bytes) -> bytes:
    """A multipart mail to the daemon: text plus one attachment."""
    message = EmailMessage()
    message["From"] = "Liu Yang <liu.yang@corp.example>"
    message["To"] = DAEMON
    message["Subject"] = "Re: [MTG-3] 议题"
    message["Date"] = "Mon, 14 Sep 2026 09:00:00 +0800"
    message.set_content(body)
    maintype, _, subtype = ctype.partition("/")
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def project_seeds() -> list[bytes]:
    """One mail of every kind the parser knows, built here (no corpus needed)."""
    who = "Liu Yang <liu.yang@corp.example>"
    minutes = (
        "会议纪要\n决议：\n1. 12月20日切换\n"
        "行动项：\n1. 准备回退方案 负责人：刘洋 完成时间：12月18日\n"
    )
    return [
        mail(who, "会议需求申请：仓储系统切换协调会", REQUEST_ZH),
        mail(who, "Re: [MTG-3] 邀请", "参加"),
        mail(who, "Re: [MTG-3] invitation", "Declined. I am travelling.\n\n> quoted text"),
        mail(who, "Re: [MTG-3] 议题征集", "议题：切换日期\n背景：旧系统停用\n痛点：数据不一致\n"),
        mail(who, "[MTG-3] 会议纪要", minutes),
        mail(who, "Re: [MTG-3/A-1] 行动项", "已完成"),
        mail(who, "自动回复: [MTG-3]", "我正在休假", Auto_Submitted="auto-replied"),
        mail(
            "MAILER-DAEMON@corp.example", "Undelivered Mail Returned to Sender", "550 no such user"
        ),
        make_mail("议题：x\n背景：y", charset="gb18030"),
        _with_attachment("答复", "invite.ics", "text/calendar", _ITIP_REPLY.encode()),
        _with_attachment("背景材料见附件", "材料.pdf", "application/pdf", b"%PDF-1.4 test"),
    ]


def _corpus_seeds() -> list[bytes]:
    """The labelled cases' mails, when ``../shared/corpus`` is there (else none)."""
    return [p.read_bytes() for p in sorted((corpus_dir() / "cases").glob("*.eml"))]


_SEEDS = project_seeds() + own_seeds() + _corpus_seeds()
_FAST = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


def _ok(insp: Inspection) -> None:
    assert isinstance(insp, Inspection)
    # the catch-all in inspect_bytes must not be what saved us: no internal error either
    assert "error" not in insp.rule_hits, insp.problems
    insp.to_json()


@_FAST
@given(st.binary(max_size=2000))
def test_any_bytes(raw):
    _ok(inspect_bytes(raw, now=INSPECT_NOW))


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
    _ok(inspect_bytes(bytes(data[: max(cut, len(data) // 2)]), now=INSPECT_NOW))


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
    _ok(inspect_bytes(b"\r\n".join(lines), now=INSPECT_NOW))


@_FAST
@given(st.text(max_size=300))
def test_any_text_body(body):
    _ok(
        inspect_bytes(
            make_mail(body, subject="Re: [MTG-1/A-1] 议题 minutes 会议需求"), now=INSPECT_NOW
        )
    )


def test_project_seeds_cover_every_kind_the_parser_knows() -> None:
    kinds = {inspect_bytes(seed, now=INSPECT_NOW).kind for seed in project_seeds()}
    assert {"meeting_request", "rsvp", "topic_submission", "minutes"} <= kinds
    assert {"action_update", "auto_reply", "bounce"} <= kinds


def _header_block(raw: bytes) -> int:
    """Length of the header block of ``raw`` with its blank line (0 when there is none)."""
    ends = [i + len(sep) for sep in (b"\r\n\r\n", b"\n\n") if (i := raw.find(sep)) >= 0]
    return min(ends) if ends else 0


_OWN = [
    (seed, _header_block(seed), inspect_bytes(seed, now=INSPECT_NOW).sender) for seed in own_seeds()
]


@_FAST
@given(st.sampled_from(GENERATORS), st.randoms(use_true_random=False))
def test_generated_fault_classes(generate, rng):
    raw, sender = generate(rng)
    insp = inspect_bytes(raw, now=INSPECT_NOW)
    _ok(insp)
    assert insp.sender == sender  # a readable From always gives its address


@_FAST
@given(st.sampled_from(_OWN), st.randoms(use_true_random=False))
def test_mutated_own_mails_keep_their_sender(seed_info, rng):
    seed, head, sender = seed_info
    data = mutate(seed, rng)
    insp = inspect_bytes(data, now=INSPECT_NOW)
    _ok(insp)
    if head and sender and data.startswith(seed[:head]):
        assert insp.sender == sender  # the header block is intact: its From is readable
