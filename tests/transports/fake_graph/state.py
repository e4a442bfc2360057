"""In-memory mailboxes and calendars behind the fake Graph, with Graph v1.0 JSON renderings.

A :class:`GraphState` holds :class:`Mailbox` es (folders, messages kept as MIME, events).
Every change to a message takes a number from one sequence; a delta link remembers the
number it was issued at, so the next round returns what changed since, and an ``@removed``
entry for each message that left the folder. Tests drive the other side with
:meth:`GraphState.deliver_mime` (mail arrives) and :meth:`GraphState.respond` (an attendee
answers an invitation: the organizer's event shows the answer and an
``eventMessageResponse`` arrives in the inbox) and read :attr:`GraphState.notifications`
(who the server "told" about each create, update or cancel) and :attr:`GraphState.sent`.

All public methods take :attr:`GraphState.lock`; the Graph routes hold it per request.
"""

from __future__ import annotations

import base64
import functools
import itertools
import re
import secrets
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses, make_msgid, parsedate_to_datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tests.transports.fake_graph.wire import utc_now

WELL_KNOWN_FOLDERS = {
    "inbox": "Inbox",
    "sentitems": "Sent Items",
    "deleteditems": "Deleted Items",
    "drafts": "Drafts",
    "archive": "Archive",
}
NO_RESPONSE_TIME = "0001-01-01T00:00:00Z"
ATTENDEE_TYPES = ("required", "optional", "resource")
# response -> (meetingMessageType, subject prefix, iCalendar PARTSTAT). Graph's enum really
# spells the tentative one "meetingTenativelyAccepted".
RESPONSES: dict[str, tuple[str, str, str]] = {
    "accepted": ("meetingAccepted", "Accepted", "ACCEPTED"),
    "declined": ("meetingDeclined", "Declined", "DECLINED"),
    "tentativelyAccepted": ("meetingTenativelyAccepted", "Tentative", "TENTATIVE"),
}
# A few Windows zone names Graph accepts, for converting to UTC; others are kept verbatim.
WINDOWS_ZONES = {
    "UTC": "UTC",
    "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris",
    "GMT Standard Time": "Europe/London",
    "China Standard Time": "Asia/Shanghai",
    "Tokyo Standard Time": "Asia/Tokyo",
    "Singapore Standard Time": "Asia/Singapore",
    "India Standard Time": "Asia/Kolkata",
    "Eastern Standard Time": "America/New_York",
    "Pacific Standard Time": "America/Los_Angeles",
}
# Event fields a create or PATCH may set (besides start, end, attendees and extended props).
EVENT_FIELDS = (
    "subject",
    "body",
    "location",
    "locations",
    "showAs",
    "categories",
    "importance",
    "sensitivity",
    "isOnlineMeeting",
    "allowNewTimeProposals",
    "responseRequested",
    "isReminderOn",
    "reminderMinutesBeforeStart",
    "hideAttendees",
)
NOTIFY_ALL_FIELDS = frozenset({"start", "end", "location", "locations", "subject", "body"})


class GraphError(Exception):
    """A Graph error answer (status, ``error.code``, ``error.message``)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


def new_id(prefix: str = "AAMkAGZha2UtZ3JhcGgA") -> str:
    """A Graph-looking item id: long, URL-safe base64 with ``-``, ``_`` and a ``=`` pad."""
    return prefix + secrets.token_urlsafe(60) + "="


def _change_key() -> str:
    return base64.b64encode(secrets.token_bytes(16)).decode()


def _address(entry: Any) -> str:
    """The lowercased address of a recipient/attendee dict (``{"emailAddress": {...}}``)."""
    try:
        return str(entry["emailAddress"]["address"]).lower()
    except (KeyError, TypeError):
        raise GraphError(400, "ErrorInvalidRequest", f"Invalid recipient: {entry!r}") from None


def _recipients(header: str | None) -> list[dict[str, Any]]:
    return [
        {"emailAddress": {"name": name or addr, "address": addr}}
        for name, addr in getaddresses([header or ""])
        if addr
    ]


def _first(header: str) -> dict[str, Any] | None:
    found = _recipients(header)
    return found[0] if found else None


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(WINDOWS_ZONES.get(name, name))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def graph_datetime(moment: datetime, zone: str = "UTC") -> dict[str, str]:
    """``{"dateTime", "timeZone"}`` as Graph renders it (seven fraction digits)."""
    tz = _zone(zone) or UTC
    local = moment.astimezone(tz).replace(tzinfo=None)
    return {
        "dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond:06d}0",
        "timeZone": zone,
    }


@dataclass
class EventTime:
    """An event's start or end: the instant when the zone is known, else the raw value."""

    raw: dict[str, str]
    instant: datetime | None

    @classmethod
    def parse(cls, value: Any, name: str) -> EventTime:
        """From Graph's ``{"dateTime": ..., "timeZone": ...}`` (400 when malformed)."""
        try:
            naive = datetime.fromisoformat(str(value["dateTime"]).removesuffix("Z"))
            zone_name = str(value.get("timeZone") or "UTC")
        except (KeyError, TypeError, ValueError, AttributeError):
            raise GraphError(400, "ErrorInvalidRequest", f"Invalid {name}: {value!r}") from None
        zone = _zone(zone_name)
        instant = naive.replace(tzinfo=zone).astimezone(UTC) if zone else None
        return cls({"dateTime": str(value["dateTime"]), "timeZone": zone_name}, instant)

    def render(self, zone: str | None) -> dict[str, str]:
        """In ``zone`` (Prefer: outlook.timezone) or UTC, as Graph does by default."""
        if self.instant is None:
            return dict(self.raw)
        return graph_datetime(self.instant, zone if zone and _zone(zone) else "UTC")


