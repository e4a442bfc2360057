"""The extended properties meetingd writes on the items it makes, so that it finds them
again after a crash (``find_applied``, ``find_sent``) whatever Exchange did to ids and
headers.

All are named properties in meetingd's own property set (:data:`PROPERTY_SET`):

* on calendar items: ``mtgd_uid`` (the meeting's iCalendar UID), ``mtgd_ref`` (``MTG-n``),
  ``mtgd_keys`` (every idempotency key applied to the item, a string array) and
  ``mtgd_cancel`` (the key of the cancel intent, written just before the cancellation);
* on messages: ``mtgd_message_id`` (our Message-ID, in case Exchange replaces the header:
  exchangelib #434/#619).

:func:`register` adds them to exchangelib's item classes once per process.
"""

from __future__ import annotations

import contextlib
import threading

from exchangelib import CalendarItem, ExtendedProperty, Message  # type: ignore[import-untyped]

#: meetingd's MAPI property set (a fixed GUID, never to change: it finds old items).
PROPERTY_SET = "5b1c2d9e-6f4a-4e8b-9d3c-0a7e2f1b8c44"


class _Named(ExtendedProperty):  # type: ignore[misc]
    property_set_id = PROPERTY_SET
    property_type = "String"


class MeetingUid(_Named):  # type: ignore[misc]
    """The meeting's iCalendar UID."""

    property_name = "meetingd_uid"


class MeetingRef(_Named):  # type: ignore[misc]
    """The meeting's ``MTG-n``."""

    property_name = "meetingd_ref"


class AppliedKeys(_Named):  # type: ignore[misc]
    """Every idempotency key applied to the item."""

    property_name = "meetingd_keys"
    property_type = "StringArray"


class CancelKey(_Named):  # type: ignore[misc]
    """The idempotency key of the cancel intent."""

    property_name = "meetingd_cancel"


class OurMessageId(_Named):  # type: ignore[misc]
    """The Message-ID meetingd gave the mail."""

    property_name = "meetingd_message_id"


CALENDAR_PROPS = {
    "mtgd_uid": MeetingUid,
    "mtgd_ref": MeetingRef,
    "mtgd_keys": AppliedKeys,
    "mtgd_cancel": CancelKey,
}
MESSAGE_PROPS = {"mtgd_message_id": OurMessageId}

_done = False
_lock = threading.Lock()


def register() -> None:
    """Register the properties on ``CalendarItem`` and ``Message`` (idempotent)."""
    global _done
    with _lock:
        if _done:
            return
        for cls, props in ((CalendarItem, CALENDAR_PROPS), (Message, MESSAGE_PROPS)):
            for name, prop in props.items():
                with contextlib.suppress(ValueError):  # registered already
                    cls.register(name, prop)
        _done = True
