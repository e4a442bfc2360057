"""The bytes of a mail, read back by the standard library's modern parser: text and HTML as
written, names and subjects in any script, attachments with their names, CRLF only, no
line over the limits, and the transfer encoding each text needs."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from daemon.outbound import mime

TEXTS = {
    "ascii": "Dear all,\nplease send your topics by Friday.\n",
    "zh short lines": "各位好：\n请于3月6日前提交议题。\nFrom 这一行开头也不变。\n",
    "zh long line": "背景：" + "仓储系统切换涉及多个部门的协同，" * 12 + "\n结果：定日期。\n",
    "en long line": "Background: " + "the warehouse cut-over touches every team, " * 8 + "\n",
    "empty": "",
}


def read(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def body(msg: EmailMessage, kind: str) -> str:
    part = msg.get_body((kind,))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_text_and_html_read_back_as_written(text: str) -> None:
    html = f"<p>{text}</p>"
    raw = mime.to_bytes(mime.alternative(text, html))
    msg = read(raw)
    assert body(msg, "plain") == text and body(msg, "html") == html
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


@pytest.mark.parametrize(
    ("text", "cte"),
    [
        (TEXTS["ascii"], "7bit"),
        (TEXTS["zh short lines"], "8bit"),
        (TEXTS["zh long line"], "base64"),
        (TEXTS["en long line"], "quoted-printable"),
    ],
)
def test_a_text_part_is_encoded_only_when_a_line_is_too_long(text: str, cte: str) -> None:
    part = read(mime.to_bytes(mime.text_part(text, "plain")))
    assert part["Content-Transfer-Encoding"] == cte
    assert part.get_content_type() == "text/plain" and part.get_content_charset() == "utf-8"


@pytest.mark.parametrize(
    ("addr", "name"),
    [
        ("wang.fang@corp.example", "王芳"),
        ("li.na@corp.example", "Li, Na (HR)"),
        ("quote@corp.example", 'Say "hi"'),
        ("bare@corp.example", None),
    ],
)
def test_names_and_subjects_in_any_script_read_back(addr: str, name: str | None) -> None:
    msg = mime.alternative("x", "<p>x</p>")
    subject = "[MTG-12] 议题征集提醒：" + "仓储系统切换协调会" * 5
    msg["Subject"] = subject
    msg["To"] = ", ".join([mime.address(addr, name), mime.address("other@corp.example", "赵六")])
    raw = mime.to_bytes(msg)
    back = read(raw)
    assert str(back["Subject"]) == subject
    first, second = back["To"].addresses
    assert (first.addr_spec, first.display_name) == (addr, name or "")
    assert (second.addr_spec, second.display_name) == ("other@corp.example", "赵六")
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and max(len(line) for line in head.split(b"\r\n")) <= 78


@pytest.mark.parametrize("filename", ["minutes.pdf", "会议纪要 v2.docx"])
def test_attachments_keep_their_name_type_and_bytes(filename: str) -> None:
    data = bytes(range(256)) * 3
    msg = mime.mixed(
        mime.alternative("见附件。\n", "<p>见附件。</p>"),
        [
            mime.attachment_part(data, "application/pdf", filename),
            mime.attachment_part(b"raw", "weird", "x.bin"),
        ],
    )
    back = read(mime.to_bytes(msg))
    assert back.get_content_type() == "multipart/mixed" and back["MIME-Version"] == "1.0"
    assert body(back, "plain") == "见附件。\n"
    first, second = back.iter_attachments()
    assert (first.get_filename(), first.get_content_type()) == (filename, "application/pdf")
    assert first.get_content() == data
    assert second.get_content_type() == "application/octet-stream"
    assert [p for p in back.walk() if p is not back and "MIME-Version" in p] == []


def test_without_attachments_the_alternative_is_the_message() -> None:
    alt = mime.alternative("a", "<p>a</p>")
    assert mime.mixed(alt, []) is alt
    assert read(mime.to_bytes(alt)).get_content_type() == "multipart/alternative"


INJECTIONS = [
    "周会\r\nBcc: leak@evil.example",
    "weekly sync\nX-Meetingd-Kind: minutes",
    "title \r\n\r\nbody in the headers",
    "tab\t\r\n\tfolded",
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_a_line_break_in_a_header_value_never_starts_another_header(value: str) -> None:
    msg = mime.mixed(
        mime.alternative("x", "<p>x</p>"), [mime.attachment_part(b"a", "text/plain", value)]
    )
    mime.set_header(msg, "Subject", value)
    msg["To"] = mime.address("a@corp.example", value)
    back = read(mime.to_bytes(msg))
    names = [name.lower() for name in back]
    assert names.count("subject") == 1 and "bcc" not in names
    assert names.count("x-meetingd-kind") == 0 and back.get_content_type() == "multipart/mixed"
    flat = " ".join(value.split())
    assert " ".join(str(back["Subject"]).split()) == flat
    assert " ".join(back["To"].addresses[0].display_name.split()) == flat
    (attachment,) = back.iter_attachments()
    assert " ".join(str(attachment.get_filename()).split()) == flat
