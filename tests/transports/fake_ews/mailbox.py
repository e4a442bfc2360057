"""In-memory state of one Exchange mailbox for the fake EWS server.

A :class:`Mailbox` holds :class:`Folder` objects (the distinguished ones are created up front)
and items: :class:`Message`, :class:`CalendarItem`, :class:`MeetingResponse` and
:class:`MeetingMessage`. Ids and change keys are opaque base64 strings, as on Exchange. Every
change bumps the item's change key; changes that are more than the read flag also bump its
``version``, which is what ``SyncFolderItems`` reports as an *Update* (the read flag alone is a
*ReadFlagChange*).

Test helpers: :meth:`Mailbox.deliver_mime` (someone's mail arrives), :meth:`Mailbox.respond`
(an attendee answers a meeting: the organizer's item and a response in the inbox),
:meth:`Mailbox.forward_notification` (an attendee forwarded the meeting), and accessors such as
:meth:`Mailbox.sent_items`, :meth:`Mailbox.calendar_items`, :meth:`Mailbox.find_calendar_item`.
:attr:`Mailbox.transmissions` records every mail the "server" sent out (messages, meeting
requests, updates, cancellations) with its recipients and sequence number.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import email.utils
import itertools
import threading
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import ClassVar, Literal

ResponseType = Literal[
    "Unknown", "Organizer", "Tentative", "Accept", "Decline", "NoResponseReceived"
]

#: The distinguished folders the fake has: id -> (display name, FolderClass, element, parent).
DISTINGUISHED: dict[str, tuple[str, str | None, str, str | None]] = {
    "root": ("Root", None, "Folder", None),
    "msgfolderroot": ("Top of Information Store", "IPF.Note", "Folder", "root"),
    "inbox": ("Inbox", "IPF.Note", "Folder", "msgfolderroot"),
    "calendar": ("Calendar", "IPF.Appointment", "CalendarFolder", "msgfolderroot"),
    "sentitems": ("Sent Items", "IPF.Note", "Folder", "msgfolderroot"),
    "deleteditems": ("Deleted Items", "IPF.Note", "Folder", "msgfolderroot"),
    "drafts": ("Drafts", "IPF.Note", "Folder", "msgfolderroot"),
}

#: Display names Exchange 2016 gives some Windows zones (``StartTimeZone/@Name``).
ZONE_NAMES = {
    "China Standard Time": "(UTC+08:00) Beijing, Chongqing, Hong Kong, Urumqi",
    "UTC": "(UTC) Coordinated Universal Time",
    "W. Europe Standard Time": "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
    "Tokyo Standard Time": "(UTC+09:00) Osaka, Sapporo, Tokyo",
    "Eastern Standard Time": "(UTC-05:00) Eastern Time (US & Canada)",
}

RESPONSE_ITEM_CLASS = {
    "Accept": "IPM.Schedule.Meeting.Resp.Pos",
    "Decline": "IPM.Schedule.Meeting.Resp.Neg",
    "Tentative": "IPM.Schedule.Meeting.Resp.Tent",
}
_RESPONSE_SUBJECT = {"Accept": "Accepted", "Decline": "Declined", "Tentative": "Tentative"}
_PARTSTAT = {"Accept": "ACCEPTED", "Decline": "DECLINED", "Tentative": "TENTATIVE"}

_ids = itertools.count(1)


def _opaque(kind: str, number: int) -> str:
    return base64.b64encode(f"fake-ews:{kind}:{number:06d}".encode()).decode()


def utcnow() -> dt.datetime:
    """Now, aware, in UTC, to the second (Exchange stores no fractions in these fields)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Address:
    """A mailbox as EWS writes it (``t:Mailbox``): address and optional display name."""

    email: str
    name: str | None = None
    routing_type: str = "SMTP"

    @classmethod
    def parse(cls, value: str | Address) -> Address:
        """``"Name <a@b>"`` or ``"a@b"`` (or an Address) to an Address."""
        if isinstance(value, Address):
            return value
        name, addr = email.utils.parseaddr(value)
        return cls(addr or value, name or None)


