"""Charset labels that name codecs which are not character sets never raise (issue 9).

``codecs.lookup`` resolves ``base64``, ``rot13``, ``hex``, ``zlib``, ``uu``, ``quopri``,
``bz2`` (bytes-to-bytes codecs) and ``punycode``, ``idna``, ``undefined`` (text codecs that are
not charsets); as MIME charsets (RFC 2045 §5.1, RFC 2047 §2) they are unknown labels.
"""

from __future__ import annotations

import base64

import pytest

from daemon.inbound.charsets import codec_for, decode_header_value, decode_text
from daemon.inbound.inspect import inspect_bytes
from tests.mails import INSPECT_NOW

NOT_CHARSETS = [
    "base64",
    "base_64",
    "rot13",
    "rot_13",
    "hex",
    "zlib",
    "zip",
    "uu",
    "quopri",
    "quoted-printable",
    "bz2",
    "punycode",
    "idna",
    "undefined",
    "unicode_escape",
    "raw_unicode_escape",
]
SAMPLES = [b"", b"plain ascii", "会议 参加".encode(), "参加".encode("gb18030"), b"\xff\xfe\x00\x80"]


@pytest.mark.parametrize("label", NOT_CHARSETS)
def test_not_a_charset_is_no_codec(label):
    assert codec_for(label) is None
    assert codec_for(label.upper()) is None


@pytest.mark.parametrize("label", NOT_CHARSETS)
@pytest.mark.parametrize("data", SAMPLES)
def test_decode_text_never_raises_and_falls_back(label, data):
    text = decode_text(data, label)
    assert isinstance(text, str)
    assert text == decode_text(data, None)  # the label counts as no label


def test_fallback_order_utf8_then_gb18030():
    assert decode_text("会议".encode(), "rot13") == "会议"
    assert decode_text("会议".encode("gb18030"), "base64") == "会议"


@pytest.mark.parametrize("label", ["utf-8", "gb2312", "big5", "utf-16", "iso-2022-jp", "koi8-r"])
def test_real_charsets_still_decode(label):
    assert codec_for(label) is not None
    assert decode_text("abc".encode(label), label).endswith("abc")


def _b(text: str, label: str) -> str:
    return f"=?{label}?B?{base64.b64encode(text.encode()).decode()}?="


@pytest.mark.parametrize("label", NOT_CHARSETS)
def test_encoded_words_with_such_labels(label):
    assert decode_header_value(_b("孙丽", label)) == "孙丽"
    assert isinstance(decode_header_value(f"=?{label}?Q?abc=FF=E4?= x"), str)


def _mail(label: str) -> bytes:
    return (
        f"From: {_b('刘洋', label)} <liu.yang@corp.example>\r\n"
        "To: meetings@corp.example\r\n"
        f"Subject: {_b('Re: [MTG-7] 邀请', label)}\r\n"
        "Date: Mon, 07 Dec 2026 09:00:00 +0800\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\n"
        f"Content-Type: text/plain; charset={label}\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        "我参加\r\n"
        "--b\r\n"
        f"Content-Type: application/pdf; name*={label}''%E6%9D%90%E6%96%99.pdf\r\n"
        "Content-Disposition: attachment\r\n\r\n"
        "%PDF-1.4\r\n"
        "--b--\r\n"
    ).encode()


@pytest.mark.parametrize("label", NOT_CHARSETS)
def test_whole_mail_with_such_labels_is_read(label):
    insp = inspect_bytes(_mail(label), now=INSPECT_NOW)
    assert "error" not in insp.rule_hits, insp.problems
    assert insp.sender == "liu.yang@corp.example"
    assert insp.sender_name == "刘洋"
    assert insp.subject == "Re: [MTG-7] 邀请"
    assert insp.kind == "rsvp" and insp.rsvp and insp.rsvp.partstat == "ACCEPTED"
    assert [a.filename for a in insp.attachments] == ["材料.pdf"]
