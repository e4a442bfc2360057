"""Edges of the outgoing mail's bytes and of the Maildir look-up: every line boundary in a
header value, non-ASCII addresses, unfoldable long subjects, base64 text in canonical form,
and inbox mail delivered into ``new/`` with flags."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import mailbox
from email.message import EmailMessage
from pathlib import Path

from daemon.domain.effects import Outgoing
from daemon.outbound import compose, mime
from daemon.transports.maildir import create
from tests.unit.outbound_samples import SAMPLES, TECH, context, meeting_file


def read(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


# --------------------------------------------------------------------------------------
# Every line boundary the writer splits header values on (str.splitlines: also \v \f
# \x1c \x1d \x1e) is made a space: none ends the header block.


def test_a_form_feed_in_a_display_name_does_not_end_the_header_block() -> None:
    msg = mime.alternative("x", "<p>x</p>")
    msg["To"] = mime.address("li.na@corp.example", "Li Na\x0cHR")
    mime.set_header(msg, "Subject", "weekly sync")
    mime.set_header(msg, "Message-ID", "<m.1.abc@corp.example>")
    back = read(mime.to_bytes(msg))
    assert back.defects == []
    assert back["To"].addresses[0].addr_spec == "li.na@corp.example"
    assert back["Subject"] == "weekly sync"
    assert back["Message-ID"] == "<m.1.abc@corp.example>"


def test_a_vertical_tab_in_a_material_filename_keeps_the_attachment_intact() -> None:
    # A participant's attachment named with RFC 2231 (filename*=utf-8''risk%0Bplan.pdf) is
    # stored with that name and distributed to every attendee in the ``materials`` mail.
    data = b"%PDF-1.4 the real document"
    to, extra, _k, _cal = SAMPLES["materials"]
    out = Outgoing("materials", to, key="k", extra=extra, attachments=["ab" * 32])
    ctx = dataclasses.replace(
        context(), load_material=lambda _d: ("risk\x0bplan.pdf", "application/pdf", data)
    )
    back = read(compose.compose_bytes(out, meeting_file(), ctx).raw)
    (attachment,) = back.iter_attachments()
    assert attachment.defects == []
    assert attachment.get_content() == data


def test_a_name_with_a_line_separator_and_a_header_is_not_a_compose_crash() -> None:
    msg = mime.alternative("x", "<p>x</p>")
    msg["To"] = mime.address("li.na@corp.example", "Li Na\x1cBcc: leak@evil.example")
    raw = mime.to_bytes(msg)  # no HeaderParseError: the "Bcc:" stays inside the name
    back = read(raw)
    assert "bcc" not in [n.lower() for n in back]


# --------------------------------------------------------------------------------------
# Non-ASCII addresses: written in UTF-8 (RFC 6532), never refused.


def test_a_recipient_with_a_non_ascii_address_can_still_be_composed() -> None:
    # The request form, the directory and the sender reader accept such addresses.
    out = Outgoing("request_received", ["卫东@corp.example"], key="k")
    raw = compose.compose_bytes(out, meeting_file(), context()).raw
    assert read(raw)["X-Meetingd-Kind"] == "request_received"


# --------------------------------------------------------------------------------------
# A subject with a word too long to fold at white space still keeps every line within
# RFC 5322's hard limit of 998 octets.


def test_a_long_unbroken_ascii_title_keeps_every_header_line_within_998_octets() -> None:
    file = meeting_file()
    file.meeting.title = "Q4-" + "x" * 1100
    raw = compose.compose_bytes(
        Outgoing("request_received", [TECH], key="k"), file, context("en")
    ).raw
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 998
    assert str(read(raw)["Subject"]).endswith(file.meeting.title)


# --------------------------------------------------------------------------------------
# base64 text parts hold the text in canonical CRLF form (RFC 2045 §6.8).


def test_a_base64_text_part_holds_its_text_in_canonical_crlf_form() -> None:
    text = "背景：" + "仓储系统切换涉及多个部门的协同，" * 12 + "\n结果：定日期。\n"
    part = read(mime.to_bytes(mime.text_part(text, "plain")))
    assert part["Content-Transfer-Encoding"] == "base64"
    decoded = part.get_payload(decode=True)
    assert isinstance(decoded, bytes)
    assert decoded.count(b"\n") == decoded.count(b"\r\n") == 2


# --------------------------------------------------------------------------------------
# Maildir: inbox mail delivered into new/ with flags (offlineimap writes ``…:2,`` there, as
# Python's mailbox does for a MaildirMessage with flags) is found and acked.


def test_an_inbox_message_in_new_with_an_info_suffix_is_acked(tmp_path: Path) -> None:
    var = tmp_path / "var"
    md = create({}, var)
    key = "1789000000.M1P1.host"
    (var / "inbox" / "new" / f"{key}:2,F").write_bytes(
        b"From: a@example.com\nSubject: s\nMessage-ID: <in1@x>\n\nbody\n"
    )
    (fetched,) = md.fetch()
    assert fetched.source_key == key
    md.ack(key)
    assert md.fetch() == []  # moved: not fetched again on every pass
    assert list(mailbox.Maildir(var / "processed").iterkeys()) == [key]
