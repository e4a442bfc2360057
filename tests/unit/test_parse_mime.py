"""MIME decoding: charsets, encoded words, filenames, broken encodings, HTML, calendars."""

from __future__ import annotations

import base64

from daemon.inbound.charsets import decode_header_value, decode_text
from daemon.inbound.htmltext import html_to_text
from daemon.inbound.inspect import inspect_bytes
from daemon.inbound.mime import parse_mail
from tests.mails import INSPECT_NOW
from tests.unit.inbound_helpers import make_mail


def test_gbk_text_under_gb2312_label_decodes():
    # 镕 and 喆 are GBK-only characters (not in GB2312): clients still label them gb2312.
    raw = make_mail("朱镕基和陶喆参加", charset="gbk").replace(b'"gbk"', b'"gb2312"')
    assert "朱镕基和陶喆参加" in parse_mail(raw).text


def test_big5_and_gb18030_bodies():
    assert "無法參加" in parse_mail(make_mail("無法參加會議", charset="big5")).text
    assert "参加𠀀" in parse_mail(make_mail("参加𠀀", charset="gb18030")).text


def test_utf8_bytes_mislabelled_as_gb2312_are_read_as_utf8():
    body = "会议纪要已发出".encode()
    raw = (
        b"From: a@example.org\nSubject: x\nContent-Type: text/plain; charset=GB2312\n"
        b"Content-Transfer-Encoding: 8bit\n\n" + body
    )
    assert "会议纪要已发出" in parse_mail(raw).text


def test_encoded_words_with_unknown_charset_and_raw_8bit():
    assert decode_header_value("=?x-unknown?B?VEVTVA==?=") in ("TEST", "=?x-unknown?B?VEVTVA==?=")
    assert decode_header_value("=?gb2312?B?suLK1A==?= ok") == "测试 ok"
    raw8 = "測試".encode("big5").decode("ascii", "surrogateescape")
    assert decode_header_value(raw8, "big5") == "測試"
    assert decode_header_value("=?utf-8?q?a?= \t=?utf-8?q?b?=") == "ab"


def test_raw_8bit_subject_uses_the_body_charset():
    raw = (
        b"From: a@example.org\nSubject: " + "會議通知".encode("big5") + b"\n"
        b"Content-Type: text/html; charset=big5\nContent-Transfer-Encoding:\n\n<p>x</p>"
    )
    assert parse_mail(raw).subject == "會議通知"


def test_rfc2231_and_rfc2047_attachment_names():
    raw = (
        b'From: a@example.org\nSubject: s\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nhi\n"
        b"--b\nContent-Type: application/pdf\nContent-Disposition: attachment;\n"
        b" filename*=gb2312''%B2%E2%CA%D4.pdf\nContent-Transfer-Encoding: base64\n\nJVBERg==\n"
        b"--b\nContent-Type: application/octet-stream; name==?utf-8?B?5oql5ZGKLmRvY3g=?=\n"
        b"Content-Disposition: attachment; filename==?utf-8?B?5oql5ZGKLmRvY3g=?=\n\nxx\n--b--\n"
    )
    names = [a.filename for a in parse_mail(raw).attachments]
    assert names == ["测试.pdf", "报告.docx"]


def test_broken_base64_and_empty_transfer_encoding_do_not_crash():
    raw = (
        b"From: a@example.org\nSubject: s\nContent-Type: text/plain; charset=utf-8\n"
        b"Content-Transfer-Encoding: base64\n\n5Y+C5Yqg!!!###\n"
    )
    parse_mail(raw)
    raw2 = raw.replace(b"base64", b"")
    assert "5Y+C" in parse_mail(raw2).text


def test_html_table_rows_stay_one_line_each_and_blockquote_is_quoted():
    html = (
        "<div>Hello</div><table><tr><td><b>Owner</b></td><td></td><td>Due</td></tr>"
        "<tr><td>A<br>B</td><td>x</td><td>1/2</td></tr></table>"
        "<blockquote><div>quoted</div></blockquote><script>bad()</script>"
    )
    lines = html_to_text(html).split("\n")
    assert "Owner |  | Due" in lines and "A B | x | 1/2" in lines
    assert "> quoted" in lines and not any("bad()" in ln for ln in lines)


def test_calendar_found_deep_in_mime_tree_but_not_inside_attached_message():
    cal = (
        b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:u1\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    b64 = base64.b64encode(cal)
    raw = (
        b'From: a@example.org\nSubject: s\nContent-Type: multipart/mixed; boundary="o"\n\n'
        b'--o\nContent-Type: multipart/related; boundary="i"\n\n'
        b"--i\nContent-Type: application/ics; name=x.ics\nContent-Transfer-Encoding: base64\n\n"
        + b64
        + b"\n--i--\n--o\nContent-Type: message/rfc822\n\n"
        b"From: b@example.org\nSubject: inner\nContent-Type: text/calendar\n\n"
        + cal.replace(b"u1", b"u2")
        + b"\n--o--\n"
    )
    mail = parse_mail(raw)
    assert len(mail.calendars) == 1 and b"u1" in mail.calendars[0]
    assert mail.returned_subjects == ["inner"]


def test_bare_ics_mbox_and_headerless_text():
    vevent = b"\xef\xbb\xbfBEGIN:VEVENT\r\nUID:solo\r\nSUMMARY:x\r\nEND:VEVENT\r\n"
    assert inspect_bytes(vevent, now=INSPECT_NOW).uid == "solo"
    mbox = (
        b"From x@y Sat Jan  1 00:00:00 2000\nFrom: one@example.org\nSubject: first\n\nbody1\n"
        b"\nFrom x@y Sat Jan  1 00:00:01 2000\nFrom: two@example.org\nSubject: second\n\nb2\n"
    )
    insp = inspect_bytes(mbox, now=INSPECT_NOW)
    assert insp.sender == "one@example.org" and insp.problems
    assert "hello there" in parse_mail(b"hello there\nno headers here\n").text


def test_unreadable_tnef_is_reported_not_raised():
    raw = (
        b'From: a@example.org\nSubject: s\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: application/ms-tnef; name=winmail.dat\n"
        b"Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--b--\n"
    )
    insp = inspect_bytes(raw, now=INSPECT_NOW)
    assert any("TNEF" in p for p in insp.problems)


def test_decode_text_never_raises():
    assert decode_text(b"\xff\xfe\x00", "no-such-charset")
    assert decode_text("你好".encode("utf-16"), "utf-16") == "你好"
