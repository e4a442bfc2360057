"""The EWS calendar: each meeting a real ``CalendarItem`` in the daemon's calendar, with
invitations, updates and cancellations sent by Exchange, and the answers Exchange records.

* **Create**: ``save(send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)`` (a plain
  ``save()`` sends nothing, exchangelib #216/#55). Required and optional attendees are
  ``Attendee`` objects; the room (``room`` setting, and any resource of the snapshot) is a
  resource attendee, which is what books it (LOCATION alone books nothing, exchangelib #303).
  Times are written in the company zone; the item's UID is the meeting's iCalendar UID.
* **Update**: ``save(update_fields=…, send_meeting_invitations=SEND_TO_CHANGED_AND_SAVE_COPY)``:
  Exchange tells whom the change concerns (an added delegate only, for instance).
* **Cancel**: ``cancel(new_body=…)`` with the snapshot's text (``CancelCalendarItem`` reads
  ``NewBodyContent``; its ``Body`` is ignored). Exchange moves the item to Deleted Items.
* **Once only**: every idempotency key applied is appended to the item's ``mtgd_keys``
  extended property *in the same request* that applies it, so :meth:`EwsCalendar.find_applied`
  (the meeting's items in the calendar and Deleted Items, found by the UID recorded for the
  key before the request) tells after a crash or a lost answer whether
  the intent took effect, and a retried intent that did is not applied again. A cancel writes
  its key first (``mtgd_cancel``, sending nothing), then cancels: it counts as applied only
  once the item is cancelled.
* Exchange owns the item's sequence; no .ics is ever sent for an item it manages.
* **Language parts** (``snapshot.part_of``, one mail per language of one intent): Exchange
  sends one invitation per change, so the first part applied makes the change (all fields,
  everyone listed) and tells with its text (the daemon's default language goes first); the
  item records ``part:<part_of>``, and every later part of the same intent only adds its key.
* **Answers** (:meth:`EwsCalendar.responses`): those the source took from meeting responses
  (:mod:`.answers`), and changes of an attendee's ``response_type`` on our items that the
  calendar's own ``SyncFolderItems`` (state in SQLite) reports. ``received_utc`` is when the
  daemon recorded the answer, so the ``since`` watermark never skips one that came late.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from exchangelib import (  # type: ignore[import-untyped]
    Attendee,
    Body,
    CalendarItem,
    EWSDateTime,
    EWSTimeZone,
    Mailbox,
)
from exchangelib.items import (  # type: ignore[import-untyped]
    SEND_TO_ALL_AND_SAVE_COPY,
    SEND_TO_CHANGED_AND_SAVE_COPY,
    SEND_TO_NONE,
)

from daemon import clock
from daemon.transports.calendar import CalendarResponse, MeetingSnapshot
from daemon.transports.ews import answers, props, zones
from daemon.transports.ews.account import Connection
from daemon.transports.ews.errors import translated
from daemon.transports.ews.state import State, SyncBook
from daemon.transports.ews.sync import sync_folder

log = logging.getLogger(__name__)

#: The fields an update rewrites (with ``mtgd_keys``).
FIELDS = (
    "subject",
    "body",
    "start",
    "end",
    "location",
    "required_attendees",
    "optional_attendees",
    "resources",
)
ATTENDEE_FIELDS = ("required_attendees", "optional_attendees", "resources")
_SYNC_FIELDS = ["mtgd_uid", "required_attendees", "optional_attendees", "resources"]


class EwsCalendar:
    """A :class:`~daemon.transports.calendar.Calendar` kept by Exchange."""

    def __init__(self, conn: Connection, state: State) -> None:
        props.register()
        self.conn = conn
        self.book = SyncBook(state)
        conn.calendar_attached = True

    # -- Calendar --------------------------------------------------------------------------
    def upsert_meeting(self, snapshot: MeetingSnapshot, idem_key: str) -> str:
        """Create the meeting's item or bring it up to ``snapshot`` (once per key).

        Returns:
            The EWS item id.

        Raises:
            TransientError: Exchange cannot be reached, throttles, or refused the login.
            PermanentError: Exchange refused the item.
        """
        self.book.set_intent_uid(idem_key, snapshot.uid)
        with translated(f"upsert {snapshot.ref} ({idem_key})"):
            account = self.conn.account
            item = self._find(account.calendar, mtgd_uid=snapshot.uid)
            if item is not None and idem_key in (item.mtgd_keys or []):
                log.info("ews: %s applied to %s already", idem_key, snapshot.ref)
                return str(item.id)
            fields = self._fields(snapshot, item)
            self.book.set_written(snapshot.uid, {a.address.lower() for a in snapshot.attendees})
            part = [f"part:{snapshot.part_of}"] if snapshot.part_of else []
            if item is None:
                item = CalendarItem(
                    account=account,
                    folder=account.calendar,
                    uid=snapshot.uid,
                    mtgd_uid=snapshot.uid,
                    mtgd_ref=snapshot.ref,
                    mtgd_keys=[idem_key, *part],
                    **fields,
                )
                item.save(send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
                how = "created, invitations sent to all"
            elif part and part[0] in (item.mtgd_keys or []):
                # Another language's part of a change already made (and told) by Exchange.
                item.mtgd_keys = [*(item.mtgd_keys or []), idem_key]
                item.save(update_fields=["mtgd_keys"], send_meeting_invitations=SEND_TO_NONE)
                how = "applied with the first language's part"
            else:
                # Speaking to some attendees only (a delegate's invitation): only the list
                # of attendees changes, so Exchange tells only those added.
                names = ATTENDEE_FIELDS if snapshot.to_some_only else FIELDS
                changed = [n for n in names if differs(n, getattr(item, n), fields)]
                for name in changed:
                    setattr(item, name, fields[name])
                item.mtgd_keys = [*(item.mtgd_keys or []), idem_key, *part]
                item.save(
                    update_fields=[*changed, "mtgd_keys"],
                    send_meeting_invitations=SEND_TO_CHANGED_AND_SAVE_COPY,
                )
                how = f"updated ({', '.join(changed) or 'nothing changed'})"
        log.info("ews: %s %s (%s, %s)", snapshot.ref, how, idem_key, item.id)
        return str(item.id)

    def cancel_meeting(self, ref: str, idem_key: str, snapshot: MeetingSnapshot) -> None:
        """Cancel meeting ``ref`` (its UID) with the snapshot's text as the message.

        Raises:
            TransientError, PermanentError: as :meth:`upsert_meeting`.
        """
        self.book.set_intent_uid(idem_key, ref)
        with translated(f"cancel {snapshot.ref} ({idem_key})"):
            account = self.conn.account
            item = self._find(account.calendar, mtgd_uid=ref)
            part = f"part:{snapshot.part_of}" if snapshot.part_of else None
            if item is None:
                if self._applied(idem_key, ref):
                    log.info("ews: %s cancelled already (%s)", snapshot.ref, idem_key)
                elif part and self._applied(part, ref):
                    log.info("ews: %s cancelled with another language's part", snapshot.ref)
                else:
                    log.warning("ews: %s has no item in the calendar; nothing to cancel", ref)
                return
            if item.is_cancelled:
                log.info("ews: %s is cancelled already", snapshot.ref)
                return
            if idem_key not in (item.mtgd_keys or []):
                item.mtgd_keys = [*(item.mtgd_keys or []), idem_key, *([part] if part else [])]
                item.mtgd_cancel = idem_key
                item.save(
                    update_fields=["mtgd_keys", "mtgd_cancel"],
                    send_meeting_invitations=SEND_TO_NONE,
                )
            item.cancel(new_body=snapshot.description or snapshot.summary)
        log.info("ews: %s cancelled, attendees told (%s)", snapshot.ref, idem_key)

    def responses(self, since: dt.datetime | None) -> list[CalendarResponse]:
        """The answers recorded after ``since`` (UTC; None: all kept), oldest first; the
        calendar is synced first (see the module docstring).

        Raises:
            TransientError, PermanentError: the calendar cannot be synced now.
        """
        with translated("calendar sync"):
            self._sync()
        return [a for a in self.book.answers() if since is None or a.received_utc > since]

    def find_applied(self, idem_key: str) -> bool | None:
        """True if our item of the intent's meeting (in the calendar or Deleted Items)
        carries the key (a cancel: and is cancelled); False if not, or if the intent never
        got as far as Exchange; never None.

        Raises:
            TransientError, PermanentError: the question cannot be asked now.
        """
        uid = self.book.intent_uid(idem_key)
        if uid is None:
            return False
        with translated(f"find_applied {idem_key}"):
            return self._applied(idem_key, uid)

    def close(self) -> None:
        """Close the shared connection's sessions."""
        self.conn.close()

    # -- internals -------------------------------------------------------------------------
    def _find(self, folder: Any, **query: Any) -> Any | None:
        found = list(folder.filter(**query))
        calendar_items = [i for i in found if isinstance(i, CalendarItem)]
        if len(calendar_items) > 1:
            log.warning("ews: %d items match %s; the first is used", len(calendar_items), query)
        return calendar_items[0] if calendar_items else None

    def _applied(self, idem_key: str, uid: str) -> bool:
        """Searched by the meeting's UID (single-valued), the keys compared here: EWS
        restrictions on a multi-valued property are not relied on."""
        account = self.conn.account
        for folder in (account.calendar, account.trash):
            for item in folder.filter(mtgd_uid=uid):
                if not isinstance(item, CalendarItem) or idem_key not in (item.mtgd_keys or []):
                    continue
                return bool(item.is_cancelled) if item.mtgd_cancel == idem_key else True
        return False

    def _fields(self, snapshot: MeetingSnapshot, item: Any = None) -> dict[str, Any]:
        """The item's fields for ``snapshot``. Updating ``item``: an attendee the snapshot
        does not list stays when the snapshot speaks to some attendees only (a delegate's
        invitation lists the delegate and the delegator) or when they delegated to someone
        listed, or when a forward notification added them (Exchange did, not the daemon:
        see :mod:`.answers`); removing them would make Exchange send them a cancellation."""
        zone = EWSTimeZone(zones.resolve(snapshot.tz, "UTC"))
        organizer = self.conn.cfg.address.lower()
        roles: dict[str, list[Any]] = {"required": [], "optional": [], "resource": []}
        listed: set[str] = set()
        forwarded = self.book.forwarded(snapshot.uid)
        for attendee in snapshot.attendees:
            address = attendee.address.lower()
            if address == organizer or address in listed:
                continue
            listed.add(address)
            person = Attendee(
                mailbox=Mailbox(email_address=attendee.address, name=attendee.name),
                response_type="Unknown",
            )
            roles.get(attendee.role, roles["required"]).append(person)
        if item is not None:
            handed_over = {d.lower() for a in snapshot.attendees for d in a.delegated_from}
            for role, name in (
                ("required", "required_attendees"),
                ("optional", "optional_attendees"),
                ("resource", "resources"),
            ):
                for kept in getattr(item, name) or []:
                    address = answers.address_of(kept)
                    partial = snapshot.to_some_only
                    kept_on = partial or address in handed_over or address in forwarded
                    if address not in listed and kept_on:
                        listed.add(address)
                        roles[role].append(kept)
        room = self.conn.cfg.room
        if room and room not in listed:
            roles["resource"].append(
                Attendee(mailbox=Mailbox(email_address=room), response_type="Unknown")
            )
        required, optional, resources = roles["required"], roles["optional"], roles["resource"]
        return {
            "subject": snapshot.summary,
            "body": Body(snapshot.description),
            "start": _in_zone(snapshot.start_utc, zone),
            "end": _in_zone(snapshot.end_utc, zone),
            "location": snapshot.location,
            "required_attendees": required,
            "optional_attendees": optional,
            "resources": resources,
        }

    def _sync(self) -> None:
        now = clock.now()

        def on_change(kind: str, item: Any) -> None:
            uid = getattr(item, "mtgd_uid", None) if kind in ("create", "update") else None
            if not uid:
                return
            for answer in answers.status_answers(item, self.book.statuses(uid), now):
                if self.book.add_answer(answer, now):
                    log.info(
                        "ews: the calendar records %s %s for %s",
                        answer.attendee,
                        answer.partstat,
                        uid,
                    )

        sync_folder(
            self.conn.account.calendar,
            self.book,
            "calendar",
            only_fields=_SYNC_FIELDS,
            page_size=self.conn.cfg.page_size,
            on_change=on_change,
        )


def differs(name: str, current: Any, fields: dict[str, Any]) -> bool:
    """Whether field ``name`` of the item (``current``) differs from ``fields[name]``:
    instants compared as instants, attendees as their addresses, text as text."""
    wanted = fields[name]
    if name in ATTENDEE_FIELDS:
        return [answers.address_of(a) for a in current or []] != [
            answers.address_of(a) for a in wanted
        ]
    if name in ("start", "end"):
        return current is None or answers.utc(current) != answers.utc(wanted)
    return str(current or "").strip() != str(wanted or "").strip()


def _in_zone(instant: dt.datetime, zone: Any) -> Any:
    """An aware UTC instant as an exchangelib ``EWSDateTime`` in ``zone``."""
    return EWSDateTime.from_datetime(instant.astimezone(dt.UTC)).astimezone(zone)
