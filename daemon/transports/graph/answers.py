"""Attendees' answers as Graph records them, turned into the daemon's calendar answers.

Two views of one answer exist in Graph, and each answer must be taken once:

* the ``eventMessageResponse`` that lands in the organizer's inbox (``meetingAccepted``,
  ``meetingDeclined``, ``meetingTentativelyAccepted``, with the comment and a proposed new
  time), read by the mail source (:func:`read`);
* the organizer event's ``attendees[].status`` (the authoritative status, also set when the
  attendee answered without sending a response), read by the calendar
  (:mod:`.calendar`, ``responses``).

A marker ``answer:<event id>:<attendee>`` = ``{"response": PARTSTAT, "by": "message" |
"status"}`` in the shared transport state records which view took an answer: the calendar
does not report a status a message already brought, and the mail source does not turn a
message into a second answer when the status brought it first (it moves the message to the
processed folder and says so in the log). The mail source reads before the calendar in every
pass, so the message, with its comment and proposal, normally wins.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from daemon import clock
from daemon.inbound.calendar_answers import answer_mail
from daemon.transports.calendar import CalendarResponse
from daemon.transports.graph import events
from daemon.transports.graph.http import GraphError, GraphHttp

log = logging.getLogger(__name__)


class State(Protocol):
    """The shared transport state (``daemon.store.transport_state``)."""

    def get(self, key: str) -> Any: ...

    def put(self, key: str, value: Any) -> None: ...


@dataclass(frozen=True)
class Taken:
    """The answer of this message was taken from the event's status already."""

    event_id: str
    attendee: str


def marker_key(event_id: str, attendee: str) -> str:
    """The state key of the marker of one attendee's answer to one event."""
    return f"answer:{event_id}:{attendee.lower()}"


def our_uid(http: GraphHttp, user: str, event_id: str) -> str | None:
    """The daemon's meeting UID on event ``event_id``, None if the event is not ours."""
    try:
        event = http.call(
            "GET", f"{user}/events/{event_id}", params={"$expand": events.expand(events.PROP_UID)}
        ).json()
    except GraphError as exc:
        if exc.status == 404:
            return None
        raise
    return events.property_of(event, events.PROP_UID)


def proposal(value: dict[str, Any] | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``(start, end)`` of a ``proposedNewTime`` (aware UTC), or ``(None, None)``."""
    if not value:
        return None, None
    return events.instant(value.get("start")), events.instant(value.get("end"))


def read(http: GraphHttp, user: str, message_id: str, state: State) -> bytes | Taken | None:
    """The iTIP REPLY/COUNTER mail of an ``eventMessageResponse`` about one of our meetings;
    :class:`Taken` when the event's status brought this answer already; None when the
    message is about no meeting of ours (it is read as ordinary mail then).

    Raises:
        GraphError: 404 when the message is gone; other refusals.
    """
    message = http.call(
        "GET",
        f"{user}/messages/{message_id}",
        # The event is a navigation property of the derived type: the cast is needed.
        params={"$expand": "microsoft.graph.eventMessage/event"},
        headers={"Prefer": 'outlook.body-content-type="text"'},
    ).json()
    event_id = str((message.get("event") or {}).get("id") or "")
    partstat = events.PARTSTATS.get(str(message.get("meetingMessageType"))) or (
        events.PARTSTATS.get(str(message.get("responseType")))
    )
    attendee = str(((message.get("from") or {}).get("emailAddress") or {}).get("address", ""))
    if not event_id or partstat is None or not attendee:
        return None
    uid = our_uid(http, user, event_id)
    if uid is None:
        return None
    marker = state.get(marker_key(event_id, attendee)) or {}
    start, end = proposal(message.get("proposedNewTime"))
    if marker == {"response": partstat, "by": "status"} and start is None:
        return Taken(event_id, attendee.lower())
    state.put(marker_key(event_id, attendee), {"response": partstat, "by": "message"})
    comment = str((message.get("body") or {}).get("content") or "").strip() or None
    response = CalendarResponse(
        uid=uid,
        attendee=attendee.lower(),
        partstat=partstat,
        key=f"graph-message:{message_id}",
        received_utc=events.stamp(message.get("receivedDateTime")) or clock.now(),
        comment=comment,
        proposed_start=start,
        proposed_end=end,
    )
    log.info("graph: %s answered %s to %s (%s)", attendee, partstat, uid, message_id)
    return answer_mail(response, user.removeprefix("/users/"))
