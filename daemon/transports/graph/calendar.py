"""The Graph calendar: meetings as events in the meetings mailbox's calendar.

* **Create**: ``POST /users/{mailbox}/events`` with the attendees (``required``,
  ``optional``, ``resource`` for the room), times written in the company zone, the three
  extended properties of :mod:`.events` and a ``transactionId`` derived from the
  idempotency key (Graph returns the first event again for a repeated create).
* **Update**: ``PATCH`` with only what changed since the last intent (kept in the state as
  ``sent:<uid>``): an update that changes only attendees sends only ``attendees``, and Graph
  tells only the added and removed ones; a new time, place or text tells everyone. A
  snapshot that tells only some people (``notify``: a delegate's invitation lists just the
  delegate and the delegator) adds its attendees to the event and changes nothing else, so
  only the delegate hears of it; a ``notify`` address already invited gets the request
  again through ``POST /events/{id}/forward``.
* **Language parts** (``snapshot.part_of``: one mail per language of one intent): Graph
  tells every attendee of a change itself, so the first part applied makes the whole change
  (all fields, everyone listed); a later part of the same intent finds nothing left to
  change and only records its key.
* **Cancel**: ``POST /events/{id}/cancel`` with the mail's text as the comment.
* **Settling**: each intent is recorded (``intent:<key>``) before Graph is asked and marked
  done after; :meth:`GraphCalendar.find_applied` answers from that record, else from Graph
  (the idempotency-key property, or the event gone after a cancel).
* **Answers**: :meth:`GraphCalendar.responses` reads the organizer events'
  ``attendees[].status`` (the authoritative status); see :mod:`.answers` for how it and the
  ``eventMessageResponse`` messages take each answer once.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from daemon import clock
from daemon.transports.calendar import CalendarResponse, MeetingSnapshot
from daemon.transports.graph import answers, events
from daemon.transports.graph.http import GraphError, GraphHttp
from daemon.transports.graph.settings import GraphSettings, release

log = logging.getLogger(__name__)

_TRANSACTIONS = uuid.UUID("0b8f6c7e-2d3a-4e51-8f90-a1b2c3d4e5f6")


class GraphCalendar:
    """A :class:`~daemon.transports.calendar.Calendar` in one mailbox's calendar.

    Args:
        http: the shared Graph client; cfg: the mailbox; state: the shared transport state.
    """

    def __init__(self, http: GraphHttp, cfg: GraphSettings, state: answers.State) -> None:
        self.http, self.cfg, self.state = http, cfg, state
        self.user = f"/users/{cfg.mailbox}"

    def find_event(self, uid: str) -> dict[str, Any] | None:
        """The live event of meeting ``uid`` (with its UID and idempotency-key properties)."""
        found = self.http.call(
            "GET",
            f"{self.user}/events",
            params={
                "$filter": events.has_property(events.PROP_UID, uid),
                "$expand": events.expand(events.PROP_UID, events.PROP_IDEM),
            },
        ).json()["value"]
        return dict(found[0]) if found else None

    def upsert_meeting(self, snapshot: MeetingSnapshot, idem_key: str) -> str:
        """Create or update the event of ``snapshot`` (once per ``idem_key``).

        Returns:
            Graph's event id.

        Raises:
            TransientError: throttled or unreachable; PermanentError: refused (e.g.
            ``Calendars.ReadWrite`` missing).
        """
        record = self.state.get(f"intent:{idem_key}")
        if record and record.get("done"):
            log.info("graph: intent %s applied already (event %s)", idem_key, record.get("event"))
            return str(record.get("event"))
        begun = {**(record or {}), "action": "upsert", "uid": snapshot.uid}
        self.state.put(f"intent:{idem_key}", begun)
        wanted = self._wanted(snapshot)
        event = self.find_event(snapshot.uid)
        if event is None:
            event_id = self._create(snapshot, idem_key, wanted)
        elif events.property_of(event, events.PROP_IDEM) == idem_key:
            event_id = str(event["id"])
            log.info(
                "graph: event %s carries %s already (applied before a crash)", event_id, idem_key
            )
        else:
            event_id = str(event["id"])
            self._update(snapshot, idem_key, event_id, wanted)
        self.state.put(f"sent:{snapshot.uid}", wanted)
        self.state.put(
            f"intent:{idem_key}",
            {"action": "upsert", "uid": snapshot.uid, "event": event_id, "done": True},
        )
        return event_id

    def _wanted(self, snapshot: MeetingSnapshot) -> dict[str, Any]:
        """The event's fields and attendees after this intent (see the module docstring)."""
        wanted: dict[str, Any] = {
            "fields": events.fields(snapshot),
            "attendees": events.attendees(snapshot),
        }
        last = self.state.get(f"sent:{snapshot.uid}")
        if not _speaks_to_some(snapshot) or not last:
            return wanted
        known = {a["emailAddress"]["address"].lower() for a in last["attendees"]}
        added = [
            a for a in wanted["attendees"] if a["emailAddress"]["address"].lower() not in known
        ]
        return {"fields": last["fields"], "attendees": [*last["attendees"], *added]}

    def _create(self, snapshot: MeetingSnapshot, idem_key: str, wanted: dict[str, Any]) -> str:
        body = {
            **wanted["fields"],
            "attendees": wanted["attendees"],
            "singleValueExtendedProperties": events.properties(snapshot, idem_key),
            "transactionId": str(uuid.uuid5(_TRANSACTIONS, idem_key)),
        }
        created = self.http.call(
            "POST",
            f"{self.user}/events",
            json=body,
            headers={"Prefer": f'outlook.timezone="{snapshot.tz}"'},
        ).json()
        log.info(
            "graph: created event %s for %s (%s), %d attendee(s)",
            created["id"],
            snapshot.ref,
            snapshot.uid,
            len(wanted["attendees"]),
        )
        return str(created["id"])

    def _update(
        self, snapshot: MeetingSnapshot, idem_key: str, event_id: str, wanted: dict[str, Any]
    ) -> None:
        last = self.state.get(f"sent:{snapshot.uid}") or {}
        before = last.get("fields") or {}
        patch: dict[str, Any] = {k: v for k, v in wanted["fields"].items() if before.get(k) != v}
        if wanted["attendees"] != last.get("attendees"):
            patch["attendees"] = wanted["attendees"]
        patch["singleValueExtendedProperties"] = events.properties(snapshot, idem_key)
        if _speaks_to_some(snapshot):
            self._tell_again(snapshot, idem_key, event_id, last)
        self.http.call("PATCH", f"{self.user}/events/{event_id}", json=patch)
        changed = sorted(k for k in patch if k != "singleValueExtendedProperties")
        log.info(
            "graph: updated event %s of %s: %s",
            event_id,
            snapshot.ref,
            ", ".join(changed) or "nothing visible",
        )

    def _tell_again(
        self, snapshot: MeetingSnapshot, idem_key: str, event_id: str, last: dict[str, Any]
    ) -> None:
        """Send the meeting request again (``POST /events/{id}/forward``) to the ``notify``
        addresses that are attendees already: a PATCH would tell them nothing. Done once
        per intent (recorded before the PATCH that marks the event)."""
        known = {a["emailAddress"]["address"].lower() for a in last.get("attendees") or []}
        again = [a for a in snapshot.notify or () if a.lower() in known]
        record = self.state.get(f"intent:{idem_key}") or {}
        if not again or record.get("forwarded"):
            return
        self.http.call(
            "POST",
            f"{self.user}/events/{event_id}/forward",
            json={
                "toRecipients": [{"emailAddress": {"address": a}} for a in again],
                "comment": snapshot.description[:4000],
            },
        )
        self.state.put(f"intent:{idem_key}", {**record, "forwarded": True})
        log.info("graph: sent the request of %s again to %s", snapshot.ref, ", ".join(again))

    def cancel_meeting(self, ref: str, idem_key: str, snapshot: MeetingSnapshot) -> None:
        """Cancel the event of meeting ``ref`` (``snapshot.uid``); every attendee is told,
        with the snapshot's text as the comment. No event: nothing to cancel (logged).

        Raises:
            TransientError, PermanentError: as :meth:`upsert_meeting`.
        """
        record = self.state.get(f"intent:{idem_key}")
        if record and record.get("done"):
            log.info("graph: cancel %s applied already", idem_key)
            return
        self.state.put(f"intent:{idem_key}", {"action": "cancel", "uid": snapshot.uid})
        event = self.find_event(snapshot.uid)
        if event is None:
            log.warning("graph: no live event for %s (%s); nothing to cancel", ref, snapshot.uid)
        else:
            comment = snapshot.description.strip()[:4000]
            try:
                self.http.call(
                    "POST", f"{self.user}/events/{event['id']}/cancel", json={"comment": comment}
                )
                log.info("graph: cancelled event %s of %s", event["id"], snapshot.ref)
            except GraphError as exc:
                if exc.status != 400 or "cancel" not in exc.message.lower():
                    raise
                log.info("graph: event %s was cancelled already", event["id"])
        self.state.put(
            f"intent:{idem_key}", {"action": "cancel", "uid": snapshot.uid, "done": True}
        )

    def find_applied(self, idem_key: str) -> bool | None:
        """Was the intent applied? From its record, else from Graph (see module docstring).

        Raises:
            TransientError, PermanentError: Graph cannot answer now.
        """
        record = self.state.get(f"intent:{idem_key}")
        if record is None:
            return False
        if record.get("done"):
            return True
        event = self.find_event(str(record["uid"]))
        if record.get("action") == "cancel":
            return event is None
        return event is not None and events.property_of(event, events.PROP_IDEM) == idem_key

    def our_events(self) -> list[dict[str, Any]]:
        """Every live event of the mailbox that carries a meeting UID of ours."""
        out: list[dict[str, Any]] = []
        url: str | None = f"{self.user}/events"
        params: dict[str, str] | None = {"$expand": events.expand(events.PROP_UID), "$top": "50"}
        while url:
            page = self.http.call("GET", url, params=params).json()
            out += [e for e in page["value"] if events.property_of(e, events.PROP_UID)]
            url, params = page.get("@odata.nextLink"), None
        return out

    def responses(self, since: dt.datetime | None) -> list[CalendarResponse]:
        """Attendees' statuses on our events that changed after ``since`` (UTC), oldest
        first, except those an ``eventMessageResponse`` brought already (:mod:`.answers`).

        Raises:
            TransientError, PermanentError: Graph cannot answer now.
        """
        found: list[CalendarResponse] = []
        for event in self.our_events():
            uid = str(events.property_of(event, events.PROP_UID))
            for attendee in event.get("attendees") or []:
                response = self._status(event, uid, attendee, since)
                if response is not None:
                    found.append(response)
        found.sort(key=lambda r: r.received_utc)
        return found

    def _status(
        self, event: dict[str, Any], uid: str, attendee: dict[str, Any], since: dt.datetime | None
    ) -> CalendarResponse | None:
        status = attendee.get("status") or {}
        partstat = events.PARTSTATS.get(str(status.get("response")))
        address = str((attendee.get("emailAddress") or {}).get("address", "")).lower()
        if partstat is None or not address:
            return None
        when = events.stamp(status.get("time"))
        if since is not None and when is not None and when <= since:
            return None
        key = answers.marker_key(str(event["id"]), address)
        marker = self.state.get(key)
        if marker == {"response": partstat, "by": "message"}:
            return None
        if marker != {"response": partstat, "by": "status"}:
            self.state.put(key, {"response": partstat, "by": "status"})
            log.info("graph: %s is %s on %s (event status)", address, partstat, uid)
        start, end = answers.proposal(attendee.get("proposedNewTime"))
        return CalendarResponse(
            uid=uid,
            attendee=address,
            partstat=partstat,
            key=f"graph-status:{event['id']}:{address}:{status.get('time')}",
            received_utc=when or clock.now(),
            proposed_start=start,
            proposed_end=end,
        )

    def close(self) -> None:
        """Release the shared client."""
        release(self.http)


def _speaks_to_some(snapshot: MeetingSnapshot) -> bool:
    """True for a snapshot meant for some attendees only (a delegate's invitation), not for
    one language's part of a change that speaks for everyone (``part_of``)."""
    return snapshot.notify is not None and snapshot.part_of is None
