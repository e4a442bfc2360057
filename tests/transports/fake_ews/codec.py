"""Items to EWS XML and back, driven by one table of fields (:data:`FIELDS`).

Each :class:`FieldSpec` ties an EWS ``FieldURI`` (``calendar:Start``) to its element name, a
value *kind* (how it is written and read) and the attribute of the :mod:`.mailbox` dataclass
that holds it. Rendering honours the request's ``ItemShape``: ``IdOnly`` returns the ItemId plus
exactly the ``AdditionalProperties`` asked for, as Exchange does, so a client that forgets to
ask for a field does not get it.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from exchangelib.winzone import MS_TIMEZONE_TO_IANA_MAP  # type: ignore[import-untyped]

from . import mailbox as mb
from .soap import format_datetime, parse_bool, parse_datetime, sub, t, xml_bool


@dataclass(frozen=True)
class FieldSpec:
    """One item field: FieldURI, element name, value kind and dataclass attribute."""

    uri: str
    tag: str
    kind: str
    attr: str
    read_only: bool = False


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("item:MimeContent", "MimeContent", "mime", "mime"),
    FieldSpec("item:ParentFolderId", "ParentFolderId", "folder_ref", "folder_id", True),
    FieldSpec("item:ItemClass", "ItemClass", "text", "item_class"),
    FieldSpec("item:Subject", "Subject", "text", "subject"),
    FieldSpec("item:Sensitivity", "Sensitivity", "text", "sensitivity"),
    FieldSpec("item:Body", "Body", "body", "body"),
    FieldSpec("item:DateTimeReceived", "DateTimeReceived", "datetime", "datetime_received", True),
    FieldSpec("item:Size", "Size", "int", "size", True),
    FieldSpec("item:Categories", "Categories", "strings", "categories"),
    FieldSpec("item:Importance", "Importance", "text", "importance"),
    FieldSpec("item:InReplyTo", "InReplyTo", "text", "in_reply_to"),
    FieldSpec("item:IsDraft", "IsDraft", "bool", "is_draft", True),
    FieldSpec("item:InternetMessageHeaders", "InternetMessageHeaders", "headers", "mime", True),
    FieldSpec("item:DateTimeSent", "DateTimeSent", "datetime", "datetime_sent", True),
    FieldSpec("item:DateTimeCreated", "DateTimeCreated", "datetime", "datetime_created", True),
    FieldSpec("item:HasAttachments", "HasAttachments", "false", "id", True),
    FieldSpec("item:LastModifiedTime", "LastModifiedTime", "datetime", "last_modified_time", True),
    FieldSpec("item:IsAssociated", "IsAssociated", "false", "id", True),
    # message:*
    FieldSpec("message:Sender", "Sender", "address", "sender"),
    FieldSpec("message:ToRecipients", "ToRecipients", "addresses", "to_recipients"),
    FieldSpec("message:CcRecipients", "CcRecipients", "addresses", "cc_recipients"),
    FieldSpec("message:BccRecipients", "BccRecipients", "addresses", "bcc_recipients"),
    FieldSpec("message:From", "From", "address", "author"),
    FieldSpec("message:InternetMessageId", "InternetMessageId", "text", "message_id"),
    FieldSpec("message:IsRead", "IsRead", "bool", "is_read"),
    FieldSpec("message:References", "References", "text", "references"),
    # meeting:* (MeetingResponse, MeetingMessage)
    FieldSpec(
        "meeting:AssociatedCalendarItemId", "AssociatedCalendarItemId", "assoc", "associated", True
    ),
    FieldSpec("meeting:ResponseType", "ResponseType", "text", "response_type", True),
    FieldSpec("meeting:ProposedStart", "ProposedStart", "datetime", "proposed_start", True),
    FieldSpec("meeting:ProposedEnd", "ProposedEnd", "datetime", "proposed_end", True),
    # calendar:*
    FieldSpec("calendar:UID", "UID", "text", "uid"),
    FieldSpec("calendar:Start", "Start", "datetime", "start"),
    FieldSpec("calendar:End", "End", "datetime", "end"),
    FieldSpec("calendar:IsAllDayEvent", "IsAllDayEvent", "bool", "is_all_day"),
    FieldSpec(
        "calendar:LegacyFreeBusyStatus", "LegacyFreeBusyStatus", "text", "legacy_free_busy_status"
    ),
    FieldSpec("calendar:Location", "Location", "text", "location"),
    FieldSpec("calendar:IsMeeting", "IsMeeting", "bool", "is_meeting", True),
    FieldSpec("calendar:IsCancelled", "IsCancelled", "bool", "is_cancelled", True),
    FieldSpec(
        "calendar:MeetingRequestWasSent",
        "MeetingRequestWasSent",
        "bool",
        "meeting_request_was_sent",
    ),
    FieldSpec(
        "calendar:IsResponseRequested", "IsResponseRequested", "bool", "is_response_requested"
    ),
    FieldSpec("calendar:CalendarItemType", "CalendarItemType", "text", "calendar_item_type", True),
    FieldSpec("calendar:MyResponseType", "MyResponseType", "text", "my_response_type", True),
    FieldSpec("calendar:Organizer", "Organizer", "address", "organizer", True),
    FieldSpec("calendar:RequiredAttendees", "RequiredAttendees", "attendees", "required_attendees"),
    FieldSpec("calendar:OptionalAttendees", "OptionalAttendees", "attendees", "optional_attendees"),
    FieldSpec("calendar:Resources", "Resources", "attendees", "resources"),
    FieldSpec("calendar:Duration", "Duration", "text", "duration", True),
    FieldSpec(
        "calendar:AppointmentSequenceNumber",
        "AppointmentSequenceNumber",
        "int",
        "appointment_sequence_number",
        True,
    ),
    FieldSpec("calendar:AppointmentState", "AppointmentState", "int", "appointment_state", True),
    FieldSpec("calendar:MeetingTimeZone", "MeetingTimeZone", "legacy_tz", "start_timezone"),
    FieldSpec("calendar:StartTimeZone", "StartTimeZone", "tz", "start_timezone"),
    FieldSpec("calendar:EndTimeZone", "EndTimeZone", "tz", "end_timezone"),
)
BY_URI = {f.uri: f for f in FIELDS}
BY_TAG = {f.tag: f for f in FIELDS}


@dataclass
class Shape:
    """What an ``ItemShape`` asked for: base shape, FieldURIs and extended properties."""

    base: str = "IdOnly"
    uris: set[str] = field(default_factory=set)
    extended: list[mb.ExtendedFieldUri] = field(default_factory=list)

    @classmethod
    def parse(cls, elem: ET.Element | None) -> Shape:
        """Read ``m:ItemShape`` (or None: IdOnly)."""
        if elem is None:
            return cls()
        shape = cls(base=(elem.findtext(t("BaseShape")) or "IdOnly").strip())
        props = elem.find(t("AdditionalProperties"))
        for prop in props if props is not None else ():
            if prop.tag == t("FieldURI"):
                shape.uris.add(prop.get("FieldURI", ""))
            elif prop.tag == t("ExtendedFieldURI"):
                shape.extended.append(parse_extended_uri(prop))
        if shape.base in ("Default", "AllProperties"):
            shape.uris |= {f.uri for f in FIELDS if f.kind not in ("mime", "headers", "legacy_tz")}
        return shape


def parse_extended_uri(elem: ET.Element) -> mb.ExtendedFieldUri:
    """``t:ExtendedFieldURI`` attributes to an :class:`~.mailbox.ExtendedFieldUri`."""
    return mb.ExtendedFieldUri(
        distinguished_property_set_id=elem.get("DistinguishedPropertySetId"),
        property_set_id=elem.get("PropertySetId"),
        property_tag=elem.get("PropertyTag"),
        property_name=elem.get("PropertyName"),
        property_id=elem.get("PropertyId"),
        property_type=elem.get("PropertyType", "String"),
    )


def extended_uri_element(parent: ET.Element, uri: mb.ExtendedFieldUri) -> ET.Element:
    """Append ``t:ExtendedFieldURI`` for ``uri``."""
    return sub(
        parent,
        t("ExtendedFieldURI"),
        DistinguishedPropertySetId=uri.distinguished_property_set_id,  # type: ignore[arg-type]
        PropertySetId=uri.property_set_id,  # type: ignore[arg-type]
        PropertyTag=uri.property_tag,  # type: ignore[arg-type]
        PropertyName=uri.property_name,  # type: ignore[arg-type]
        PropertyId=uri.property_id,  # type: ignore[arg-type]
        PropertyType=uri.property_type,
    )


# -- rendering -----------------------------------------------------------------------------


def _mailbox(parent: ET.Element, tag: str, addr: mb.Address) -> ET.Element:
    box = sub(parent, tag)
    if addr.name:
        sub(box, t("Name"), addr.name)
    sub(box, t("EmailAddress"), addr.email)
    sub(box, t("RoutingType"), addr.routing_type)
    sub(box, t("MailboxType"), "Mailbox")
    return box


def _headers(parent: ET.Element, raw: bytes) -> None:
    parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
    for name, value in parsed.items():
        sub(parent, t("InternetMessageHeader"), " ".join(str(value).split()), HeaderName=name)


def _render_value(
    parent: ET.Element, spec: FieldSpec, value: Any, item: mb.Item, mailbox: mb.Mailbox
) -> None:
    tag = t(spec.tag)
    kind = spec.kind
    if kind == "text":
        sub(parent, tag, str(value))
    elif kind == "int":
        sub(parent, tag, str(int(value)))
    elif kind == "bool":
        sub(parent, tag, xml_bool(bool(value)))
    elif kind == "false":
        sub(parent, tag, "false")
    elif kind == "datetime":
        sub(parent, tag, format_datetime(value))
    elif kind == "mime":
        sub(parent, tag, base64.b64encode(value).decode(), CharacterSet="UTF-8")
    elif kind == "headers":
        _headers(sub(parent, tag), value)
    elif kind == "body":
        sub(parent, tag, value, BodyType=getattr(item, "body_type", "Text"))
    elif kind == "strings":
        strings = sub(parent, tag)
        for text in value:
            sub(strings, t("String"), text)
    elif kind == "address":
        _mailbox(sub(parent, tag), t("Mailbox"), value)
    elif kind == "addresses":
        boxes = sub(parent, tag)
        for addr in value:
            _mailbox(boxes, t("Mailbox"), addr)
    elif kind == "attendees":
        container = sub(parent, tag)
        for attendee in value:
            elem = sub(container, t("Attendee"))
            _mailbox(elem, t("Mailbox"), attendee.address)
            sub(elem, t("ResponseType"), attendee.response_type)
            if attendee.last_response_time:
                sub(elem, t("LastResponseTime"), format_datetime(attendee.last_response_time))
            if attendee.proposed_start and attendee.proposed_end:
                sub(elem, t("ProposedStart"), format_datetime(attendee.proposed_start))
                sub(elem, t("ProposedEnd"), format_datetime(attendee.proposed_end))
    elif kind == "tz":
        sub(parent, tag, Id=value, Name=mb.ZONE_NAMES.get(value))  # type: ignore[arg-type]
    elif kind == "legacy_tz":
        sub(parent, tag, TimeZoneName=value)
    elif kind == "folder_ref":
        folder = mailbox.folder_by_id(value)
        sub(parent, tag, Id=value, ChangeKey=folder.change_key if folder else "AQAAAA==")
    elif kind == "assoc":
        item_id, change_key = value
        sub(parent, tag, Id=item_id, ChangeKey=change_key)
    else:  # pragma: no cover - a table error
        raise ValueError(f"unknown kind {kind}")


def _value(item: mb.Item, spec: FieldSpec) -> Any:
    """The value to render, or None when Exchange would omit the element."""
    if spec.attr == "associated":
        item_id = getattr(item, "associated_calendar_item_id", None)
        return None if item_id is None else (item_id, getattr(item, "associated_change_key", ""))
    if not hasattr(item, spec.attr):
        return None
    value = getattr(item, spec.attr)
    if value is None or value == [] or (spec.kind == "mime" and not value):
        return None
    return value


def render_item(item: mb.Item, shape: Shape, mailbox: mb.Mailbox) -> ET.Element:
    """``t:Message``/``t:CalendarItem``/... with the ItemId and the fields ``shape`` asks for."""
    elem = ET.Element(t(item.ELEMENT))
    sub(elem, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
    for spec in FIELDS:
        if spec.uri not in shape.uris:
            continue
        value = _value(item, spec)
        if value is None:
            continue
        _render_value(elem, spec, value, item, mailbox)
    wanted = {uri.key(): uri for uri in shape.extended}
    for uri, value in item.extended.items():
        if uri.key() not in wanted:
            continue
        prop = sub(elem, t("ExtendedProperty"))
        extended_uri_element(prop, wanted[uri.key()])
        if isinstance(value, list):
            values = sub(prop, t("Values"))
            for v in value:
                sub(values, t("Value"), v)
        else:
            sub(prop, t("Value"), value)
    return elem


# -- parsing -------------------------------------------------------------------------------


def zone(ms_id: str | None) -> dt.tzinfo:
    """A Windows zone id ("China Standard Time") to a tzinfo (UTC when unknown)."""
    if not ms_id:
        return dt.UTC
    iana = MS_TIMEZONE_TO_IANA_MAP.get(ms_id)
    try:
        return ZoneInfo(iana) if iana else dt.UTC
    except ZoneInfoNotFoundError:
        return dt.UTC


def _parse_mailbox(elem: ET.Element | None) -> mb.Address | None:
    if elem is None:
        return None
    address = elem.findtext(t("EmailAddress"))
    if not address:
        return None
    return mb.Address(address, elem.findtext(t("Name")) or None)


def _parse_value(elem: ET.Element, spec: FieldSpec, default_tz: dt.tzinfo) -> Any:
    kind, text = spec.kind, elem.text or ""
    if kind == "text":
        return text
    if kind == "int":
        return int(text)
    if kind == "bool":
        return parse_bool(text)
    if kind == "datetime":
        return parse_datetime(text, default_tz)
    if kind == "mime":
        return base64.b64decode(text)
    if kind == "body":
        return text
    if kind == "strings":
        return [s.text or "" for s in elem.findall(t("String"))]
    if kind == "address":
        return _parse_mailbox(elem.find(t("Mailbox")))
    if kind == "addresses":
        return [a for a in map(_parse_mailbox, elem.findall(t("Mailbox"))) if a]
    if kind == "attendees":
        out = []
        for att in elem.findall(t("Attendee")):
            addr = _parse_mailbox(att.find(t("Mailbox")))
            if addr:
                out.append(mb.Attendee(addr))
        return out
    if kind == "tz":
        return elem.get("Id") or elem.get("Name")
    if kind == "legacy_tz":
        return elem.get("TimeZoneName") or elem.get("Id")
    return None


#: A field set by a request: its spec (or the extended property's URI) and the value.
Assignment = tuple[FieldSpec | mb.ExtendedFieldUri, Any]


def parse_item_fields(elem: ET.Element, context_tz: str | None = None) -> list[Assignment]:
    """The fields set in a request's item element (``t:CalendarItem`` etc.), in order.

    Naive datetimes are read in the item's StartTimeZone, else in the request's TimeZoneContext.
    """
    tz_elem = elem.find(t("StartTimeZone"))
    if tz_elem is None:
        tz_elem = elem.find(t("MeetingTimeZone"))
    tz_id = None
    if tz_elem is not None:
        tz_id = tz_elem.get("Id") or tz_elem.get("TimeZoneName")
    default_tz = zone(tz_id or context_tz)
    out: list[Assignment] = []
    for child in elem:
        local = child.tag.rsplit("}", 1)[-1]
        if local == "ExtendedProperty":
            uri_elem = child.find(t("ExtendedFieldURI"))
            if uri_elem is None:
                continue
            uri = parse_extended_uri(uri_elem)
            values = child.find(t("Values"))
            value: mb.ExtendedValue
            if values is not None:
                value = [v.text or "" for v in values.findall(t("Value"))]
            else:
                value = child.findtext(t("Value")) or ""
            out.append((uri, value))
            continue
        spec = BY_TAG.get(local)
        if spec is None:
            continue
        if spec.kind == "legacy_tz":
            value = _parse_value(child, spec, default_tz)
            out.append((BY_URI["calendar:StartTimeZone"], value))
            out.append((BY_URI["calendar:EndTimeZone"], value))
            continue
        out.append((spec, _parse_value(child, spec, default_tz)))
    return out


def apply(item: mb.Item, assignments: Iterable[Assignment]) -> list[str]:
    """Set parsed fields on ``item``; returns the FieldURIs (or property names) changed.

    Read-only and unknown-for-this-type fields are ignored, as a lenient server would.
    """
    changed: list[str] = []
    for spec, value in assignments:
        if isinstance(spec, mb.ExtendedFieldUri):
            for old in [u for u in item.extended if u.key() == spec.key()]:
                del item.extended[old]
            item.extended[spec] = value
            changed.append(spec.property_name or spec.property_tag or "extended")
            continue
        if spec.read_only or not hasattr(item, spec.attr):
            continue
        setattr(item, spec.attr, value)
        changed.append(spec.uri)
    return changed


def body_type_of(elem: ET.Element) -> str | None:
    """``BodyType`` of a request item's ``t:Body``, if present."""
    body = elem.find(t("Body"))
    return None if body is None else body.get("BodyType", "Text")


