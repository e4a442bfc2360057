"""Problems and reasons as codes, never as sentences of one language (pure).

Whatever the reader, the goal check or the rules find wrong with a mail is a
:class:`Problem`: a stable ``code`` plus ``params`` (strings, numbers or nested problems).
The mail templates turn it into the recipient's language with the tables in
``mail_templates/<lang>/messages.toml`` (``[problems]``, one sentence per code; see
``mail_templates/README.md``), so a zh mail never quotes an English sentence and an en mail
never a Chinese one.

A :class:`Problem` is also a ``str``: its value is the operator's sentence (English, as in
the log, ``meetingd inspect`` and the quarantine reason), made from :data:`OPERATOR`. That
keeps every place that joins, logs or prints problems unchanged. Mails never show it.

Use :func:`problem` to make one: ``problem("date_out_of_range", written="99999年1月5日")``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: code → the operator's sentence (``str.format`` with the problem's params). A code whose
#: operator text is the code itself (the quarantine reasons the rules set) maps to None.
OPERATOR: dict[str, str | None] = {
    # --- why a message was set aside (quarantine reasons; the sender is told)
    "suspicious_sender": None,
    "unverified_sender": None,
    "no_sender": None,
    "no_meeting": None,
    "not_understood": None,
    "approval_unclear": None,
    "action_ref": None,
    "processing_failed": None,
    "unknown_meeting": None,
    "meeting_cancelled": None,
    "meeting_rejected": None,
    "not_a_participant": None,
    "agenda_change": None,
    "answer_unclear": None,
    "proxy_unknown": None,
    "owner_unknown": None,
    "agenda_unclear": None,
    "command_refused": "command_refused: {reason}",
    # --- why a command of the host does not fit the meeting (CommandRefused)
    "not_awaiting_approval": "{ref} is {status}, not awaiting approval",
    "cannot_move": "{ref} is {status}; only a scheduled meeting can be moved",
    "reschedule_needs_start": "a reschedule needs a new start",
    "new_start_passed": "the new start {start:%Y-%m-%d %H:%M} has already passed",
    "already_status": "{ref} is already {status}",
    "no_late_topic": "{ref} has no late topic waiting for a decision",
    "time_passed": "{ref}'s time has already passed; give it a new time first",
    "no_action_item": "{ref} has no action item A-{k}",
    "owner_not_found": (
        "{written!r} matches nobody in the directory (or several people); give an address"
    ),
    "agenda_not_scheduled": "{ref} is {status}; only a scheduled meeting's agenda can change",
    "agenda_no_change": "no agenda change given",
    "agenda_no_topic": "the agenda has no topic {n} (it has 1 to {count})",
    "agenda_bad_length": "{minutes} minutes is not a topic length (1 to 240)",
    # --- what the reader found (inbound)
    "internal_error": "the message could not be parsed ({error})",
    "file_unreadable": "the file could not be read: {error}",
    "mbox_many": "this file is an mbox of {count} messages; only the first was inspected",
    "nested_too_deep": (
        "{count} part(s) are nested more than {depth} levels deep; they were kept as "
        "attachments without being read: send the content at the top of the mail"
    ),
    "tnef_unreadable": "winmail.dat (TNEF) could not be read: {error}",
    "no_sender_from": (
        "the mail has no sender address (From: {written!r}); nobody can be answered or "
        "credited for it: ask the sender to write from their own mailbox"
    ),
    "no_sender_header": (
        "the mail has no sender address (there is no From header); nobody can be answered "
        "or credited for it: ask the sender to write from their own mailbox"
    ),
    "display_name_other": (
        "the sender's display name shows {shown}, but the mail comes from {address}; it is "
        "not taken as mail from {shown}: check with that person before acting on it"
    ),
    "display_name_no_address": (
        "the sender's display name shows {shown}, but the mail comes from no address at all; "
        "it is not taken as mail from {shown}: check with that person before acting on it"
    ),
    "from_many": (
        "the From header names several addresses ({addresses}); only {address} was taken "
        "as the sender and nothing it asks for is applied"
    ),
    "date_header_unreadable": "the Date header {written!r} could not be read",
    "date_header_implausible": (
        "the Date header {written!r} is not a plausible date; the time the mail was read "
        "is used instead"
    ),
    "no_date_header": "the message has no readable Date header",
    "only_quoted": (
        "the message holds only quoted or signature text; nothing the sender wrote was found"
    ),
    "calendar_not_reply": (
        "the calendar object is a {method}, not a reply to one of our invitations; "
        "nothing to record"
    ),
    "calendar_unreadable": "an attached calendar object could not be read ({error})",
    "calendar_several": (
        "{count} different calendar objects were found; the first ({method}) was described "
        "and none was read as an answer"
    ),
    "calendar_answer_unreadable": "the {method}'s answer could not be read ({error})",
    "calendar_property_unreadable": (
        "the calendar object's {name} could not be read ({error}); the answer was read without it"
    ),
    "calendar_no_attendee": "the {method} names no ATTENDEE, so nobody's answer can be recorded",
    "calendar_partstat": "the reply's PARTSTAT {partstat} is not an answer",
    "counter_no_zone": "the counter-proposal's new start time has no usable time zone",
    "counter_not_datetime": (
        "the counter-proposal's {name} {written!r} is not a date and time; ask the sender to "
        "propose the new time again"
    ),
    "counter_out_of_range": (
        "the counter-proposal's {name} {written} is not a usable date (years {first}-{last}); "
        "ask the sender to propose the new time again"
    ),
    "date_out_of_range": (
        "the date {written} is not a usable date (years {first}-{last}): please write the real date"
    ),
    "duration_too_long": "the duration {written} is not a meeting length (at most {hours} hours)",
    "duration_too_short": "the duration {written} is not a meeting length (at least 1 minute)",
    "action_no_status": (
        "this reply is about an action item but no status was recognised; reply with "
        "已完成/done, 进行中/in progress, 延期到<日期>/delayed to <date>, or 受阻/blocked"
    ),
    "delay_date_unusable": (
        "the new date {written} is not a usable date: reply with the date the action will be "
        "done, e.g. 延期到12月18日 / delayed to Dec 18"
    ),
    "minutes_due_unusable": (
        "the due date {written} of the action item {what!r} is not a usable date: please send "
        "the minutes again with the real date"
    ),
    "topic_free_text": (
        "the topic was written as free text; please resend it with 议题/背景/痛点/期望成果 "
        "(Topic/Background/Pain point/Expected outcome) lines so nothing is missed"
    ),
    # --- what a reply to one of our questions holds that could not be read
    "answer_unreadable": "answer_unreadable:{error}",
    "owner_unreadable": "owner_unreadable:{item}",
    "agenda_line_unread": "agenda_line_unread:{line}",
    # --- why an expected outcome is not a measurable goal (goals.check_goal)
    "goal_empty": (
        "the expected outcome is empty: say what the meeting must decide, who owns it and by when"
    ),
    "goal_activity": (
        "the expected outcome {text!r} describes an activity (discuss/review/sync), not a "
        "result: say what will be decided or delivered, by whom and by when"
    ),
    "goal_unsettled": (
        "the expected outcome {text!r} does not say what should be settled: name the "
        "decision, the owner or the deadline"
    ),
    "goal_too_short": (
        "the expected outcome {text!r} is too short to check: describe the concrete result "
        "the meeting must produce"
    ),
}


class Problem(str):
    """One problem: a ``code`` of :data:`OPERATOR`, its ``params`` and, as the string
    value, the operator's English sentence.

    Compare, join and log it as a string; render it for a person with the ``problem``
    filter of the mail templates (:mod:`daemon.outbound.filters`), which reads ``code``
    and ``params``.
    """

    code: str
    params: Mapping[str, Any]

    def __new__(cls, code: str, params: Mapping[str, Any]) -> Problem:
        template = OPERATOR[code]
        text = code if template is None else template.format(**params)
        obj = super().__new__(cls, text)
        obj.code = code
        obj.params = dict(params)
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (Problem, (self.code, dict(self.params)))


def problem(code: str, **params: Any) -> Problem:
    """The :class:`Problem` ``code`` with ``params``.

    Raises:
        KeyError: ``code`` is not in :data:`OPERATOR`, or its sentence names a param that
            is not given (a programming error, found by the tests).
    """
    return Problem(code, params)


def code_of(text: str) -> tuple[str, Mapping[str, Any]] | None:
    """(code, params) of a problem: a :class:`Problem`, or a plain string that is a code
    (``"no_meeting"``) or the old ``"command_refused: <reason>"`` form; None otherwise."""
    if isinstance(text, Problem):
        return text.code, text.params
    if text in OPERATOR and OPERATOR[text] is None:
        return text, {}
    if text.startswith("command_refused: "):
        return "command_refused", {"reason": text[len("command_refused: ") :]}
    return None