@dataclass
class Attendee:
    """One attendee of a calendar item and the answer the organizer's copy records."""

    address: Address
    response_type: ResponseType = "Unknown"
    last_response_time: dt.datetime | None = None
    proposed_start: dt.datetime | None = None
    proposed_end: dt.datetime | None = None


@dataclass(frozen=True)
class ExtendedFieldUri:
    """The attributes of ``t:ExtendedFieldURI`` that identify one MAPI property."""

    distinguished_property_set_id: str | None = None
    property_set_id: str | None = None
    property_tag: str | None = None
    property_name: str | None = None
    property_id: str | None = None
    property_type: str = "String"

    def key(self) -> tuple[str | None, ...]:
        """Normalised identity: GUID lower-cased, tag as 0x-hex, type excluded."""
        tag = self.property_tag
        if tag is not None:
            tag = hex(int(tag, 16) if tag.lower().startswith("0x") else int(tag))
        return (
            self.distinguished_property_set_id,
            self.property_set_id.lower() if self.property_set_id else None,
            tag,
            self.property_name,
            self.property_id,
        )


ExtendedValue = str | list[str]


@dataclass(eq=False)
class Item:
    """Fields every item has. ``id``/``change_key``/``folder_id`` are set by :meth:`Mailbox.add`."""

    ELEMENT: ClassVar[str] = "Item"

    subject: str = ""
    body: str | None = None
    body_type: str = "Text"
    item_class: str = "IPM"
    importance: str = "Normal"
    sensitivity: str = "Normal"
    categories: list[str] = field(default_factory=list)
    extended: dict[ExtendedFieldUri, ExtendedValue] = field(default_factory=dict)
    mime: bytes | None = None
    datetime_received: dt.datetime = field(default_factory=utcnow)
    datetime_created: dt.datetime = field(default_factory=utcnow)
    last_modified_time: dt.datetime = field(default_factory=utcnow)
    id: str = ""
    change_key: str = ""
    folder_id: str = ""
    version: int = 0
    order: int = 0

    def get_extended(self, name: str) -> ExtendedValue | None:
        """Value of the extended property called ``name`` (any property set), or None."""
        for uri, value in self.extended.items():
            if uri.property_name == name:
                return value
        return None

    @property
    def size(self) -> int:
        """Rough size in bytes (the MIME if any)."""
        return len(self.mime or b"") or len(self.subject) + len(self.body or "") + 200


@dataclass(eq=False)
class Message(Item):
    """An e-mail (``t:Message``)."""

    ELEMENT: ClassVar[str] = "Message"

    item_class: str = "IPM.Note"
    sender: Address | None = None
    author: Address | None = None
    to_recipients: list[Address] = field(default_factory=list)
    cc_recipients: list[Address] = field(default_factory=list)
    bcc_recipients: list[Address] = field(default_factory=list)
    message_id: str | None = None
    in_reply_to: str | None = None
    references: str | None = None
    is_read: bool = False
    is_draft: bool = False
    datetime_sent: dt.datetime | None = None