@dataclass
class Folder:
    """A mail folder; ``departed`` maps ids of messages that left it to the change number."""

    id: str
    display_name: str
    parent_id: str
    well_known: str | None = None
    departed: dict[str, int] = field(default_factory=dict)


@dataclass
class StoredMessage:
    """A message: its MIME plus the few properties Graph keeps beside it."""

    id: str
    folder_id: str
    mime: bytes
    seq: int
    received: str
    change_key: str = field(default_factory=_change_key)
    conversation_id: str = field(default_factory=lambda: new_id("AAQkAGZha2UtY29udgAQA"))
    is_read: bool = False
    categories: list[str] = field(default_factory=list)
    #: eventMessage properties (``@odata.type``, ``meetingMessageType``, ...), event id.
    extra: dict[str, Any] = field(default_factory=dict)
    event_id: str | None = None

    @functools.cached_property
    def parsed(self) -> EmailMessage:
        """The MIME, parsed with the modern email policy."""
        message = BytesParser(policy=policy.default).parsebytes(self.mime)
        assert isinstance(message, EmailMessage)
        return message

    @property
    def internet_message_id(self) -> str:
        """The Message-ID header as written (angle brackets kept)."""
        return str(self.parsed.get("Message-ID", "")).strip()


@dataclass
class Event:
    """A calendar item in the organizer's (the mailbox's) calendar."""

    id: str
    ical_uid: str
    start: EventTime
    end: EventTime
    fields: dict[str, Any]
    attendees: list[dict[str, Any]]
    extended: dict[str, tuple[str, str]]  # lowercased id -> (id as sent, value)
    created: str = field(default_factory=utc_now)
    modified: str = field(default_factory=utc_now)
    change_key: str = field(default_factory=_change_key)
    cancelled: bool = False
    transaction_id: str | None = None

    def touch(self) -> None:
        """Record a modification (new changeKey and lastModifiedDateTime)."""
        self.change_key, self.modified = _change_key(), utc_now()


@dataclass(frozen=True)
class Notification:
    """Mail the server sent attendees on the organizer's behalf."""

    kind: Literal["request", "update", "cancel"]
    event_id: str
    recipients: tuple[str, ...]
    comment: str | None = None


@dataclass(frozen=True)
class SentMail:
    """One ``sendMail`` call: the mailbox, the MIME as stored, its Message-ID."""

    mailbox: str
    mime: bytes
    internet_message_id: str


