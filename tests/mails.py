"""Mails as a person would write them, shared by the system tests and the benchmarks, and
:func:`read_mail` / :func:`body_text` to read the mails the daemon writes."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import json
from email.message import EmailMessage

DAEMON = "meetings@corp.example"

REQUEST_ZH = """会议需求申请
会议主题：仓储系统切换协调会
需解决的核心问题：新旧仓储系统切换期间出入库数据不一致。
预期成果：确定切换日期、回退方案及各环节责任人。
期望时间：2026年10月9日 14:00-16:00
地点：2楼会议室
主持人：钱峰 qian.feng@corp.example
记录人：吴倩 wu.qian@corp.example
参会人员：冯涛 feng.tao@corp.example；卫东 wei.dong@corp.example
"""


def mail(
    sender: str, subject: str, body: str, *, message_id: str | None = None, **headers: str
) -> bytes:
    """A plain-text mail to the daemon, dated Mon 14 Sep 2026 09:00 +0800.

    ``headers`` are added as given, ``_`` written as ``-`` (``In_Reply_To=...``); the
    Message-ID defaults to one derived from sender, subject and body (:func:`default_message_id`).
    """
    m = EmailMessage()
    m["From"] = sender
    m["To"] = DAEMON
    m["Subject"] = subject
    m["Date"] = "Mon, 14 Sep 2026 09:00:00 +0800"
    m["Message-ID"] = message_id or default_message_id(sender, subject, body)
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content(body)
    return m.as_bytes()


def default_message_id(sender: str, subject: str, body: str) -> str:
    """A Message-ID that depends only on ``sender``, ``subject`` and ``body``.

    A SHA-256 digest, not ``hash()``: the same mail gets the same Message-ID in every run,
    whatever ``PYTHONHASHSEED`` is.
    """
    digest = hashlib.sha256(json.dumps([sender, subject, body]).encode("utf-8")).hexdigest()
    return f"<{digest[:24]}@client.example>"


def read_mail(raw: bytes) -> EmailMessage:
    """``raw`` parsed with the default policy (an :class:`EmailMessage`, not a ``Message``)."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def body_text(msg: EmailMessage, subtype: str = "plain") -> str:
    """The ``text/<subtype>`` body of ``msg`` (``get_body``); fails the test when it has none."""
    part = msg.get_body((subtype,))
    assert part is not None, f"no text/{subtype} body"
    content = part.get_content()
    assert isinstance(content, str)
    return content


#: The reference instant the tests give the reader for mails without a Date (aware, UTC).
INSPECT_NOW = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