@dataclass(eq=False)
class CalendarItem(Item):
    """A calendar item in the organizer's calendar (``t:CalendarItem``); times are UTC."""

    ELEMENT: ClassVar[str] = "CalendarItem"

    item_class: str = "IPM.Appointment"
    start: dt.datetime = field(default_factory=utcnow)
    end: dt.datetime = field(default_factory=utcnow)
    start_timezone: str | None = "UTC"
    end_timezone: str | None = "UTC"
    is_all_day: bool = False
    location: str | None = None
    legacy_free_busy_status: str = "Busy"
    organizer: Address | None = None
    required_attendees: list[Attendee] = field(default_factory=list)
    optional_attendees: list[Attendee] = field(default_factory=list)
    resources: list[Attendee] = field(default_factory=list)
    appointment_sequence_number: int = 0
    is_cancelled: bool = False
    is_meeting: bool = False
    meeting_request_was_sent: bool = False
    is_response_requested: bool = True
    my_response_type: ResponseType = "Organizer"
    uid: str = field(default_factory=lambda: uuid.uuid4().hex.upper())
    calendar_item_type: str = "Single"

    @property
    def attendees(self) -> list[Attendee]:
        """Required, optional and resource attendees, in that order."""
        return [*self.required_attendees, *self.optional_attendees, *self.resources]

    def attendee(self, address: str) -> Attendee:
        """The attendee with this address (case-insensitive); KeyError if none."""
        for attendee in self.attendees:
            if attendee.address.email.lower() == address.lower():
                return attendee
        raise KeyError(address)

    @property
    def appointment_state(self) -> int:
        """MAPI appointment state bits: 1 meeting, 2 received, 4 cancelled."""
        return (1 if self.is_meeting else 0) | (4 if self.is_cancelled else 0)

    @property
    def duration(self) -> str:
        """xs:duration of the meeting."""
        minutes = int((self.end - self.start).total_seconds() // 60)
        return f"PT{minutes // 60}H{minutes % 60}M" if minutes % 60 else f"PT{minutes // 60}H"


@dataclass(eq=False)
class MeetingResponse(Message):
    """An attendee's answer as Exchange files it in the organizer's inbox."""

    ELEMENT: ClassVar[str] = "MeetingResponse"

    item_class: str = "IPM.Schedule.Meeting.Resp.Pos"
    response_type: ResponseType = "Accept"
    associated_calendar_item_id: str | None = None
    associated_change_key: str | None = None
    proposed_start: dt.datetime | None = None
    proposed_end: dt.datetime | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    location: str | None = None


@dataclass(eq=False)
class MeetingMessage(Message):
    """Other meeting mail, e.g. a meeting forward notification (``t:MeetingMessage``)."""

    ELEMENT: ClassVar[str] = "MeetingMessage"

    item_class: str = "IPM.Schedule.Meeting.Notification.Forward"
    response_type: ResponseType = "Organizer"
    associated_calendar_item_id: str | None = None
    associated_change_key: str | None = None
    forwarded_to: list[Address] = field(default_factory=list)


@dataclass(eq=False)
class MeetingRequest(MeetingMessage):
    """The organizer's saved copy of a meeting request or update (in Sent Items)."""

    ELEMENT: ClassVar[str] = "MeetingRequest"

    item_class: str = "IPM.Schedule.Meeting.Request"
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    location: str | None = None


@dataclass(eq=False)
class MeetingCancellation(MeetingRequest):
    """The organizer's saved copy of a meeting cancellation (in Sent Items)."""

    ELEMENT: ClassVar[str] = "MeetingCancellation"

    item_class: str = "IPM.Schedule.Meeting.Canceled"


@dataclass(eq=False)
class Folder:
    """A mail folder; ``element`` is the EWS element name (``Folder``, ``CalendarFolder``)."""

    id: str
    name: str
    parent_id: str | None
    folder_class: str | None = "IPF.Note"
    element: str = "Folder"
    distinguished: str | None = None
    change_key: str = ""


@dataclass(frozen=True)
class Transmission:
    """One mail the server sent on the mailbox's behalf.

    ``kind`` is ``message``, ``meeting_request``, ``meeting_update`` or ``meeting_cancellation``.
    """

    kind: str
    recipients: tuple[str, ...]
    subject: str
    item_id: str
    sequence: int | None = None
    message_id: str | None = None
    mime: bytes | None = None
    body: str | None = None


@dataclass
class SyncSnapshot:
    """What a client holding a sync state has seen: item id -> (version, is_read)."""

    folder_id: str
    seen: dict[str, tuple[int, bool]]


class Mailbox:
    """The whole mailbox: folders, items, sync states, what was sent. Guarded by ``lock``."""

    def __init__(self, address: str = "organizer@example.test", name: str = "Meeting Organizer"):
        self.owner = Address(address, name)
        self.lock = threading.RLock()
        self.folders: dict[str, Folder] = {}
        self.items: dict[str, Item] = {}
        self.transmissions: list[Transmission] = []
        self.sync_states: dict[str, SyncSnapshot] = {}
        self._order = itertools.count(1)
        self._changes = itertools.count(1)
        for distinguished, (name_, klass, element, parent) in DISTINGUISHED.items():
            parent_id = self.folders[parent].id if parent else None
            folder = Folder(
                _opaque("folder", next(_ids)), name_, parent_id, klass, element, distinguished
            )
            folder.change_key = self._change_key()
            self.folders[distinguished] = folder

    # -- folders -------------------------------------------------------------------------

    def _change_key(self) -> str:
        return base64.b64encode(f"ck:{next(self._changes):08d}".encode()).decode()

    def folder(self, ref: str) -> Folder:
        """A folder by distinguished id (``inbox``), id or display name; KeyError if none."""
        with self.lock:
            if ref in self.folders:
                return self.folders[ref]
            for folder in self.folders.values():
                if ref in (folder.id, folder.name):
                    return folder
        raise KeyError(ref)

    def folder_by_id(self, folder_id: str) -> Folder | None:
        """The folder with this opaque id, or None."""
        with self.lock:
            return next((f for f in self.folders.values() if f.id == folder_id), None)

    def create_folder(
        self, name: str, parent: str = "inbox", folder_class: str | None = "IPF.Note"
    ) -> Folder:
        """Create a folder under ``parent`` (distinguished id, id or name)."""
        with self.lock:
            parent_folder = self.folder(parent)
            folder = Folder(
                _opaque("folder", next(_ids)),
                name,
                parent_folder.id,
                folder_class,
                "CalendarFolder" if folder_class == "IPF.Appointment" else "Folder",
            )
            folder.change_key = self._change_key()
            self.folders[folder.id] = folder
            return folder

    def children(self, folder_id: str) -> list[Folder]:
        """Direct subfolders of a folder."""
        with self.lock:
            return [f for f in self.folders.values() if f.parent_id == folder_id]

    def descendants(self, folder_id: str) -> list[Folder]:
        """All subfolders at any depth, parents before children."""
        out: list[Folder] = []
        for child in self.children(folder_id):
            out.append(child)
            out.extend(self.descendants(child.id))
        return out

    def items_in(self, folder: str) -> list[Item]:
        """Items in a folder (distinguished id, id or name), oldest first."""
        with self.lock:
            folder_id = self.folder(folder).id
            return sorted(
                (i for i in self.items.values() if i.folder_id == folder_id), key=lambda i: i.order
            )

    # -- items ---------------------------------------------------------------------------

    def add(self, item: Item, folder: str) -> Item:
        """Store a new item in ``folder``; assigns id, change key and order."""
        with self.lock:
            item.id = _opaque("item", next(_ids))
            item.change_key = self._change_key()
            item.folder_id = self.folder(folder).id
            item.order = next(self._order)
            self.items[item.id] = item
            return item

    def touch(self, item: Item, *, read_flag_only: bool = False) -> None:
        """Record a change to ``item``: new change key; a new version unless only the flag."""
        with self.lock:
            item.change_key = self._change_key()
            item.last_modified_time = utcnow()
            if not read_flag_only:
                item.version += 1

    def move(self, item_id: str, folder: str) -> Item:
        """Move an item; like Exchange, the moved item gets a new id."""
        with self.lock:
            item = self.items.pop(item_id)
            item.id = _opaque("item", next(_ids))
            item.change_key = self._change_key()
            item.folder_id = self.folder(folder).id
            self.items[item.id] = item
            return item

    def remove(self, item_id: str) -> Item:
        """Delete an item for good."""
        with self.lock:
            return self.items.pop(item_id)

    def get(self, item_id: str) -> Item:
        """An item by id; KeyError if none."""
        with self.lock:
            return self.items[item_id]

    # -- test helpers --------------------------------------------------------------------

    def deliver_mime(
        self, folder: str, raw: bytes, *, is_read: bool = False, item_class: str = "IPM.Note"
    ) -> Message:
        """Someone's mail arrives in ``folder``: a Message parsed from RFC 5322 ``raw`` bytes."""
        msg = message_from_mime(raw, item_class=item_class)
        msg.is_read = is_read
        msg.datetime_received = utcnow()
        with self.lock:
            self.add(msg, folder)
        return msg

    def sent_items(self) -> list[Message]:
        """Messages in Sent Items, oldest first."""
        return [i for i in self.items_in("sentitems") if isinstance(i, Message)]

    def inbox_items(self) -> list[Item]:
        """Items in the inbox, oldest first."""
        return self.items_in("inbox")

    def calendar_items(self) -> list[CalendarItem]:
        """Calendar items in the calendar folder, oldest first."""
        return [i for i in self.items_in("calendar") if isinstance(i, CalendarItem)]

    def find_calendar_item(self, ref: str) -> CalendarItem:
        """A calendar item by id, by UID or by the value of any string extended property."""
        with self.lock:
            for item in self.items.values():
                if not isinstance(item, CalendarItem):
                    continue
                if ref in (item.id, item.uid) or ref in item.extended.values():
                    return item
        raise KeyError(ref)

    def respond(
        self,
        calendar_item: str,
        attendee: str,
        response: Literal["Accept", "Decline", "Tentative"],
        comment: str | None = None,
        proposed_start: dt.datetime | None = None,
        proposed_end: dt.datetime | None = None,
    ) -> MeetingResponse:
        """An attendee answers: the organizer's item records it and a response lands in the inbox.

        ``calendar_item`` is an item id, UID or extended property value (e.g. an idempotency
        key). A counter-proposal passes ``proposed_start``/``proposed_end`` (Exchange files it as
        ``IPM.Schedule.Meeting.Resp.Tent`` unless the response says otherwise).
        """
        if response not in RESPONSE_ITEM_CLASS:
            raise ValueError(f"response must be Accept, Decline or Tentative, not {response!r}")
        with self.lock:
            item = self.find_calendar_item(calendar_item)
            who = item.attendee(attendee)
            now = utcnow()
            who.response_type = response
            who.last_response_time = now
            who.proposed_start, who.proposed_end = proposed_start, proposed_end
            self.touch(item)
            subject = f"{_RESPONSE_SUBJECT[response]}: {item.subject}"
            mime = _response_mime(
                self.owner,
                who.address,
                item,
                response,
                subject,
                comment,
                proposed_start,
                proposed_end,
            )
            message_id = str(email.message_from_bytes(mime)["Message-ID"])
            reply = MeetingResponse(
                subject=subject,
                body=comment or "",
                item_class=RESPONSE_ITEM_CLASS[response],
                response_type=response,
                sender=who.address,
                author=who.address,
                to_recipients=[self.owner],
                message_id=message_id,
                datetime_sent=now,
                datetime_received=now,
                associated_calendar_item_id=item.id,
                associated_change_key=item.change_key,
                proposed_start=proposed_start,
                proposed_end=proposed_end,
                start=item.start,
                end=item.end,
                location=item.location,
                mime=mime,
            )
            self.add(reply, "inbox")
            return reply

    def forward_notification(
        self, calendar_item: str, forwarded_by: str, new_attendees: list[str]
    ) -> MeetingMessage:
        """An attendee forwarded the meeting: Exchange adds the people it went to (those not
        listed yet) to the organizer's item as optional attendees, as Exchange 2016 does,
        and files a ``MeetingMessage`` of class ``IPM.Schedule.Meeting.Notification.Forward``
        from the forwarder in the inbox, the people named in its body."""
        with self.lock:
            item = self.find_calendar_item(calendar_item)
            by = Address.parse(forwarded_by)
            new = [Address.parse(a) for a in new_attendees]
            on_item = {a.address.email.lower() for a in item.attendees}
            added = [a for a in new if a.email.lower() not in on_item]
            if added:
                item.optional_attendees.extend(Attendee(a) for a in added)
                self.touch(item)
            listed = "\n".join(f"{a.name or a.email} <{a.email}>" for a in new)
            body = (
                "Your meeting was forwarded\n\n"
                f"{by.name or by.email} has forwarded your meeting request to additional "
                f"recipients.\n\nMeeting\n{item.subject}\n\nRecipients\n{listed}\n"
            )
            subject = f"Meeting Forward Notification: {item.subject}"
            mime = _plain_mime(by, [self.owner], subject, body)
            note = MeetingMessage(
                subject=subject,
                body=body,
                sender=by,
                author=by,
                to_recipients=[self.owner],
                message_id=str(mime["Message-ID"]),
                datetime_sent=utcnow(),
                associated_calendar_item_id=item.id,
                associated_change_key=item.change_key,
                forwarded_to=new,
                mime=as_bytes(mime),
            )
            self.add(note, "inbox")
            return note

    def record(self, transmission: Transmission) -> None:
        """Append to :attr:`transmissions`."""
        with self.lock:
            self.transmissions.append(transmission)


def _message_id() -> str:
    return f"<{uuid.uuid4().hex}@fake-ews.example.test>"


def _plain_mime(sender: Address, to: list[Address], subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = email.utils.formataddr((sender.name or "", sender.email))
    msg["To"] = ", ".join(email.utils.formataddr((a.name or "", a.email)) for a in to)
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(utcnow())
    msg["Message-ID"] = _message_id()
    msg.set_content(body)
    return msg


def as_bytes(msg: EmailMessage) -> bytes:
    """A message as Exchange hands out MIME: CRLF line ends."""
    return msg.as_bytes(policy=email.policy.SMTP)


def _ics_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _response_mime(
    organizer: Address,
    attendee: Address,
    item: CalendarItem,
    response: str,
    subject: str,
    comment: str | None,
    proposed_start: dt.datetime | None,
    proposed_end: dt.datetime | None,
) -> bytes:
    """The MIME Exchange would produce: the comment plus a METHOD:REPLY (or COUNTER) part."""
    msg = _plain_mime(attendee, [organizer], subject, comment or "")
    counter = proposed_start is not None and proposed_end is not None
    start, end = (proposed_start, proposed_end) if counter else (item.start, item.end)
    assert start is not None and end is not None
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:Microsoft Exchange Server 2010",
        "VERSION:2.0",
        f"METHOD:{'COUNTER' if counter else 'REPLY'}",
        "BEGIN:VEVENT",
        f"ATTENDEE;PARTSTAT={_PARTSTAT[response]};CN={attendee.name or attendee.email}:"
        f"mailto:{attendee.email}",
        f"ORGANIZER:mailto:{organizer.email}",
        f"UID:{item.uid}",
        f"SEQUENCE:{item.appointment_sequence_number}",
        f"SUMMARY:{subject}",
        f"DTSTART:{_ics_time(start)}",
        f"DTEND:{_ics_time(end)}",
        f"DTSTAMP:{_ics_time(utcnow())}",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    method = "COUNTER" if counter else "REPLY"
    msg.add_alternative("\r\n".join(lines), subtype="calendar", params={"method": method})
    return as_bytes(msg)


def message_from_mime(raw: bytes, item_class: str = "IPM.Note") -> Message:
    """A :class:`Message` whose fields come from the MIME headers and first text part."""
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)

    def addresses(header: str) -> list[Address]:
        values = [str(v) for v in parsed.get_all(header, [])]
        return [Address(a, n or None) for n, a in email.utils.getaddresses(values) if a]

    authors = addresses("From")
    senders = addresses("Sender") or authors
    body_part = parsed.get_body(preferencelist=("plain", "html"))
    body: str | None = None
    body_type = "Text"
    if body_part is not None:
        try:
            body = str(body_part.get_content())
        except (LookupError, ValueError):
            body = None
        body_type = "HTML" if body_part.get_content_subtype() == "html" else "Text"
    sent: dt.datetime | None = None
    if parsed["Date"]:
        try:
            sent = email.utils.parsedate_to_datetime(str(parsed["Date"])).astimezone(dt.UTC)
        except (TypeError, ValueError):
            sent = None
    return Message(
        subject=str(parsed["Subject"] or ""),
        body=body,
        body_type=body_type,
        item_class=item_class,
        mime=raw,
        author=authors[0] if authors else None,
        sender=senders[0] if senders else None,
        to_recipients=addresses("To"),
        cc_recipients=addresses("Cc"),
        message_id=str(parsed["Message-ID"]).strip() if parsed["Message-ID"] else None,
        in_reply_to=str(parsed["In-Reply-To"]) if parsed["In-Reply-To"] else None,
        references=str(parsed["References"]) if parsed["References"] else None,
        datetime_sent=sent,
    )