@dataclass
class Mailbox:
    """One user's mailbox: folders, messages, calendar, and its delta generation."""

    address: str
    display_name: str
    user_id: str
    root_id: str
    folders: dict[str, Folder] = field(default_factory=dict)
    messages: dict[str, StoredMessage] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    generation: int = 0

    def folder(self, ref: str) -> Folder:
        """A folder by id or well-known name (case-insensitive), else 404 as Graph."""
        folder = self.folders.get(ref)
        if folder is None:
            folder = next(
                (f for f in self.folders.values() if f.well_known == ref.lower()),
                None,
            )
        if folder is None:
            raise GraphError(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        return folder

    def message(self, message_id: str) -> StoredMessage:
        """A message by id, else 404."""
        try:
            return self.messages[message_id]
        except KeyError:
            raise GraphError(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            ) from None

    def event(self, event_id: str) -> Event:
        """An event by id, else 404."""
        try:
            return self.events[event_id]
        except KeyError:
            raise GraphError(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            ) from None

    def in_folder(self, folder_id: str) -> list[StoredMessage]:
        """The messages of one folder, oldest first."""
        return sorted(
            (m for m in self.messages.values() if m.folder_id == folder_id), key=lambda m: m.seq
        )


@dataclass
class _DeltaToken:
    mailbox: str
    folder_id: str
    watermark: int
    generation: int
    select: tuple[str, ...] | None


@dataclass
class _DeltaPages:
    mailbox: str
    folder_id: str
    items: list[tuple[str, str]]  # ("message" | "removed", message id)
    watermark: int
    generation: int
    select: tuple[str, ...] | None


class GraphState:
    """Every mailbox the fake serves, plus what tests configure and observe."""

    def __init__(self, mailboxes: Iterable[str] = ("meetingd@contoso.test",)) -> None:
        self.lock = threading.RLock()
        self.mailboxes: dict[str, Mailbox] = {}
        #: Mailboxes the app may reach (application access policy); None: all of them.
        self.allowed_mailboxes: set[str] | None = None
        #: Messages per delta page unless the client sends ``Prefer: odata.maxpagesize``.
        self.delta_page_size = 10
        #: Answer 429 ``ApplicationThrottled`` beyond this many concurrent requests per
        #: mailbox (Graph's limit is 4); None: never (the counters still record).
        self.concurrency_limit: int | None = None
        self.notifications: list[Notification] = []
        self.sent: list[SentMail] = []
        #: Set by the server: ``https://127.0.0.1:PORT/v1.0``.
        self.base_url = "https://graph.microsoft.com/v1.0"
        self._seq = itertools.count(1)
        self._last_seq = 0
        self._deltas: dict[str, _DeltaToken] = {}
        self._pages: dict[str, _DeltaPages] = {}
        self._in_flight: dict[str, int] = {}
        self._peak: dict[str, int] = {}
        self._flight_lock = threading.Lock()
        for address in mailboxes:
            self.add_mailbox(address)

    # -- mailboxes ---------------------------------------------------------------------------

    @property
    def primary(self) -> str:
        """The first mailbox's address (the daemon's own mailbox in the fixture)."""
        return next(iter(self.mailboxes))

    def add_mailbox(self, address: str, display_name: str | None = None) -> Mailbox:
        """Create a mailbox with Graph's well-known folders."""
        with self.lock:
            root = new_id("AAMkAGZha2Utcm9vdAAuAAA")
            box = Mailbox(
                address=address.lower(),
                display_name=display_name or address.split("@")[0],
                user_id=str(uuid.uuid5(uuid.NAMESPACE_URL, address.lower())),
                root_id=root,
            )
            for well_known, name in WELL_KNOWN_FOLDERS.items():
                folder = Folder(new_id("AAMkAGZha2UtZm9sZGVyAC4AAA"), name, root, well_known)
                box.folders[folder.id] = folder
            self.mailboxes[box.address] = box
            return box

    def mailbox(self, user: str | None = None) -> Mailbox:
        """A mailbox by address or user id (``KeyError`` if none); the primary one if None."""
        with self.lock:
            key = (user or self.primary).lower()
            if key in self.mailboxes:
                return self.mailboxes[key]
            for box in self.mailboxes.values():
                if box.user_id == key:
                    return box
            raise KeyError(user)

    def messages_in(self, folder: str = "inbox", user: str | None = None) -> list[StoredMessage]:
        """The messages in a folder (id or well-known name), oldest first."""
        with self.lock:
            box = self.mailbox(user)
            return box.in_folder(box.folder(folder).id)

    # -- messages ----------------------------------------------------------------------------

    def _next_seq(self) -> int:
        self._last_seq = next(self._seq)
        return self._last_seq

    def store(
        self,
        box: Mailbox,
        folder_id: str,
        mime: bytes,
        *,
        is_read: bool = False,
        extra: dict[str, Any] | None = None,
        event_id: str | None = None,
    ) -> StoredMessage:
        """Put a message into a folder (counts as a change for delta)."""
        with self.lock:
            message = StoredMessage(
                id=new_id(),
                folder_id=folder_id,
                mime=mime,
                seq=self._next_seq(),
                received=utc_now(),
                is_read=is_read,
                extra=dict(extra or {}),
                event_id=event_id,
            )
            box.messages[message.id] = message
            return message

    def deliver_mime(
        self, raw: bytes, user: str | None = None, folder: str = "inbox"
    ) -> StoredMessage:
        """A person's mail arriving in a mailbox (the primary one unless named)."""
        with self.lock:
            box = self.mailbox(user)
            return self.store(box, box.folder(folder).id, raw)

    def move(self, box: Mailbox, message_id: str, destination: str) -> StoredMessage:
        """Move a message; like Graph, the moved copy gets a NEW id (and change key)."""
        with self.lock:
            old = box.message(message_id)
            target = box.folder(destination)
            seq = self._next_seq()
            box.folders[old.folder_id].departed[old.id] = seq
            del box.messages[old.id]
            moved = StoredMessage(
                id=new_id(),
                folder_id=target.id,
                mime=old.mime,
                seq=seq,
                received=old.received,
                conversation_id=old.conversation_id,
                is_read=old.is_read,
                categories=list(old.categories),
                extra=dict(old.extra),
                event_id=old.event_id,
            )
            box.messages[moved.id] = moved
            return moved

    def update_message(self, box: Mailbox, message_id: str, patch: dict[str, Any]) -> None:
        """PATCH ``isRead`` / ``categories`` (a change for delta)."""
        with self.lock:
            message = box.message(message_id)
            if "isRead" in patch:
                message.is_read = bool(patch["isRead"])
            if "categories" in patch:
                message.categories = [str(c) for c in patch["categories"]]
            message.seq, message.change_key = self._next_seq(), _change_key()

    def send_mime(self, box: Mailbox, mime: bytes) -> StoredMessage:
        """``sendMail``: keep the Message-ID (add one if missing), save to Sent Items and
        deliver to every recipient that is a mailbox here."""
        with self.lock:
            parsed = BytesParser(policy=policy.default).parsebytes(mime)
            added = [
                f"{name}: {value}\r\n".encode()
                for name, value in (
                    ("Message-ID", make_msgid(domain="fake-graph.test")),
                    ("From", f"{box.display_name} <{box.address}>"),
                )
                if not parsed.get(name)
            ]
            if added:
                mime = b"".join(added) + mime
                parsed = BytesParser(policy=policy.default).parsebytes(mime)
            rcpts = [
                addr.lower()
                for _, addr in getaddresses(
                    [str(parsed.get(h, "")) for h in ("To", "Cc", "Bcc") if parsed.get(h)]
                )
                if addr
            ]
            if not rcpts:
                raise GraphError(
                    400, "ErrorInvalidRecipients", "At least one recipient isn't valid."
                )
            copy = self.store(box, box.folder("sentitems").id, mime, is_read=True)
            self.sent.append(SentMail(box.address, mime, copy.internet_message_id))
            head, blank, body = mime.partition(b"\r\n\r\n" if b"\r\n\r\n" in mime else b"\n\n")
            head = re.sub(rb"(?im)^Bcc:.*(\r?\n[ \t].*)*(\r?\n|$)", b"", head)
            delivered = head + blank + body
            for address in dict.fromkeys(rcpts):
                if address in self.mailboxes:
                    target = self.mailboxes[address]
                    self.store(target, target.folder("inbox").id, delivered)
            return copy

    # -- delta -------------------------------------------------------------------------------

    def expire_delta_links(self, user: str | None = None) -> None:
        """Make every delta (and next) link issued for a mailbox stale: 410 from now on."""
        with self.lock:
            self.mailbox(user).generation += 1

    def delta(
        self,
        box: Mailbox,
        folder_ref: str,
        *,
        deltatoken: str | None,
        skiptoken: str | None,
        select: tuple[str, ...] | None,
        page_size: int,
    ) -> dict[str, Any]:
        """One page of ``messages/delta`` (initial round, next page, or a new round)."""
        with self.lock:
            folder = box.folder(folder_ref)
            if skiptoken is not None:
                pages = self._pages.get(skiptoken)
                if (
                    pages is None
                    or pages.generation != box.generation
                    or (pages.mailbox, pages.folder_id) != (box.address, folder.id)
                ):
                    raise _stale()
                offset = int(skiptoken.rsplit(".", 1)[1])
            else:
                pages = self._start_round(box, folder, deltatoken, select)
                offset = 0
            chunk = pages.items[offset : offset + page_size]
            value = [self._delta_item(box, kind, mid, pages.select) for kind, mid in chunk]
            link_base = f"{self.base_url}/users/{box.user_id}/mailFolders/{folder.id}"
            page: dict[str, Any] = {
                "@odata.context": f"{self.base_url}/$metadata#Collection(message)",
                "value": value,
            }
            if offset + page_size < len(pages.items):
                token = f"{secrets.token_urlsafe(24)}.{offset + page_size}"
                self._pages[token] = pages
                page["@odata.nextLink"] = f"{link_base}/messages/delta?$skiptoken={token}"
            else:
                token = secrets.token_urlsafe(32)
                self._deltas[token] = _DeltaToken(
                    box.address, folder.id, pages.watermark, pages.generation, pages.select
                )
                page["@odata.deltaLink"] = f"{link_base}/messages/delta?$deltatoken={token}"
            return page

    def _start_round(
        self,
        box: Mailbox,
        folder: Folder,
        deltatoken: str | None,
        select: tuple[str, ...] | None,
    ) -> _DeltaPages:
        if deltatoken is None:
            items = [("message", m.id) for m in box.in_folder(folder.id)]
        else:
            state = self._deltas.get(deltatoken)
            if (
                state is None
                or state.generation != box.generation
                or state.mailbox != box.address
                or state.folder_id != folder.id
            ):
                raise _stale()
            select = select or state.select
            changed = [m for m in box.in_folder(folder.id) if m.seq > state.watermark]
            gone = sorted(
                (seq, mid) for mid, seq in folder.departed.items() if seq > state.watermark
            )
            items = [("removed", mid) for _, mid in gone] + [("message", m.id) for m in changed]
        return _DeltaPages(box.address, folder.id, items, self._last_seq, box.generation, select)

    def _delta_item(
        self, box: Mailbox, kind: str, message_id: str, select: tuple[str, ...] | None
    ) -> dict[str, Any]:
        message = box.messages.get(message_id)
        if kind == "removed" or message is None:
            return {
                "@odata.type": "#microsoft.graph.message",
                "id": message_id,
                "@removed": {"reason": "deleted"},
            }
        return self.message_json(box, message, select=select)

    # -- renderings --------------------------------------------------------------------------

    def folder_json(self, box: Mailbox, folder: Folder) -> dict[str, Any]:
        """A ``mailFolder``."""
        with self.lock:
            inside = box.in_folder(folder.id)
            return {
                "id": folder.id,
                "displayName": folder.display_name,
                "parentFolderId": folder.parent_id,
                "childFolderCount": sum(
                    1 for f in box.folders.values() if f.parent_id == folder.id
                ),
                "unreadItemCount": sum(1 for m in inside if not m.is_read),
                "totalItemCount": len(inside),
                "sizeInBytes": sum(len(m.mime) for m in inside),
                "isHidden": False,
            }

    def message_json(
        self,
        box: Mailbox,
        message: StoredMessage,
        *,
        select: Iterable[str] | None = None,
        expand_event: bool = False,
    ) -> dict[str, Any]:
        """A ``message`` (or ``eventMessageResponse``), cut down to ``$select`` if given."""
        with self.lock:
            mime = message.parsed
            text = _text_of(mime)
            sent = _header_time(mime.get("Date")) or message.received
            data: dict[str, Any] = {
                "@odata.type": "#microsoft.graph.message",
                "@odata.etag": f'W/"{message.change_key}"',
                "id": message.id,
                "createdDateTime": message.received,
                "lastModifiedDateTime": message.received,
                "changeKey": message.change_key,
                "categories": list(message.categories),
                "receivedDateTime": message.received,
                "sentDateTime": sent,
                "hasAttachments": any(True for _ in mime.iter_attachments())
                if mime.is_multipart()
                else False,
                "internetMessageId": message.internet_message_id,
                "subject": str(mime.get("Subject", "")),
                "bodyPreview": _preview(text),
                "importance": "normal",
                "parentFolderId": message.folder_id,
                "conversationId": message.conversation_id,
                "isDeliveryReceiptRequested": False,
                "isReadReceiptRequested": False,
                "isRead": message.is_read,
                "isDraft": False,
                "webLink": f"https://outlook.office365.com/owa/?ItemID={message.id}",
                "inferenceClassification": "focused",
                "body": {"contentType": "text", "content": text},
                "sender": _first(str(mime.get("Sender") or mime.get("From", ""))),
                "from": _first(str(mime.get("From", ""))),
                "toRecipients": _recipients(str(mime.get("To", ""))),
                "ccRecipients": _recipients(str(mime.get("Cc", ""))),
                "bccRecipients": _recipients(str(mime.get("Bcc", ""))),
                "replyTo": _recipients(str(mime.get("Reply-To", ""))),
                "flag": {"flagStatus": "notFlagged"},
            }
            data.update(message.extra)
            if message.event_id is not None:
                link = f"{self.base_url}/users('{box.user_id}')/events('{message.event_id}')"
                data["event@odata.associationLink"] = f"{link}/$ref"
                data["event@odata.navigationLink"] = link
                if expand_event and message.event_id in box.events:
                    data["event"] = self.event_json(box, box.events[message.event_id])
            if select is not None:
                wanted = set(select)
                if "internetMessageHeaders" in wanted:
                    data["internetMessageHeaders"] = [
                        {"name": k, "value": str(v)} for k, v in mime.items()
                    ]
                keep = wanted | {"id", "@odata.type", "@odata.etag", "event"}
                data = {k: v for k, v in data.items() if k in keep or k.startswith("event@")}
            return data

    def event_json(
        self,
        box: Mailbox,
        event: Event,
        *,
        zone: str | None = None,
        expand_ids: Iterable[str] | None = None,
        select: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        """An ``event``; extended properties only when ``$expand`` names them."""
        with self.lock:
            fields = event.fields
            location = fields.get("location") or {"displayName": ""}
            data: dict[str, Any] = {
                "@odata.etag": f'W/"{event.change_key}"',
                "id": event.id,
                "createdDateTime": event.created,
                "lastModifiedDateTime": event.modified,
                "changeKey": event.change_key,
                "categories": fields.get("categories", []),
                "transactionId": event.transaction_id,
                "originalStartTimeZone": event.start.raw["timeZone"],
                "originalEndTimeZone": event.end.raw["timeZone"],
                "iCalUId": event.ical_uid,
                "uid": event.ical_uid,
                "reminderMinutesBeforeStart": fields.get("reminderMinutesBeforeStart", 15),
                "isReminderOn": fields.get("isReminderOn", True),
                "hasAttachments": False,
                "subject": fields.get("subject", ""),
                "bodyPreview": _preview(str((fields.get("body") or {}).get("content", ""))),
                "importance": fields.get("importance", "normal"),
                "sensitivity": fields.get("sensitivity", "normal"),
                "isAllDay": False,
                "isCancelled": event.cancelled,
                "isOrganizer": True,
                "responseRequested": fields.get("responseRequested", True),
                "seriesMasterId": None,
                "showAs": fields.get("showAs", "busy"),
                "type": "singleInstance",
                "webLink": f"https://outlook.office365.com/owa/?itemid={event.id}",
                "onlineMeetingUrl": None,
                "isOnlineMeeting": fields.get("isOnlineMeeting", False),
                "onlineMeetingProvider": "unknown",
                "allowNewTimeProposals": fields.get("allowNewTimeProposals", True),
                "hideAttendees": fields.get("hideAttendees", False),
                "responseStatus": {"response": "organizer", "time": NO_RESPONSE_TIME},
                "body": fields.get("body") or {"contentType": "html", "content": ""},
                "start": event.start.render(zone),
                "end": event.end.render(zone),
                "location": {"locationType": "default", "uniqueIdType": "unknown", **location},
                "locations": fields.get("locations")
                or ([location] if location.get("displayName") else []),
                "recurrence": None,
                "attendees": [dict(a) for a in event.attendees],
                "organizer": {"emailAddress": {"name": box.display_name, "address": box.address}},
            }
            if expand_ids is not None:
                wanted = {i.lower() for i in expand_ids}
                data["singleValueExtendedProperties"] = [
                    {"id": pid, "value": value}
                    for key, (pid, value) in event.extended.items()
                    if key in wanted
                ]
            if select is not None:
                keep = set(select) | {"id", "@odata.etag", "singleValueExtendedProperties"}
                data = {k: v for k, v in data.items() if k in keep}
            return data

    # -- calendar ----------------------------------------------------------------------------

    def create_event(self, box: Mailbox, body: dict[str, Any]) -> tuple[Event, bool]:
        """``POST /events``; returns (event, created). A repeated ``transactionId`` returns
        the event made the first time, as Graph does for retried creates."""
        with self.lock:
            transaction = body.get("transactionId")
            if transaction:
                for existing in box.events.values():
                    if existing.transaction_id == transaction:
                        return existing, False
            if "start" not in body or "end" not in body:
                raise GraphError(400, "ErrorInvalidRequest", "An event needs start and end.")
            event = Event(
                id=new_id("AAMkAGZha2UtZXZlbnQARgAA"),
                ical_uid="040000008200E00074C5B7101A82E008" + secrets.token_hex(28).upper(),
                start=EventTime.parse(body["start"], "start"),
                end=EventTime.parse(body["end"], "end"),
                fields={k: body[k] for k in EVENT_FIELDS if k in body},
                attendees=[_attendee(a) for a in body.get("attendees") or []],
                extended=_extended(body.get("singleValueExtendedProperties") or []),
                transaction_id=transaction,
            )
            box.events[event.id] = event
            if event.attendees:
                self._notify("request", event, [_address(a) for a in event.attendees])
            return event, True

    def update_event(self, box: Mailbox, event_id: str, patch: dict[str, Any]) -> Event:
        """``PATCH /events/{id}``. Who is told: everyone when the time, place, subject or
        body changes (and everyone's answer is reset when the time moves); only added
        attendees (a request) and removed ones (a cancellation) when only attendees change;
        nobody for extended properties and the like."""
        with self.lock:
            event = box.event(event_id)
            if event.cancelled:
                raise GraphError(400, "ErrorInvalidRequest", "The meeting is cancelled.")
            before = [_address(a) for a in event.attendees]
            changed: set[str] = set()
            for name in ("start", "end"):
                if name in patch:
                    new = EventTime.parse(patch[name], name)
                    old: EventTime = getattr(event, name)
                    if (new.instant, new.raw if new.instant is None else None) != (
                        old.instant,
                        old.raw if old.instant is None else None,
                    ):
                        changed.add(name)
                    setattr(event, name, new)
            for name in EVENT_FIELDS:
                if name in patch and patch[name] != event.fields.get(name):
                    event.fields[name] = patch[name]
                    changed.add(name)
            if "singleValueExtendedProperties" in patch:
                event.extended.update(_extended(patch["singleValueExtendedProperties"]))
            if "attendees" in patch:
                old_status = {_address(a): a["status"] for a in event.attendees}
                event.attendees = [_attendee(a) for a in patch["attendees"] or []]
                for attendee in event.attendees:
                    attendee["status"] = old_status.get(_address(attendee), attendee["status"])
            after = [_address(a) for a in event.attendees]
            added = [a for a in after if a not in before]
            removed = [a for a in before if a not in after]
            if changed & {"start", "end"}:
                for attendee in event.attendees:
                    attendee["status"] = {"response": "none", "time": NO_RESPONSE_TIME}
            if changed & NOTIFY_ALL_FIELDS:
                self._notify("update", event, after)
            elif added:
                self._notify("request", event, added)
            if removed:
                self._notify("cancel", event, removed)
            event.touch()
            return event

    def cancel_event(self, box: Mailbox, event_id: str, comment: str | None) -> Event:
        """``POST /events/{id}/cancel``: cancelled, every attendee told (with the comment)."""
        with self.lock:
            event = box.event(event_id)
            if event.cancelled:
                raise GraphError(400, "ErrorInvalidRequest", "The meeting is already cancelled.")
            event.cancelled = True
            event.touch()
            self._notify("cancel", event, [_address(a) for a in event.attendees], comment)
            return event

    def forward_event(
        self, box: Mailbox, event_id: str, recipients: list[Any], comment: str | None
    ) -> None:
        """``POST /events/{id}/forward``: the meeting request again, to ``recipients``."""
        with self.lock:
            event = box.event(event_id)
            if event.cancelled:
                raise GraphError(400, "ErrorInvalidRequest", "The meeting is cancelled.")
            self._notify("request", event, [_address(r) for r in recipients], comment)

    def delete_event(self, box: Mailbox, event_id: str) -> None:
        """``DELETE /events/{id}``: gone; attendees of a live meeting get a cancellation."""
        with self.lock:
            event = box.event(event_id)
            if not event.cancelled and event.attendees:
                self._notify("cancel", event, [_address(a) for a in event.attendees])
            del box.events[event_id]

    def _notify(
        self,
        kind: Literal["request", "update", "cancel"],
        event: Event,
        recipients: Iterable[str],
        comment: str | None = None,
    ) -> None:
        self.notifications.append(Notification(kind, event.id, tuple(recipients), comment))

    def find_events(self, key: str) -> Iterator[tuple[Mailbox, Event]]:
        """Events whose id, or any extended property value, equals ``key``."""
        with self.lock:
            for box in self.mailboxes.values():
                for event in box.events.values():
                    if event.id == key or any(v == key for _, v in event.extended.values()):
                        yield box, event

    def respond(
        self,
        event_id_or_idem: str,
        attendee: str,
        response: Literal["accepted", "declined", "tentativelyAccepted"],
        comment: str | None = None,
        proposed_start: datetime | str | None = None,
        proposed_end: datetime | str | None = None,
    ) -> StoredMessage:
        """An attendee answers: the organizer's event shows it, and an
        ``eventMessageResponse`` (MIME: text plus a METHOD:REPLY or COUNTER calendar part)
        arrives in the organizer's inbox. Returns that message."""
        with self.lock:
            found = list(self.find_events(event_id_or_idem))
            if len(found) != 1:
                raise KeyError(f"{len(found)} events match {event_id_or_idem!r}")
            box, event = found[0]
            if response not in RESPONSES:
                raise ValueError(f"unknown response {response!r}")
            proposal = None
            if proposed_start is not None or proposed_end is not None:
                if response == "accepted" or proposed_start is None or proposed_end is None:
                    raise ValueError("a new time needs start and end, and declined/tentative")
                proposal = {
                    "start": graph_datetime(_instant(proposed_start)),
                    "end": graph_datetime(_instant(proposed_end)),
                }
            entry = next((a for a in event.attendees if _address(a) == attendee.lower()), None)
            if entry is None:
                raise KeyError(f"{attendee} is not an attendee of {event.id}")
            entry["status"] = {"response": response, "time": utc_now()}
            if proposal:
                entry["proposedNewTime"] = proposal
            event.touch()
            message_type, prefix, partstat = RESPONSES[response]
            extra = {
                "@odata.type": "#microsoft.graph.eventMessageResponse",
                "meetingMessageType": message_type,
                "responseType": response,
                "proposedNewTime": proposal,
                "isOutOfDate": False,
                "isAllDay": False,
                "isDelegated": False,
                "type": "singleInstance",
                "startDateTime": event.start.render(None),
                "endDateTime": event.end.render(None),
                "location": event.fields.get("location") or {"displayName": ""},
            }
            name = entry["emailAddress"].get("name") or attendee
            mime = _response_mime(box, event, attendee, name, prefix, partstat, comment, proposal)
            return self.store(box, box.folder("inbox").id, mime, extra=extra, event_id=event.id)

    # -- concurrency -------------------------------------------------------------------------

    @contextmanager
    def in_flight(self, mailbox: str | None) -> Iterator[int]:
        """Count a request against a mailbox while it runs; yields the count including it."""
        if mailbox is None:
            yield 0
            return
        key = mailbox.lower()
        with self._flight_lock:
            now = self._in_flight.get(key, 0) + 1
            self._in_flight[key] = now
            self._peak[key] = max(self._peak.get(key, 0), now)
        try:
            yield now
        finally:
            with self._flight_lock:
                self._in_flight[key] -= 1

    def peak_concurrency(self, mailbox: str | None = None) -> int:
        """The most requests for one mailbox (the primary one unless named) that were in
        flight at the same time."""
        with self._flight_lock:
            return self._peak.get((mailbox or self.primary).lower(), 0)

    def reset_concurrency(self) -> None:
        """Forget the recorded peaks."""
        with self._flight_lock:
            self._peak.clear()


def _stale() -> GraphError:
    return GraphError(
        410,
        "syncStateNotFound",
        "The sync state generation is not found. The delta token is expired and data must be "
        "synchronized again.",
    )


def _attendee(value: Any) -> dict[str, Any]:
    address = _address(value)
    kind = value.get("type", "required")
    if kind not in ATTENDEE_TYPES:
        raise GraphError(400, "ErrorInvalidRequest", f"Invalid attendee type {kind!r}.")
    email = value["emailAddress"]
    return {
        "type": kind,
        "status": {"response": "none", "time": NO_RESPONSE_TIME},
        "emailAddress": {"name": email.get("name") or address, "address": email["address"]},
    }


def _extended(values: Any) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for prop in values:
        try:
            out[str(prop["id"]).lower()] = (str(prop["id"]), str(prop["value"]))
        except (KeyError, TypeError):
            raise GraphError(
                400, "ErrorInvalidRequest", f"Invalid extended property {prop!r}."
            ) from None
    return out


def _instant(value: datetime | str) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _preview(text: str) -> str:
    return " ".join(text.split())[:255]


def _text_of(message: EmailMessage) -> str:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
        return str(part.get_content()) if isinstance(part, EmailMessage) else ""
    except (KeyError, LookupError, ValueError):
        return ""


def _header_time(value: Any) -> str | None:
    try:
        moment = parsedate_to_datetime(str(value)) if value else None
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ics_time(when: datetime | None) -> str:
    return (when or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _response_mime(
    box: Mailbox,
    event: Event,
    attendee: str,
    name: str,
    prefix: str,
    partstat: str,
    comment: str | None,
    proposal: dict[str, Any] | None,
) -> bytes:
    """A simple MIME rendering of an attendee's answer (text + text/calendar)."""
    subject = event.fields.get("subject", "")
    method = "COUNTER" if proposal else "REPLY"
    start, end = event.start.instant, event.end.instant
    if proposal:
        start = datetime.fromisoformat(proposal["start"]["dateTime"]).replace(tzinfo=UTC)
        end = datetime.fromisoformat(proposal["end"]["dateTime"]).replace(tzinfo=UTC)
    lines = [
        "BEGIN:VCALENDAR",
        f"METHOD:{method}",
        "PRODID:-//meetingd tests//fake Graph//EN",
        "VERSION:2.0",
        "BEGIN:VEVENT",
        f"UID:{event.ical_uid}",
        f"DTSTAMP:{_ics_time(None)}",
        f"DTSTART:{_ics_time(start)}",
        f"DTEND:{_ics_time(end)}",
        f"SUMMARY:{subject}",
        f"ORGANIZER;CN={box.display_name}:mailto:{box.address}",
        f"ATTENDEE;PARTSTAT={partstat};CN={name}:mailto:{attendee}",
        *([f"COMMENT:{comment}"] if comment else []),
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    message = EmailMessage()
    message["From"] = attendee if name == attendee else f"{name} <{attendee}>"
    message["To"] = f"{box.display_name} <{box.address}>"
    message["Subject"] = f"{'New Time Proposed' if proposal else prefix}: {subject}"
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="fake-graph.test")
    message.set_content(comment or "")
    message.add_alternative(
        "\r\n".join(lines), subtype="calendar", params={"method": method}, cte="8bit"
    )
    return message.as_bytes(policy=policy.SMTP)
