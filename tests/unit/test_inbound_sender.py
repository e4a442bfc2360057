"""The sender is read from the raw From header (RFC 5322 §3.4, RFC 2047 §5), issue 9.

An encoded word may only stand in a display name or a comment: it never supplies the
address, and a display name that shows another address marks the mail suspicious.
"""

from __future__ import annotations

import base64
import sys

import pytest

from daemon.inbound.addresses import NO_SENDER, read_sender
from daemon.inbound.inspect import inspect_bytes
from tests.mails import INSPECT_NOW
from tests.unit.inbound_helpers import make_mail

HOST = "sun.li@corp.example"
OUTSIDER = "mallory@outside.example"


def _b(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def _q(text: str) -> str:
    raw = text.encode()
    return (
        "=?utf-8?q?"
        + "".join(
            chr(c) if 33 <= c < 127 and c not in b"=?_" else ("_" if c == 32 else f"={c:02X}")
            for c in raw
        )
        + "?="
    )


FORGED = [
    pytest.param(f"{_b(f'孙丽 <{HOST}>')} <{OUTSIDER}>", id="encoded-b"),
    pytest.param(f"{_q(f'孙丽 <{HOST}>')} <{OUTSIDER}>", id="encoded-q"),
    pytest.param(f'"{_b(f"孙丽 <{HOST}>")}" <{OUTSIDER}>', id="encoded-in-quotes"),
    pytest.param(f'"Sun Li <{HOST}>" <{OUTSIDER}>', id="plain-quoted"),
    pytest.param(f"Sun Li {HOST} <{OUTSIDER}>", id="plain-unquoted"),
    pytest.param(f"Sun Li <{HOST}> <{OUTSIDER}>", id="plain-two-angles"),
    pytest.param(f"({HOST}) {OUTSIDER}", id="comment"),
    pytest.param(f"{_b(HOST)} <{OUTSIDER}>", id="encoded-bare-address"),
]


@pytest.mark.parametrize("value", FORGED)
def test_a_display_name_never_supplies_the_address(value):
    sender = read_sender(value)
    assert sender.address == OUTSIDER
    assert sender.suspicious
    assert any(HOST in p and OUTSIDER in p for p in sender.problems), sender.problems


@pytest.mark.parametrize("value", FORGED)
def test_forged_host_through_inspect(value):
    raw = make_mail("同意", subject="Re: [MTG-7] 会议需求申请", sender=value)
    insp = inspect_bytes(raw, now=INSPECT_NOW)
    assert insp.sender == OUTSIDER
    assert insp.sender_suspicious is True
    assert insp.to_json()["sender_suspicious"] is True
    assert any("not taken as mail from" in p for p in insp.problems)


def test_an_address_inside_an_encoded_word_is_never_the_sender():
    for value in (_b(HOST), _q(HOST), f"{_q('x')}@outside.example"):
        sender = read_sender(value)
        assert sender.address is None, value
        assert any(p.startswith(NO_SENDER) for p in sender.problems)


@pytest.mark.parametrize(
    ("value", "address", "name"),
    [
        ("Liu Yang <liu.yang@corp.example>", "liu.yang@corp.example", "Liu Yang"),
        ("liu.yang@corp.example", "liu.yang@corp.example", None),
        ("<Liu.Yang@Corp.Example>", "liu.yang@corp.example", None),
        (f"{_b('刘洋')} <liu.yang@corp.example>", "liu.yang@corp.example", "刘洋"),
        ("=?gb2312?B?wfXR8w==?= <liu.yang@corp.example>", "liu.yang@corp.example", "刘洋"),
        ('"Liu, Yang" <liu.yang@corp.example>', "liu.yang@corp.example", "Liu, Yang"),
        ("liu.yang@corp.example (Liu Yang)", "liu.yang@corp.example", "Liu Yang"),
        ("Liu Yang (Sales) <liu.yang@corp.example>", "liu.yang@corp.example", "Liu Yang"),
        ("'liu.yang@corp.example' <liu.yang@corp.example>", "liu.yang@corp.example", None),
        ("liu.yang@corp.example <liu.yang@corp.example>", "liu.yang@corp.example", None),
        ("Liu\r\n Yang <liu.yang@corp.example>", "liu.yang@corp.example", "Liu Yang"),
        ("<@relay.example:liu.yang@corp.example>", "liu.yang@corp.example", None),
        ("Liu Yang <liu.yang@corp.example", "liu.yang@corp.example", "Liu Yang"),
        ("Bob Example[x] <bob@corp.example>", "bob@corp.example", "Bob Example[x]"),
    ],
)
def test_ordinary_forms_are_not_suspicious(value, address, name):
    sender = read_sender(value)
    assert sender.address == address
    assert not sender.suspicious, sender.problems
    assert sender.problems == ()
    if name is not None:
        assert sender.name == name


@pytest.mark.parametrize(
    "value", ["undisclosed-recipients:;", "<>", "Liu Yang", "", "  ", "(only a comment)", "@"]
)
def test_no_usable_address(value):
    sender = read_sender(value)
    assert sender.address is None
    assert sender.problems and sender.problems[0].startswith(NO_SENDER)


def test_no_sender_through_inspect():
    for value in ("undisclosed-recipients:;", "<>", "Liu Yang"):
        insp = inspect_bytes(make_mail("我参加", sender=value), now=INSPECT_NOW)
        assert insp.sender is None
        assert "error" not in insp.rule_hits
        assert any(p.startswith(NO_SENDER) for p in insp.problems)
    raw = b"To: meetings@corp.example\r\nSubject: x\r\n\r\nhello\r\n"
    insp = inspect_bytes(raw, now=INSPECT_NOW)
    assert insp.sender is None and any("no From header" in p for p in insp.problems)


def test_several_authors_take_the_first_and_are_suspicious():
    sender = read_sender(f"{HOST}, {OUTSIDER}")
    assert sender.address == HOST and sender.suspicious
    assert any("several addresses" in p for p in sender.problems)


@pytest.mark.parametrize("depth", [10, 1_000, 10_000])
def test_comments_nested_any_depth(depth):
    value = "(" * depth + "note" + ")" * depth + " Liu Yang <liu.yang@corp.example>"
    assert read_sender(value).address == "liu.yang@corp.example"
    raw = make_mail("我参加", sender=value)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # nothing on this path may recurse with the input
    try:
        insp = inspect_bytes(raw, now=INSPECT_NOW)
    finally:
        sys.setrecursionlimit(limit)
    assert insp.sender == "liu.yang@corp.example" and "error" not in insp.rule_hits


def test_unclosed_comment_and_quote():
    assert read_sender("Liu (unclosed <liu@corp.example>").address is None
    assert read_sender('"Liu <liu@corp.example>').address == "liu@corp.example"


def test_raw_8bit_display_name_uses_the_body_charset():
    raw = (
        "From: 刘洋 <liu.yang@corp.example>\r\nSubject: x\r\n"
        "Content-Type: text/plain; charset=gb2312\r\n\r\n参加\r\n"
    ).encode("gb18030")
    insp = inspect_bytes(raw, now=INSPECT_NOW)
    assert insp.sender == "liu.yang@corp.example" and insp.sender_name == "刘洋"


def test_long_header_of_encoded_word_openers_is_linear():
    value = "=?utf-8?q?" * 20_000 + " <liu@corp.example>"
    assert read_sender(value).address == "liu@corp.example"
