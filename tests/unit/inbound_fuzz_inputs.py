"""Inputs for fuzzing the inbound reader, shared by the CI fuzz test and ``bench/fuzz_reader.py``.

Seeds are the project's own mails: the demo's (``daemon/demo/mails/*.eml``) and the builders
of :mod:`tests.mails`. Generators build the fault classes of issue 9 from a ``random.Random``
(deep multipart and message/rfc822 nesting, charset labels that are not charsets, broken
calendar properties, forged or odd From headers, absurd lengths and dates, loop mail); each
returns ``(raw, sender)``: the bytes and the address the From header readably names (``None``
when it names none). :func:`mutate` damages a seed at random.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from pathlib import Path

from tests.mails import REQUEST_ZH, mail

REPO = Path(__file__).resolve().parents[2]
SENDER = "liu.yang@corp.example"

NOT_CHARSETS = (
    "base64",
    "rot13",
    "rot_13",
    "hex",
    "zlib",
    "uu",
    "quopri",
    "punycode",
    "idna",
    "undefined",
    "bz2",
    "unicode_escape",
    "utf-16",
    "utf-32-be",
    "x-unknown",
    "",
)
BROKEN_PROPS = (
    "DTSTART:garbage",
    "DTSTART;TZID=Asia/Shanghai:2026XX01T140000",
    "DTSTART:99999999T999999",
    "DTSTART:99991231T235959Z",
    "DTEND;VALUE=DATE:20261301",
    "DTEND;TZID=China Standard Time:20261209T996100",
    "RRULE:FREQ=SOMETIMES;COUNT=x",
    "DURATION:Pxyz",
    "SEQUENCE:abc",
    "ATTENDEE;PARTSTAT=ACCEPTED;DELEGATED-TO=:mailto:",
)
ABSURD = (
    "99999999小时",
    "-5 minutes",
    "0分钟",
    "9" * 400 + " hours",
    "99999年12月8日 14:00",
    "0001-01-01 10:00",
    "12/14/9999",
    "九九九九年十二月八日",
    "9" * 5000 + "天后",
)
LOOP_HEADERS = (
    "Precedence: junk",
    "Precedence: list",
    "Precedence: bulk",
    "Return-Path: <>",
    "X-Auto-Response-Suppress: All",
    "X-Auto-Response-Suppress: OOF, AutoReply",
    "Auto-Submitted: auto-replied",
)
LOOP_SUBJECTS = (
    "[自动回复] Re: [MTG-3] 邀请",
    "休假自动回复：[MTG-3]",
    "自动答复: [MTG-3]",
    "Auto: [MTG-3] invitation",
    "Automatische Antwort: [MTG-3]",
    "Resposta automática: [MTG-3]",
    "自動応答: [MTG-3]",
    "Réponse automatique : [MTG-3]",
    "Out of Office: [MTG-3]",
    "Delivery Status Notification (Delay)",
    "Warning: message 1AbC-000 delayed 24 hours",
    "延迟投递：[MTG-3] 邀请",
)
HEADER_LINES = (
    b"Content-Type: multipart/mixed; boundary=x",
    b"Content-Type: multipart/digest; boundary=x",
    b"Content-Type: message/rfc822",
    b"Content-Type: message/delivery-status",
    b"Content-Type: text/calendar; method=COUNTER",
    b"Content-Type: text/plain; charset=rot13",
    b"Content-Type: text/plain; charset*=idna''x",
    b"Content-Disposition: attachment; filename*=base64''%E6%9D%90",
    b"Content-Transfer-Encoding: base64",
    b"Content-Transfer-Encoding: quoted-printable",
    b"Subject: =?hex?B?ztI=?=",
    b"From: =?utf-8?b?5a2Z5Li9IDxzdW4ubGlAY29ycC5leGFtcGxlPg==?= <m@outside.example>",
    b"From: " + b"(" * 3000 + b"x" + b")" * 3000 + b" a@b.example",
    b"Date: Fri, 31 Dec 9999 23:59:59 -1200",
    b"--x",
    b"BEGIN:VCALENDAR",
    b"METHOD:COUNTER",
    b"BEGIN:VEVENT",
    b"DTSTART:garbage",
    b"END:VEVENT",
    b"END:VCALENDAR",
)


def _head(subject: str, sender: str = f"Liu Yang <{SENDER}>", extra: str = "") -> bytes:
    return (
        f"From: {sender}\r\nTo: meetings@corp.example\r\nSubject: {subject}\r\n"
        f"Date: Mon, 14 Sep 2026 09:00:00 +0800\r\nMessage-ID: <fuzz@client.example>\r\n"
        f"MIME-Version: 1.0\r\n{extra}"
    ).encode()


def demo_mails() -> list[bytes]:
    """The demo's own mails (``daemon/demo/mails/*.eml``)."""
    return [p.read_bytes() for p in sorted((REPO / "daemon" / "demo" / "mails").glob("*.eml"))]