def delete_field(item: mb.Item, target: FieldSpec | mb.ExtendedFieldUri) -> None:
    """``DeleteItemField``: clear a field or drop an extended property."""
    if isinstance(target, mb.ExtendedFieldUri):
        for old in [u for u in item.extended if u.key() == target.key()]:
            del item.extended[old]
        return
    if target.read_only or not hasattr(item, target.attr):
        return
    current = getattr(item, target.attr)
    setattr(item, target.attr, [] if isinstance(current, list) else None)


def comparable(item: mb.Item, target: FieldSpec | mb.ExtendedFieldUri) -> Any:
    """The value a restriction compares for ``target`` on ``item`` (None if absent)."""
    if isinstance(target, mb.ExtendedFieldUri):
        for uri, value in item.extended.items():
            if uri.key() == target.key():
                return value
        return None
    if target.attr == "associated":
        return getattr(item, "associated_calendar_item_id", None)
    return getattr(item, target.attr, None)


def parse_constant(text: str, target: FieldSpec | mb.ExtendedFieldUri) -> Any:
    """A restriction's ``t:Constant/@Value`` typed like the field it is compared with."""
    kind = target.kind if isinstance(target, FieldSpec) else _EXT_KIND.get(target.property_type)
    if kind == "datetime":
        return parse_datetime(text)
    if kind == "bool":
        return parse_bool(text)
    if kind == "int":
        return int(text)
    return text


_EXT_KIND = {
    "SystemTime": "datetime",
    "Boolean": "bool",
    "Integer": "int",
    "Long": "int",
    "Short": "int",
}
