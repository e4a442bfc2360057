"""What the EWS transport keeps between runs, in the daemon's SQLite file
(``daemon.store.transport_state``, scope ``ews``):

* ``sync:<folder>``: the SyncFolderItems state of the inbox and of the calendar;
* ``pending``: inbox item ids the sync reported and that are not acknowledged yet (the sync
  state moves past an item as soon as it is reported, so this list is what keeps a message
  that was reported but not stored when the daemon stopped), in the order reported;
* ``answers``: the attendees' answers Exchange recorded (meeting responses and changes of an
  attendee's ``response_type``), as :class:`CalendarResponse` JSON, kept for :data:`KEEP`;
* ``status:<uid>``: the last answer recorded per attendee of our meeting ``uid``;
* ``written:<uid>``: the attendee addresses the daemon's last snapshot of meeting ``uid``
  listed, so that an attendee Exchange added after a forward is told from those the daemon
  invited;
* ``forwarded:<uid>``: the addresses a forward notification added to that item (kept on
  the item when the daemon updates it, so Exchange sends them no cancellation);
* ``intent:<idem key>``: the UID of the meeting a calendar intent is about, written before
  the intent is sent to Exchange (``find_applied`` looks at that meeting's items).

Every write is committed before the call returns, so what was recorded survives a crash.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Protocol

from daemon.transports.calendar import CalendarResponse

#: How long an answer stays in ``answers`` after Exchange received it.
KEEP = dt.timedelta(days=60)


class State(Protocol):
    """A key → JSON value store (``daemon.store.transport_state.TransportState``)."""

    def get(self, key: str) -> Any: ...

    def put(self, key: str, value: Any) -> None: ...


class SyncBook:
    """Typed access to the values of the module docstring."""

    def __init__(self, state: State) -> None:
        self.state = state

    def sync_state(self, folder: str) -> str | None:
        """The stored SyncFolderItems state of ``folder`` (``inbox``, ``calendar``)."""
        value = self.state.get(f"sync:{folder}")
        return str(value) if value else None

    def set_sync_state(self, folder: str, value: str | None) -> None:
        """Store ``folder``'s new sync state (None forgets it: a full sync follows)."""
        self.state.put(f"sync:{folder}", value)

    def pending(self) -> list[str]:
        """Reported, unacknowledged inbox item ids, oldest first."""
        return list(self.state.get("pending") or [])

    def set_pending(self, ids: list[str]) -> None:
        """Replace the pending list (duplicates dropped, order kept)."""
        self.state.put("pending", list(dict.fromkeys(ids)))

    def answers(self) -> list[CalendarResponse]:
        """Every recorded answer, oldest first."""
        return [answer_from_json(a) for a in self.state.get("answers") or []]

    def add_answer(self, answer: CalendarResponse, now: dt.datetime) -> bool:
        """Record ``answer`` (once per key; answers older than :data:`KEEP` are dropped),
        stamped ``received_utc`` = ``now``, or just after the last answer recorded, so that
        the stamps rise strictly in recording order. False if its key was recorded already.
        """
        kept = [a for a in self.state.get("answers") or [] if _utc(a["received_utc"]) > now - KEEP]
        if any(a["key"] == answer.key for a in kept):
            return False
        stamp = now.astimezone(dt.UTC)
        if kept:
            stamp = max(stamp, _utc(kept[-1]["received_utc"]) + dt.timedelta(microseconds=1))
        kept.append(answer_to_json(dataclasses.replace(answer, received_utc=stamp)))
        self.state.put("answers", kept)
        status = self.statuses(answer.uid)
        status[answer.attendee] = answer.partstat
        self.state.put(f"status:{answer.uid}", status)
        return True

    def intent_uid(self, idem_key: str) -> str | None:
        """The meeting UID recorded for the calendar intent ``idem_key``, or None."""
        value = self.state.get(f"intent:{idem_key}")
        return str(value) if value else None

    def set_intent_uid(self, idem_key: str, uid: str) -> None:
        """Record which meeting the calendar intent ``idem_key`` is about."""
        if self.intent_uid(idem_key) != uid:
            self.state.put(f"intent:{idem_key}", uid)

    def written(self, uid: str) -> set[str] | None:
        """The attendee addresses the daemon's last snapshot of meeting ``uid`` listed, or None
        if unknown (an item written before this was recorded)."""
        value = self.state.get(f"written:{uid}")
        return None if value is None else set(value)

    def set_written(self, uid: str, addresses: set[str]) -> None:
        """Record the attendee addresses the daemon's snapshot of meeting ``uid`` lists."""
        if self.written(uid) != addresses:
            self.state.put(f"written:{uid}", sorted(addresses))

    def forwarded(self, uid: str) -> set[str]:
        """The addresses forward notifications added to meeting ``uid``'s item."""
        return set(self.state.get(f"forwarded:{uid}") or [])

    def add_forwarded(self, uid: str, address: str) -> None:
        """Record that a forward notification added ``address`` to meeting ``uid``'s item."""
        known = self.forwarded(uid)
        if address not in known:
            self.state.put(f"forwarded:{uid}", sorted(known | {address}))

    def statuses(self, uid: str) -> dict[str, str]:
        """Attendee address → the last PARTSTAT recorded for meeting ``uid``."""
        return dict(self.state.get(f"status:{uid}") or {})


def answer_to_json(answer: CalendarResponse) -> dict[str, Any]:
    """A :class:`CalendarResponse` as JSON-ready values (instants ISO 8601 UTC)."""
    return {
        "uid": answer.uid,
        "attendee": answer.attendee,
        "partstat": answer.partstat,
        "key": answer.key,
        "received_utc": answer.received_utc.isoformat(),
        "comment": answer.comment,
        "proposed_start": answer.proposed_start.isoformat() if answer.proposed_start else None,
        "proposed_end": answer.proposed_end.isoformat() if answer.proposed_end else None,
        "forwarded_by": answer.forwarded_by,
    }


def answer_from_json(data: dict[str, Any]) -> CalendarResponse:
    """The inverse of :func:`answer_to_json`."""
    return CalendarResponse(
        uid=data["uid"],
        attendee=data["attendee"],
        partstat=data["partstat"],
        key=data["key"],
        received_utc=_utc(data["received_utc"]),
        comment=data.get("comment"),
        proposed_start=_utc(data["proposed_start"]) if data.get("proposed_start") else None,
        proposed_end=_utc(data["proposed_end"]) if data.get("proposed_end") else None,
        forwarded_by=data.get("forwarded_by"),
    )


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)
