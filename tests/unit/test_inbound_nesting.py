"""MIME nesting is bounded: deep structures never recurse (issue 9).

The ``email`` feed parser reads each nested entity with one more nested generator, so 1,000
levels raised ``RecursionError``; deeper parts now become opaque attachments.
"""

from __future__ import annotations

import sys

import pytest

from daemon.inbound.inspect import inspect_bytes
from daemon.inbound.nesting import MAX_DEPTH, OPAQUE_HEADER, parse_bounded
from tests.mails import INSPECT_NOW

HEAD = (
    b"From: Liu Yang <liu.yang@corp.example>\r\n"
    b"To: meetings@corp.example\r\n"
    b"Subject: Re: [MTG-7] \xe9\x82\x80\xe8\xaf\xb7\r\n"  # 邀请 as raw UTF-8
    b"Date: Mon, 07 Dec 2026 09:00:00 +0800\r\n"
    b"MIME-Version: 1.0\r\n"
)
LEAF = b"Content-Type: text/plain; charset=utf-8\r\n\r\n\xe5\x8f\x82\xe5\x8a\xa0\r\n"  # 参加


def multipart_tower(depth: int) -> bytes:
    """``depth`` multiparts, each the only part of the one above, a text part at the bottom."""
    body = LEAF
    for i in range(depth):
        body = (
            b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
            + body
            + b"\r\n--b%d--\r\n" % i
        )
    return body


def message_tower(depth: int) -> bytes:
    """``depth`` message/rfc822 parts, each holding the next; a text part at the bottom."""
    body = LEAF
    for _ in range(depth):
        body = b"Content-Type: message/rfc822\r\n\r\n" + HEAD + body
    return body


def digest_tower(depth: int) -> bytes:
    """multipart/digest parts without headers (their default type is message/rfc822)."""
    body = LEAF
    for i in range(depth):
        body = (
            b"Content-Type: multipart/digest; boundary=d%d\r\n\r\n--d%d\r\n\r\n" % (i, i)
            + body
            + b"\r\n--d%d--\r\n" % i
        )
    return body


def mail_with(tower: bytes) -> bytes:
    """A reply whose own text says 参加 and which also carries ``tower``."""
    return (
        HEAD
        + b"Content-Type: multipart/mixed; boundary=top\r\n\r\n--top\r\n"
        + LEAF
        + b"--top\r\n"
        + tower
        + b"\r\n--top--\r\n"
    )


def _depth(msg) -> int:
    depth, stack = 0, [(msg, 0)]
    while stack:
        part, d = stack.pop()
        depth = max(depth, d)
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend((p, d + 1) for p in payload)
    return depth


TOWERS = [multipart_tower, message_tower, digest_tower]


@pytest.mark.parametrize("build", TOWERS)
@pytest.mark.parametrize("depth", [1_000, 5_000])
def test_deep_towers_are_cut_and_the_mail_is_read(build, depth):
    raw = mail_with(build(depth))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)  # the reader must not need depth for the input's nesting
    try:
        insp = inspect_bytes(raw, now=INSPECT_NOW)
    finally:
        sys.setrecursionlimit(limit)
    assert "error" not in insp.rule_hits, insp.problems
    assert insp.sender == "liu.yang@corp.example"
    assert insp.subject == "Re: [MTG-7] 邀请"
    assert insp.kind == "rsvp" and insp.rsvp is not None
    assert any(f"more than {MAX_DEPTH} levels" in p for p in insp.problems)
    assert len(insp.attachments) == 1 and insp.attachments[0].size > 0


@pytest.mark.parametrize("build", TOWERS)
@pytest.mark.parametrize("depth", [1_000, 5_000])
def test_the_email_package_does_not_recurse_on_the_bounded_message(build, depth):
    msg, cut = parse_bounded(mail_with(build(depth)))
    assert cut == 1
    assert _depth(msg) <= MAX_DEPTH
    assert sum(1 for _ in msg.walk()) <= 2 * MAX_DEPTH + 4
    assert msg.as_bytes()  # the generator walks the tree recursively too
    opaque = [p for p in msg.walk() if OPAQUE_HEADER in p]
    assert len(opaque) == 1 and opaque[0].get_content_type() == "application/octet-stream"


@pytest.mark.parametrize(
    ("build", "depth"),
    [(multipart_tower, MAX_DEPTH - 2), (message_tower, MAX_DEPTH - 2), (digest_tower, 8)],
)
def test_shallow_nesting_is_parsed_as_before(build, depth):
    import email

    raw = mail_with(build(depth))
    msg, cut = parse_bounded(raw)
    assert cut == 0
    assert msg.as_bytes() == email.message_from_bytes(raw).as_bytes()


def test_the_top_message_itself_may_be_the_tower():
    raw = HEAD + multipart_tower(3_000)
    insp = inspect_bytes(raw, now=INSPECT_NOW)
    assert insp.sender == "liu.yang@corp.example" and "error" not in insp.rule_hits
    assert any(f"more than {MAX_DEPTH} levels" in p for p in insp.problems)


def test_rfc822_headers_block_holding_a_tower():
    tower = multipart_tower(2_000)
    raw = (
        HEAD
        + b"Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n"
        + b"--r\r\nContent-Type: text/plain\r\n\r\nundeliverable\r\n"
        + b"--r\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        + b"Subject: [MTG-7] x\r\n"
        + tower
        + b"\r\n--r--\r\n"
    )
    insp = inspect_bytes(raw, now=INSPECT_NOW)
    assert insp.kind == "bounce" and "error" not in insp.rule_hits