def builder_mails() -> list[bytes]:
    """One mail of each kind built with :func:`tests.mails.mail`."""
    who = f"Liu Yang <{SENDER}>"
    minutes = (
        "会议纪要\n决议：\n1. 12月20日切换\n"
        "行动项：\n1. 准备回退方案 负责人：刘洋 完成时间：12月18日\n"
    )
    return [
        mail(who, "会议需求申请：仓储系统切换协调会", REQUEST_ZH),
        mail(who, "Re: [MTG-3] 邀请", "参加"),
        mail(who, "Re: [MTG-3] invitation", "Declined. I am travelling.\n\n> quoted"),
        mail(who, "Re: [MTG-3] 议题征集", "议题：切换日期\n背景：旧系统停用\n痛点：数据不一致\n"),
        mail(who, "[MTG-3] 会议纪要", minutes),
        mail(who, "Re: [MTG-3/A-1] 行动项", "延期到12月30日"),
        mail(who, "自动回复: [MTG-3]", "我正在休假", Auto_Submitted="auto-replied"),
        mail("MAILER-DAEMON@corp.example", "Undelivered Mail Returned to Sender", "550 no user"),
    ]


def seeds() -> list[bytes]:
    """Every seed of the project's own: demo mails and builder mails."""
    return demo_mails() + builder_mails()


def _leaf(text: str = "参加") -> bytes:
    return b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text.encode() + b"\r\n"


def nested(rng: random.Random) -> tuple[bytes, str | None]:
    """Multipart, message/rfc822 or digest nesting 1 to 5,000 levels deep, mixed."""
    depth = rng.choice([1, 5, 19, 20, 21, 50, 1000, rng.randint(1, 5000)])
    body = _leaf()
    for i in range(depth):
        kind = rng.choice(("multi", "multi", "message", "digest"))
        if kind == "message":
            body = b"Content-Type: message/rfc822\r\n\r\n" + _head("inner") + body
        else:
            sub = b"digest" if kind == "digest" else b"mixed"
            gap = b"\r\n" if kind == "digest" else b""
            body = (
                b"Content-Type: multipart/"
                + sub
                + b"; boundary=n%d\r\n\r\n--n%d\r\n" % (i, i)
                + gap
                + body
                + b"\r\n--n%d--\r\n" % i
            )
    return _head("Re: [MTG-3] 邀请") + body, SENDER


def _b(text: str, label: str) -> str:
    return f"=?{label}?B?{base64.b64encode(text.encode()).decode()}?="


def codecs_mail(rng: random.Random) -> tuple[bytes, str | None]:
    """Charset labels that are no charsets, in the body, encoded words and RFC 2231."""
    label = rng.choice(NOT_CHARSETS) or "x"
    body = rng.choice(["我参加", "参加 ok", "Je participerai, à bientôt"])
    payload = body.encode(rng.choice(["utf-8", "gb18030", "latin-1"]), "replace")
    raw = _head(
        _b("Re: [MTG-3] 邀请", label),
        sender=f"{_b('刘洋', label)} <{SENDER}>",
        extra="Content-Type: multipart/mixed; boundary=c\r\n",
    )
    raw += (
        b"\r\n--c\r\nContent-Type: text/plain; charset="
        + label.encode()
        + b"\r\n\r\n"
        + payload
        + b"\r\n--c\r\nContent-Type: application/pdf; name*="
        + label.encode()
        + b"''%E6%9D%90%E6%96%99.pdf\r\n\r\n%PDF\r\n--c--\r\n"
    )
    return raw, SENDER


