"""When the daemon may answer a sender at all (RFC 3834 §2, and our own loop guard).

Pure: the service counts what it sent and passes the count in. A notice that tells a sender
what went wrong (``not_understood``, ``change_refused``) is the only mail that answers
whatever arrives, so it is the one a mail loop could feed: it never goes to ourselves, to
automatic mail, to an answer to one of these notices, or more than
:data:`NOTICES_PER_DAY` times a day to one address.
"""

from __future__ import annotations

from typing import Any

from daemon.domain.effects import Outgoing
from daemon.domain.model import Question

NO_REPLY_KINDS = frozenset({"auto_reply", "bounce"})  # inbound kinds never answered
NOTICE_KINDS = ("not_understood", "change_refused")  # outbound kinds the guard limits
NOTICES_PER_DAY = 3  # notices to one sender in 24 hours, at most
# Quarantine reasons whose sender is never told: there is nobody to tell, or the From may be
# forged and a notice would go to someone who never wrote (backscatter).
SILENT_REASONS = frozenset({"no_sender", "unverified_sender"})


def notice_blocked(
    *,
    sender: str | None,
    daemon_address: str,
    auto_submitted: bool,
    replying_to: str | None,
    sent_last_day: int,
) -> str | None:
    """Why no notice may go to ``sender``, or None when one may.

    Args:
        sender: the lower-case From address (None or empty: nobody to answer).
        daemon_address: our own mailbox.
        auto_submitted: the mail is automatic (Auto-Submitted other than ``no``, an
            auto-reply, a bounce, a list or bulk mail).
        replying_to: ``X-Meetingd-Kind`` of our mail it answers, if any.
        sent_last_day: notices queued to ``sender`` in the last 24 hours.

    Returns:
        A reason for the log, e.g. ``"it answers our own notice (loop guard)"``.
    """
    if not sender:
        return "no sender address"
    if sender == daemon_address:
        return "our own mail"
    if auto_submitted:
        return "automatic mail (RFC 3834)"
    if replying_to in NOTICE_KINDS:
        return "it answers our own notice (loop guard)"
    if sent_last_day >= NOTICES_PER_DAY:
        return f"{NOTICES_PER_DAY} notices to this sender in 24 h already (loop guard)"
    return None


def not_understood(
    key: str,
    sender: str,
    message_id: str | None,
    subject: str,
    problems: list[str],
    question: Question | None = None,
) -> Outgoing:
    """The notice telling ``sender`` what could not be understood of their mail; with
    ``question`` (the open question the mail failed to answer) it asks that question again
    and carries it, so a reply to the notice is read as the answer."""
    extra: dict[str, Any] = {"problems": problems, "subject": subject}
    if question is not None:
        extra["question"] = {
            "kind": question.kind,
            "about": question.about,
            "wanted": list(question.wanted),
        }
    return Outgoing(
        "not_understood",
        [sender],
        key=key,
        in_reply_to=message_id,
        extra=extra,
        question_id=question.id if question is not None else None,
    )


def answers(out: Outgoing, message_id: str | None, sender: str) -> bool:
    """True when ``out`` answers the mail ``message_id`` of ``sender`` (it is in reply to
    it; without a Message-ID: it goes to the sender alone)."""
    return out.in_reply_to == message_id if message_id else out.to == [sender]


def reply_blocked(
    out: Outgoing,
    *,
    sender: str,
    message_id: str | None,
    auto_submitted: bool,
    replying_to: str | None,
    daemon_address: str,
    notices_last_day: int,
) -> str | None:
    """Why ``out`` may not go, caused by the mail ``message_id`` of ``sender``; None when
    it may. Nothing answers automatic mail (RFC 3834 §2: a list post, a mail asking for no
    automatic answer); a notice also passes :func:`notice_blocked`. Mails to other people
    (an invite to a proxy) always go."""
    if auto_submitted and answers(out, message_id, sender):
        return "automatic mail (RFC 3834)"
    if out.kind in NOTICE_KINDS:
        return notice_blocked(
            sender=sender,
            daemon_address=daemon_address,
            auto_submitted=auto_submitted,
            replying_to=replying_to,
            sent_last_day=notices_last_day,
        )
    return None