def broken_calendar(rng: random.Random) -> tuple[bytes, str | None]:
    """A REPLY or COUNTER with one to three unreadable properties."""
    method = rng.choice(("REPLY", "COUNTER"))
    props = "\r\n".join(rng.sample(BROKEN_PROPS, rng.randint(1, 3)))
    ics = (
        f"BEGIN:VCALENDAR\r\nMETHOD:{method}\r\nBEGIN:VEVENT\r\nUID:mtg-3@corp.example\r\n"
        f"{props}\r\nATTENDEE;PARTSTAT=TENTATIVE:mailto:{SENDER}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    extra = f"Content-Type: text/calendar; method={method}; charset=utf-8\r\n"
    return _head("Re: [MTG-3] 邀请", extra=extra) + b"\r\n" + ics, SENDER


def from_forms(rng: random.Random) -> tuple[bytes, str | None]:
    """From headers: forged display names, comments nested deep, groups, no address."""
    host, real = "sun.li@corp.example", "m@outside.example"
    forms: list[tuple[str, str | None]] = [
        (f"{_b(f'孙丽 <{host}>', 'utf-8')} <{real}>", real),
        (f'"Sun Li <{host}>" <{real}>', real),
        (f"Sun Li {host} <{real}>", real),
        # k > 3: the comment never closes and swallows the address; k <= 3: it closes (or
        # over-closes) before the address, which is then read
        (
            "(" * (k := rng.randint(1, 10_000)) + "x" + ")" * 3 + f" <{real}>",
            real if k <= 3 else None,
        ),
        ("(" * (n := rng.randint(1, 10_000)) + "x" + ")" * n + f" <{real}>", real),
        ("undisclosed-recipients:;", None),
        ("<>", None),
        ("Liu Yang", None),
        (_b(host, "utf-8"), None),
        ("=?utf-8?q?" * rng.randint(1, 3000) + f" <{real}>", real),
    ]
    value, sender = rng.choice(forms)
    return _head("Re: [MTG-3] 邀请", sender=value) + _leaf("同意"), sender


def absurd_values(rng: random.Random) -> tuple[bytes, str | None]:
    """Meeting requests, action updates and commands with absurd lengths and dates."""
    value = rng.choice(ABSURD)
    pick = rng.randrange(3)
    who = f"Liu Yang <{SENDER}>"
    if pick == 0:
        body = REQUEST_ZH.replace("2026年10月9日 14:00-16:00", value) + f"时长：{value}\n"
        return mail(who, "会议需求申请：仓储系统切换协调会", body), SENDER
    if pick == 1:
        return mail(who, "Re: [MTG-3/A-1] 行动项", f"延期到{value}"), SENDER
    return mail(who, "Re: [MTG-3] 会议安排", f"改期到{value}"), SENDER


def loop_mail(rng: random.Random) -> tuple[bytes, str | None]:
    """Automatic mail: loop headers and auto-reply or delay subjects."""
    picked = rng.sample(LOOP_HEADERS, rng.randint(0, 2))
    headers = {h.split(":")[0].replace("-", "_"): h.split(":", 1)[1].strip() for h in picked}
    subject = rng.choice(LOOP_SUBJECTS) if not headers or rng.random() < 0.5 else "Re: [MTG-3] x"
    return mail(f"Liu Yang <{SENDER}>", subject, "我参加", **headers), SENDER


GENERATORS: tuple[Callable[[random.Random], tuple[bytes, str | None]], ...] = (
    nested,
    codecs_mail,
    broken_calendar,
    from_forms,
    absurd_values,
    loop_mail,
)


def mutate(seed: bytes, rng: random.Random) -> bytes:
    """``seed`` damaged: bytes overwritten, header lines spliced in, cut short."""
    data = bytearray(seed)
    for _ in range(rng.randint(0, 6)):
        pos = rng.randrange(max(len(data), 1))
        what = rng.randrange(4)
        if what == 0:
            data[pos : pos + 4] = rng.randbytes(rng.randint(0, 8))
        elif what == 1:
            data[pos:pos] = b"\r\n" + rng.choice(HEADER_LINES) + b"\r\n"
        elif what == 2:
            start = rng.randrange(max(len(data), 1))
            data[pos:pos] = data[start : start + rng.randint(1, 200)]
        else:
            label = rng.choice(NOT_CHARSETS).encode()
            data = bytearray(bytes(data).replace(b"charset=", b"charset=" + label + b";x=", 1))
    cut = rng.randint(len(data) // 2, len(data)) if data and rng.random() < 0.3 else len(data)
    return bytes(data[:cut])
