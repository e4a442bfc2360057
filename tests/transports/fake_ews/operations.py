"""One handler per EWS operation: request payload in, ``m:<Op>Response`` element out.

:data:`HANDLERS` maps the operation name (the payload's local name) to a function taking an
:class:`Context`. Handlers hold the mailbox lock for the whole request, so a request sees and
leaves a consistent mailbox. Shapes follow MS-OXWSCORE / MS-OXWSFOLD / MS-OXWSMTGS / MS-OXWSSYNC
for Exchange 2016; only what exchangelib 5.x sends is understood.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
import email.utils
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from exchangelib.winzone import MS_TIMEZONE_TO_IANA_MAP  # type: ignore[import-untyped]

from . import codec
from . import mailbox as mb
from .soap import (
    SoapRequest,
    m,
    parse_bool,
    parse_datetime,
    response,
    response_message,
    sub,
    t,
    xml_bool,
)


class EwsError(Exception):
    """An error answered as an error ResponseMessage (``ResponseClass="Error"``)."""

    def __init__(self, code: str, text: str | None = None):
        super().__init__(text or code)
        self.code = code
        self.text = text or code


@dataclass
class Context:
    """What a handler gets: the parsed request, the mailbox and server options."""

    request: SoapRequest
    mailbox: mb.Mailbox
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def payload(self) -> ET.Element:
        """The operation element (``m:GetFolder``...)."""
        return self.request.payload


Handler = Callable[[Context], ET.Element]
HANDLERS: dict[str, Handler] = {}


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register a handler for operation ``name``."""

    def register(func: Handler) -> Handler:
        HANDLERS[name] = func
        return func

    return register


#: Elements an error response message of these operations still carries (MS docs examples).
_ERROR_TAILS: dict[str, tuple[tuple[str, str], ...]] = {
    "SyncFolderItems": (("SyncState", ""), ("IncludesLastItemInRange", "true")),
    "SyncFolderHierarchy": (("SyncState", ""), ("IncludesLastFolderInRange", "true")),
}


def error_message(
    op: str, code: str, text: str | None = None, values: Iterable[tuple[str, str]] = ()
) -> ET.Element:
    """An error ``m:<Op>ResponseMessage`` as Exchange writes it for ``op``."""
    msg = response_message(op, code, text, values)
    for tag, value in _ERROR_TAILS.get(op, ()):
        sub(msg, m(tag), value or None)
    return msg


def _each(op: str, elems: Iterable[Any], func: Callable[[Any], ET.Element]) -> ET.Element:
    """One response message per element; an :class:`EwsError` becomes an error message."""
    messages = []
    for elem in elems:
        try:
            messages.append(func(elem))
        except EwsError as exc:
            messages.append(error_message(op, exc.code, exc.text))
    return response(op, messages)


# -- ids and folders -----------------------------------------------------------------------


def _check_id(value: str | None, kind: str = "item") -> str:
    try:
        decoded = base64.b64decode(value or "", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.") from exc
    if not decoded.startswith(f"fake-ews:{kind}:"):
        raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.")
    return value or ""


def resolve_folder(ctx: Context, elem: ET.Element) -> mb.Folder:
    """``t:FolderId`` or ``t:DistinguishedFolderId`` to a folder (ErrorFolderNotFound if none)."""
    if elem.tag == t("DistinguishedFolderId"):
        mailbox = elem.find(f"{t('Mailbox')}/{t('EmailAddress')}")
        if mailbox is not None and (mailbox.text or "").lower() != ctx.mailbox.owner.email.lower():
            raise EwsError("ErrorNonExistentMailbox", f"No mailbox with address {mailbox.text}.")
        folder = ctx.mailbox.folders.get(elem.get("Id", ""))
        if folder is None or folder.distinguished is None:
            raise EwsError("ErrorFolderNotFound", "The specified folder could not be found.")
        return folder
    if elem.tag == t("FolderId"):
        found = ctx.mailbox.folder_by_id(_check_id(elem.get("Id"), "folder"))
        if found is None:
            raise EwsError("ErrorFolderNotFound", "The specified folder could not be found.")
        return found
    raise EwsError("ErrorInvalidRequest", f"unexpected folder id element {elem.tag}")


def _folder_ids(ctx: Context, container: str) -> list[ET.Element]:
    elem = ctx.payload.find(m(container))
    return [] if elem is None else list(elem)


def _one_folder(ctx: Context, container: str) -> mb.Folder:
    ids = _folder_ids(ctx, container)
    if not ids:
        raise EwsError("ErrorInvalidRequest", f"{container} missing")
    return resolve_folder(ctx, ids[0])


def render_folder(ctx: Context, folder: mb.Folder) -> ET.Element:
    """``t:Folder``/``t:CalendarFolder`` with the properties exchangelib reads."""
    elem = ET.Element(t(folder.element))
    sub(elem, t("FolderId"), Id=folder.id, ChangeKey=folder.change_key)
    if folder.parent_id:
        parent = ctx.mailbox.folder_by_id(folder.parent_id)
        sub(
            elem,
            t("ParentFolderId"),
            Id=folder.parent_id,
            ChangeKey=parent.change_key if parent else "",
        )
    if folder.folder_class:
        sub(elem, t("FolderClass"), folder.folder_class)
    sub(elem, t("DisplayName"), folder.name)
    items = [i for i in ctx.mailbox.items.values() if i.folder_id == folder.id]
    sub(elem, t("TotalCount"), str(len(items)))
    sub(elem, t("ChildFolderCount"), str(len(ctx.mailbox.children(folder.id))))
    if folder.element == "Folder":
        unread = sum(1 for i in items if isinstance(i, mb.Message) and not i.is_read)
        sub(elem, t("UnreadCount"), str(unread))
    if folder.distinguished:
        sub(elem, t("DistinguishedFolderId"), folder.distinguished)
    return elem


@handler("GetFolder")
def get_folder(ctx: Context) -> ET.Element:
    """GetFolder: each FolderId/DistinguishedFolderId in its own response message."""

    def one(elem: ET.Element) -> ET.Element:
        folder = resolve_folder(ctx, elem)
        msg = response_message("GetFolder")
        sub(msg, m("Folders")).append(render_folder(ctx, folder))
        return msg

    return _each("GetFolder", _folder_ids(ctx, "FolderIds"), one)


def _paging(elem: ET.Element | None, total: int) -> tuple[int, int]:
    """(offset, count) from an Indexed page view (BasePoint Beginning or End)."""
    if elem is None:
        return 0, total
    limit = int(elem.get("MaxEntriesReturned", total) or total)
    offset = int(elem.get("Offset", "0") or 0)
    if elem.get("BasePoint", "Beginning") == "End":
        offset = max(total - offset - limit, 0)
    return offset, limit


def _root_folder(
    parent: ET.Element, offset: int, shown: int, total: int, indexed: bool = True
) -> ET.Element:
    last = offset + shown >= total
    attrs = {"TotalItemsInView": str(total), "IncludesLastItemInRange": xml_bool(last)}
    if indexed:
        attrs = {"IndexedPagingOffset": str(offset + shown), **attrs}
    return sub(parent, m("RootFolder"), **attrs)


@handler("FindFolder")
def find_folder(ctx: Context) -> ET.Element:
    """FindFolder: Shallow or Deep traversal under each parent, paged, no restriction."""
    deep = ctx.payload.get("Traversal", "Shallow") == "Deep"
    view = ctx.payload.find(m("IndexedPageFolderView"))

    def one(elem: ET.Element) -> ET.Element:
        parent = resolve_folder(ctx, elem)
        found = (ctx.mailbox.descendants if deep else ctx.mailbox.children)(parent.id)
        offset, limit = _paging(view, len(found))
        page = found[offset : offset + limit]
        msg = response_message("FindFolder")
        root = _root_folder(msg, offset, len(page), len(found))
        folders = sub(root, t("Folders"))
        for folder in page:
            folders.append(render_folder(ctx, folder))
        return msg

    return _each("FindFolder", _folder_ids(ctx, "ParentFolderIds"), one)


@handler("CreateFolder")
def create_folder(ctx: Context) -> ET.Element:
    """CreateFolder: ErrorFolderExists for a name already used under the parent."""
    parent = _one_folder(ctx, "ParentFolderId")
    container = ctx.payload.find(m("Folders"))

    def one(elem: ET.Element) -> ET.Element:
        name = elem.findtext(t("DisplayName")) or ""
        siblings = ctx.mailbox.children(parent.id)
        if any(f.name.lower() == name.lower() for f in siblings):
            raise EwsError("ErrorFolderExists", "A folder with the specified name already exists.")
        klass = elem.findtext(t("FolderClass")) or (
            "IPF.Appointment" if elem.tag == t("CalendarFolder") else "IPF.Note"
        )
        folder = ctx.mailbox.create_folder(name, parent.id, klass)
        msg = response_message("CreateFolder")
        created = sub(sub(msg, m("Folders")), t(folder.element))
        sub(created, t("FolderId"), Id=folder.id, ChangeKey=folder.change_key)
        return msg

    return _each("CreateFolder", [] if container is None else list(container), one)


@handler("DeleteFolder")
def delete_folder(ctx: Context) -> ET.Element:
    """DeleteFolder (hard): the folder, its subfolders and their items go."""

    def one(elem: ET.Element) -> ET.Element:
        folder = resolve_folder(ctx, elem)
        if folder.distinguished:
            raise EwsError(
                "ErrorDeleteDistinguishedFolder", "Distinguished folders can't be deleted."
            )
        for gone in [folder, *ctx.mailbox.descendants(folder.id)]:
            for item in [i for i in ctx.mailbox.items.values() if i.folder_id == gone.id]:
                ctx.mailbox.remove(item.id)
            del ctx.mailbox.folders[gone.id]
        return response_message("DeleteFolder")

    return _each("DeleteFolder", _folder_ids(ctx, "FolderIds"), one)


# -- items ---------------------------------------------------------------------------------


def _item(ctx: Context, elem: ET.Element) -> mb.Item:
    item_id = _check_id(elem.get("Id"))
    try:
        return ctx.mailbox.get(item_id)
    except KeyError:
        raise EwsError(
            "ErrorItemNotFound", "The specified object was not found in the store."
        ) from None


def _item_ids(ctx: Context, container: str = "ItemIds") -> list[ET.Element]:
    elem = ctx.payload.find(m(container))
    return [] if elem is None else list(elem)


def _id_only(item: mb.Item) -> ET.Element:
    elem = ET.Element(t(item.ELEMENT))
    sub(elem, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
    return elem


@handler("GetItem")
def get_item(ctx: Context) -> ET.Element:
    """GetItem: the requested shape for each ItemId; ErrorItemNotFound for unknown ids."""
    shape = codec.Shape.parse(ctx.payload.find(m("ItemShape")))

    def one(elem: ET.Element) -> ET.Element:
        item = _item(ctx, elem)
        msg = response_message("GetItem")
        sub(msg, m("Items")).append(codec.render_item(item, shape, ctx.mailbox))
        return msg

    return _each("GetItem", _item_ids(ctx), one)


# -- restrictions and sorting --------------------------------------------------------------

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "IsEqualTo": lambda a, b: a == b,
    "IsNotEqualTo": lambda a, b: a != b,
    "IsGreaterThan": lambda a, b: a is not None and a > b,
    "IsGreaterThanOrEqualTo": lambda a, b: a is not None and a >= b,
    "IsLessThan": lambda a, b: a is not None and a < b,
    "IsLessThanOrEqualTo": lambda a, b: a is not None and a <= b,
}


def _path(elem: ET.Element) -> codec.FieldSpec | mb.ExtendedFieldUri:
    if elem.tag == t("ExtendedFieldURI"):
        return codec.parse_extended_uri(elem)
    uri = elem.get("FieldURI", "")
    spec = codec.BY_URI.get(uri)
    if spec is None:
        raise EwsError("ErrorUnsupportedPathForQuery", f"fake EWS cannot restrict on {uri}")
    return spec


def _fold(value: Any) -> Any:
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, list):
        return [_fold(v) for v in value]
    return value


def matches(expr: ET.Element, item: mb.Item) -> bool:
    """Evaluate one restriction expression (And/Or/Not/Is*/Exists/Contains) on ``item``."""
    name = expr.tag.rsplit("}", 1)[-1]
    if name == "And":
        return all(matches(e, item) for e in expr)
    if name == "Or":
        return any(matches(e, item) for e in expr)
    if name == "Not":
        return not matches(expr[0], item)
    target = _path(expr[0])
    actual = codec.comparable(item, target)
    if name == "Exists":
        return actual is not None
    constant = expr.find(f".//{t('Constant')}")
    if constant is None:
        raise EwsError("ErrorUnsupportedQueryFilter", "only constants can be compared")
    wanted = codec.parse_constant(constant.get("Value", ""), target)
    if name == "Contains":
        mode = expr.get("ContainmentMode", "Substring")
        folded = "Ignore" in expr.get("ContainmentComparison", "Exact")
        hay, needle = (str(actual or ""), str(wanted))
        if folded:
            hay, needle = hay.casefold(), needle.casefold()
        if mode == "FullString":
            return hay == needle
        if mode == "Prefixed":
            return hay.startswith(needle)
        return needle in hay
    if name not in _COMPARE:
        raise EwsError("ErrorUnsupportedQueryFilter", f"fake EWS cannot evaluate {name}")
    if isinstance(actual, list):
        return any(_COMPARE[name](_fold(a), _fold(wanted)) for a in actual)
    if isinstance(actual, mb.Address):
        actual = actual.email
    return _COMPARE[name](_fold(actual), _fold(wanted))


def _sort(items: list[mb.Item], order: ET.Element | None) -> list[mb.Item]:
    """SortOrder, else Exchange's default view order: newest received first."""
    if order is None or not len(order):
        return sorted(items, key=lambda i: (i.datetime_received, i.order), reverse=True)
    for field_order in reversed(list(order)):
        target = _path(field_order[0])
        descending = field_order.get("Order", "Ascending") == "Descending"

        def key(item: mb.Item, target: Any = target) -> tuple[bool, Any]:
            value = codec.comparable(item, target)
            if isinstance(value, mb.Address):
                value = value.email
            return (value is not None, _fold(value) if value is not None else 0)

        items = sorted(items, key=key, reverse=descending)
    return items


@handler("FindItem")
def find_item(ctx: Context) -> ET.Element:
    """FindItem: Shallow, with IndexedPageItemView or CalendarView, Restriction, SortOrder."""
    shape = codec.Shape.parse(ctx.payload.find(m("ItemShape")))
    restriction = ctx.payload.find(m("Restriction"))
    calendar_view = ctx.payload.find(m("CalendarView"))
    indexed_view = ctx.payload.find(m("IndexedPageItemView"))

    def one(elem: ET.Element) -> ET.Element:
        folder = resolve_folder(ctx, elem)
        items = [i for i in ctx.mailbox.items.values() if i.folder_id == folder.id]
        if restriction is not None and len(restriction):
            items = [i for i in items if matches(restriction[0], i)]
        msg = response_message("FindItem")
        if calendar_view is not None:
            start = parse_datetime(calendar_view.get("StartDate", ""))
            end = parse_datetime(calendar_view.get("EndDate", ""))
            cal = sorted(
                (
                    i
                    for i in items
                    if isinstance(i, mb.CalendarItem) and i.start < end and i.end > start
                ),
                key=lambda i: i.start,
            )
            limit = int(calendar_view.get("MaxEntriesReturned", len(cal)) or len(cal))
            if len(cal) > limit:
                raise EwsError(
                    "ErrorCalendarViewRangeTooBig", "Too many items for the calendar view."
                )
            page: list[mb.Item] = list(cal)
            root = _root_folder(msg, 0, len(page), len(page), indexed=False)
        else:
            items = _sort(items, ctx.payload.find(m("SortOrder")))
            offset, limit = _paging(indexed_view, len(items))
            page = items[offset : offset + limit]
            root = _root_folder(msg, offset, len(page), len(items))
        container = sub(root, t("Items"))
        for item in page:
            container.append(codec.render_item(item, shape, ctx.mailbox))
        return msg

    return _each("FindItem", _folder_ids(ctx, "ParentFolderIds"), one)


# -- sending -------------------------------------------------------------------------------


def _recipients(item: mb.Item) -> tuple[str, ...]:
    out: list[str] = []
    for name in ("to_recipients", "cc_recipients", "bcc_recipients"):
        out += [a.email for a in getattr(item, name, [])]
    return tuple(dict.fromkeys(out))


def _ensure_mime(ctx: Context, msg: mb.Message) -> None:
    """Give a message built from fields a MIME and a Message-ID, as Exchange does on send."""
    if msg.message_id is None:
        msg.message_id = mb._message_id()
    if msg.mime is not None:
        return
    mime = EmailMessage()
    author = msg.author or ctx.mailbox.owner
    mime["From"] = email.utils.formataddr((author.name or "", author.email))
    for header, name in (("To", "to_recipients"), ("Cc", "cc_recipients")):
        addrs = getattr(msg, name)
        if addrs:
            mime[header] = ", ".join(email.utils.formataddr((a.name or "", a.email)) for a in addrs)
    mime["Subject"] = msg.subject
    mime["Date"] = email.utils.format_datetime(msg.datetime_sent or mb.utcnow())
    mime["Message-ID"] = msg.message_id
    if msg.body_type == "HTML":
        mime.set_content(msg.body or "", subtype="html")
    else:
        mime.set_content(msg.body or "")
    msg.mime = mb.as_bytes(mime)


def send_message(ctx: Context, msg: mb.Message, save_to: mb.Folder | None) -> None:
    """Send ``msg`` (record a transmission); keep a read copy in ``save_to`` if given."""
    now = mb.utcnow()
    msg.author = msg.author or ctx.mailbox.owner
    msg.sender = msg.sender or msg.author
    msg.datetime_sent = now
    msg.is_draft = False
    _ensure_mime(ctx, msg)
    if save_to is None:
        if msg.id:
            ctx.mailbox.remove(msg.id)
    else:
        msg.is_read = True
        msg.datetime_received = now
        if msg.id:
            ctx.mailbox.move(msg.id, save_to.id)
        else:
            ctx.mailbox.add(msg, save_to.id)
    kept = msg.id if save_to is not None else ""
    ctx.mailbox.record(
        mb.Transmission(
            "message", _recipients(msg), msg.subject, kept, None, msg.message_id, msg.mime
        )
    )


def _meeting_notice(
    ctx: Context,
    item: mb.CalendarItem,
    kind: str,
    attendees: list[mb.Attendee],
    save_copy: bool,
    body: str | None = None,
) -> None:
    """Record a meeting request/update/cancellation to ``attendees``; copy it to Sent Items."""
    if not attendees:
        return
    recipients = tuple(a.address.email for a in attendees)
    prefix = {"meeting_cancellation": "Canceled: ", "meeting_update": ""}.get(kind, "")
    subject = prefix + item.subject.removeprefix("Canceled: ")
    ctx.mailbox.record(
        mb.Transmission(
            kind, recipients, subject, item.id, item.appointment_sequence_number, body=body
        )
    )
    if not save_copy:
        return
    copy_cls = mb.MeetingCancellation if kind == "meeting_cancellation" else mb.MeetingRequest
    copy = copy_cls(
        subject=subject,
        body=body if body is not None else item.body,
        sender=ctx.mailbox.owner,
        author=ctx.mailbox.owner,
        to_recipients=[a.address for a in attendees],
        message_id=mb._message_id(),
        is_read=True,
        datetime_sent=mb.utcnow(),
        associated_calendar_item_id=item.id,
        associated_change_key=item.change_key,
        start=item.start,
        end=item.end,
        location=item.location,
    )
    ctx.mailbox.add(copy, "sentitems")


_SENDS = ("SendOnlyToAll", "SendToAllAndSaveCopy", "SendOnlyToChanged", "SendToChangedAndSaveCopy")


def _new_item(ctx: Context, elem: ET.Element) -> mb.Item:
    name = elem.tag.rsplit("}", 1)[-1]
    assignments = codec.parse_item_fields(elem, ctx.request.timezone_context)
    item: mb.Item
    if name == "Message":
        mime = next((v for s, v in assignments if _is_mime(s)), None)
        item = mb.message_from_mime(mime) if mime else mb.Message()
        codec.apply(item, [(s, v) for s, v in assignments if not _is_mime(s)])
    elif name == "CalendarItem":
        item = mb.CalendarItem(organizer=ctx.mailbox.owner)
        codec.apply(item, assignments)
        assert isinstance(item, mb.CalendarItem)
        if item.end < item.start:
            raise EwsError("ErrorCalendarEndDateIsEarlierThanStartDate", "End is before start.")
    else:
        raise EwsError("ErrorInvalidRequest", f"fake EWS cannot create {name}")
    body_type = codec.body_type_of(elem)
    if body_type:
        item.body_type = body_type
    return item


def _is_mime(spec: object) -> bool:
    return isinstance(spec, codec.FieldSpec) and spec.kind == "mime"


def _cancel(ctx: Context, elem: ET.Element, save_copy: bool) -> ET.Element:
    ref = elem.find(t("ReferenceItemId"))
    if ref is None:
        raise EwsError("ErrorInvalidRequest", "CancelCalendarItem needs a ReferenceItemId")
    item = _item(ctx, ref)
    if not isinstance(item, mb.CalendarItem):
        raise EwsError("ErrorInvalidReferenceItem", "The reference item is not a meeting.")
    if item.organizer and item.organizer.email.lower() != ctx.mailbox.owner.email.lower():
        raise EwsError("ErrorInvalidReferenceItem", "Only the organizer can cancel a meeting.")
    # MS-OXWSMTGS: Body is "not used by CancelCalendarItem"; the text goes in NewBodyContent.
    body = elem.findtext(t("NewBodyContent"))
    if body is None and ctx.options.get("cancel_accepts_body", False):
        body = elem.findtext(t("Body"))
    item.is_cancelled = True
    item.appointment_sequence_number += 1
    item.subject = "Canceled: " + item.subject.removeprefix("Canceled: ")
    ctx.mailbox.touch(item)
    _meeting_notice(ctx, item, "meeting_cancellation", item.attendees, save_copy, body)
    if ctx.options.get("cancel_moves_to_deleted_items", True):
        item = ctx.mailbox.move(item.id, "deleteditems")
    return _id_only(item)


@handler("CreateItem")
def create_item(ctx: Context) -> ET.Element:
    """CreateItem: Message (MIME or fields), CalendarItem, CancelCalendarItem."""
    disposition = ctx.payload.get("MessageDisposition", "SaveOnly")
    invitations = ctx.payload.get("SendMeetingInvitations", "SendToNone")
    saved_ids = _folder_ids(ctx, "SavedItemFolderId")
    save_folder = resolve_folder(ctx, saved_ids[0]) if saved_ids else None
    container = ctx.payload.find(m("Items"))

    def one(elem: ET.Element) -> ET.Element:
        msg = response_message("CreateItem")
        items = sub(msg, m("Items"))
        if elem.tag == t("CancelCalendarItem"):
            items.append(_cancel(ctx, elem, disposition == "SendAndSaveCopy"))
            return msg
        item = _new_item(ctx, elem)
        if isinstance(item, mb.Message):
            if disposition == "SaveOnly":
                item.is_draft = True
                item.is_read = True
                _ensure_mime(ctx, item)
                ctx.mailbox.add(item, (save_folder or ctx.mailbox.folder("drafts")).id)
                items.append(_id_only(item))
            else:
                sent = save_folder or ctx.mailbox.folder("sentitems")
                send_message(ctx, item, sent if disposition == "SendAndSaveCopy" else None)
            return msg
        assert isinstance(item, mb.CalendarItem)
        item.is_meeting = bool(item.attendees)
        calendar = save_folder or ctx.mailbox.folder("calendar")
        ctx.mailbox.add(item, calendar.id)
        if invitations in _SENDS and item.attendees:
            item.meeting_request_was_sent = True
            _meeting_notice(
                ctx, item, "meeting_request", item.attendees, invitations.endswith("SaveCopy")
            )
        items.append(_id_only(item))
        return msg

    return _each("CreateItem", [] if container is None else list(container), one)


def _attendee_emails(item: mb.CalendarItem) -> dict[str, mb.Attendee]:
    return {a.address.email.lower(): a for a in item.attendees}


def _keep_responses(before: dict[str, mb.Attendee], item: mb.CalendarItem) -> None:
    """Attendees set again by an update keep the response Exchange recorded for them."""
    for attendee in item.attendees:
        old = before.get(attendee.address.email.lower())
        if old is not None:
            attendee.response_type = old.response_type
            attendee.last_response_time = old.last_response_time
            attendee.proposed_start, attendee.proposed_end = old.proposed_start, old.proposed_end


_SIGNIFICANT = {
    "calendar:Start",
    "calendar:End",
    "calendar:Location",
    "calendar:IsAllDayEvent",
    "item:Subject",
    "item:Body",
}


@handler("UpdateItem")
def update_item(ctx: Context) -> ET.Element:
    """UpdateItem: SetItemField/AppendToItemField/DeleteItemField; meeting updates sent."""
    disposition = ctx.payload.get("MessageDisposition", "SaveOnly")
    invitations = ctx.payload.get("SendMeetingInvitationsOrCancellations", "SendToNone")
    conflict = ctx.payload.get("ConflictResolution", "AutoResolve")
    changes = ctx.payload.find(m("ItemChanges"))

    def one(change: ET.Element) -> ET.Element:
        id_elem = change.find(t("ItemId"))
        if id_elem is None:
            raise EwsError("ErrorInvalidRequest", "ItemChange without ItemId")
        item = _item(ctx, id_elem)
        stale = id_elem.get("ChangeKey") not in (None, item.change_key)
        if stale and conflict == "NeverOverwrite":
            raise EwsError("ErrorIrresolvableConflict", "The change key is out of date.")
        before = _attendee_emails(item) if isinstance(item, mb.CalendarItem) else {}
        was_read = getattr(item, "is_read", None)
        changed: list[str] = []
        updates = change.find(t("Updates"))
        for update in updates if updates is not None else ():
            op = update.tag.rsplit("}", 1)[-1]
            target = _path(update[0])
            if op == "DeleteItemField":
                codec.delete_field(item, target)
                changed.append(getattr(target, "uri", "extended"))
                continue
            values = codec.parse_item_fields(update[1], ctx.request.timezone_context)
            if op == "AppendToItemField":
                values = [
                    (s, [*getattr(item, s.attr, []), *v])
                    for s, v in values
                    if isinstance(s, codec.FieldSpec)
                ]
            changed += codec.apply(item, values)
            if "item:Body" in changed:
                item.body_type = codec.body_type_of(update[1]) or item.body_type
        read_only = changed and set(changed) == {"message:IsRead"}
        if isinstance(item, mb.CalendarItem):
            _keep_responses(before, item)
            _send_updates(ctx, item, before, changed, invitations)
        ctx.mailbox.touch(item, read_flag_only=bool(read_only) and was_read is not None)
        msg = response_message("UpdateItem")
        items = sub(msg, m("Items"))
        if isinstance(item, mb.Message) and disposition != "SaveOnly":
            saved = _folder_ids(ctx, "SavedItemFolderId")
            folder = resolve_folder(ctx, saved[0]) if saved else ctx.mailbox.folder("sentitems")
            send_message(ctx, item, folder if disposition == "SendAndSaveCopy" else None)
        else:
            items.append(_id_only(item))
        conflicts = sub(msg, m("ConflictResults"))
        sub(conflicts, t("Count"), "0")
        return msg

    return _each("UpdateItem", [] if changes is None else list(changes), one)


def _send_updates(
    ctx: Context,
    item: mb.CalendarItem,
    before: dict[str, mb.Attendee],
    changed: list[str],
    invitations: str,
) -> None:
    if invitations not in _SENDS or not item.attendees and not before:
        return
    now = _attendee_emails(item)
    added = [a for e, a in now.items() if e not in before]
    removed = [a for e, a in before.items() if e not in now]
    significant = bool(_SIGNIFICANT & set(changed))
    save = invitations.endswith("SaveCopy")
    to_all = invitations in ("SendOnlyToAll", "SendToAllAndSaveCopy")
    if significant or to_all or added:
        item.appointment_sequence_number += 1
    item.is_meeting = bool(item.attendees)
    targets = list(now.values()) if (significant or to_all) else added
    kind = "meeting_update" if item.meeting_request_was_sent else "meeting_request"
    _meeting_notice(ctx, item, kind, targets, save)
    _meeting_notice(ctx, item, "meeting_cancellation", removed, save)
    if targets:
        item.meeting_request_was_sent = True


@handler("SendItem")
def send_item(ctx: Context) -> ET.Element:
    """SendItem: send drafts; SaveItemToFolder decides whether a copy is kept."""
    save = parse_bool(ctx.payload.get("SaveItemToFolder", "true"))
    saved = _folder_ids(ctx, "SavedItemFolderId")

    def one(elem: ET.Element) -> ET.Element:
        item = _item(ctx, elem)
        if not isinstance(item, mb.Message):
            raise EwsError("ErrorInvalidItemForOperationSendItem", "Only messages can be sent.")
        folder = resolve_folder(ctx, saved[0]) if saved else ctx.mailbox.folder("sentitems")
        send_message(ctx, item, folder if save else None)
        return response_message("SendItem")

    return _each("SendItem", _item_ids(ctx), one)


def _move_or_copy(ctx: Context, op: str) -> ET.Element:
    target = _one_folder(ctx, "ToFolderId")

    def one(elem: ET.Element) -> ET.Element:
        item = _item(ctx, elem)
        if op == "MoveItem":
            moved = ctx.mailbox.move(item.id, target.id)
        else:
            moved = ctx.mailbox.add(copy.deepcopy(item), target.id)
        msg = response_message(op)
        sub(msg, m("Items")).append(_id_only(moved))
        return msg

    return _each(op, _item_ids(ctx), one)


@handler("MoveItem")
def move_item(ctx: Context) -> ET.Element:
    """MoveItem: the item gets a new id in the target folder (returned)."""
    return _move_or_copy(ctx, "MoveItem")


@handler("CopyItem")
def copy_item(ctx: Context) -> ET.Element:
    """CopyItem: a copy with its own id in the target folder."""
    return _move_or_copy(ctx, "CopyItem")


@handler("DeleteItem")
def delete_item(ctx: Context) -> ET.Element:
    """DeleteItem: HardDelete/SoftDelete remove; MoveToDeletedItems moves."""
    delete_type = ctx.payload.get("DeleteType", "HardDelete")
    cancellations = ctx.payload.get("SendMeetingCancellations", "SendToNone")

    def one(elem: ET.Element) -> ET.Element:
        item = _item(ctx, elem)
        if isinstance(item, mb.CalendarItem) and cancellations in _SENDS and not item.is_cancelled:
            item.is_cancelled = True
            item.appointment_sequence_number += 1
            _meeting_notice(
                ctx,
                item,
                "meeting_cancellation",
                item.attendees,
                cancellations.endswith("SaveCopy"),
            )
        if delete_type == "MoveToDeletedItems":
            ctx.mailbox.move(item.id, "deleteditems")
        else:
            ctx.mailbox.remove(item.id)
        return response_message("DeleteItem")

    return _each("DeleteItem", _item_ids(ctx), one)


# -- synchronisation -----------------------------------------------------------------------


def _new_sync_state(ctx: Context, snapshot: mb.SyncSnapshot) -> str:
    token = base64.b64encode(f"fake-ews:sync:{len(ctx.mailbox.sync_states) + 1:06d}".encode())
    ctx.mailbox.sync_states[token.decode()] = snapshot
    return token.decode()


@handler("SyncFolderItems")
def sync_folder_items(ctx: Context) -> ET.Element:
    """SyncFolderItems: Create/Update/ReadFlagChange/Delete since a sync state, paged."""
    shape = codec.Shape.parse(ctx.payload.find(m("ItemShape")))

    def one(elem: ET.Element) -> ET.Element:
        folder = resolve_folder(ctx, elem)
        state = (ctx.payload.findtext(m("SyncState")) or "").strip()
        if state:
            old = ctx.mailbox.sync_states.get(state)
            if old is None or old.folder_id != folder.id:
                raise EwsError(
                    "ErrorInvalidSyncStateData", "Synchronization state data is corrupt."
                )
            seen = dict(old.seen)
        else:
            seen = {}
        ignore = {e.get("Id") for e in _item_ids(ctx, "Ignore")}
        limit = int(ctx.payload.findtext(m("MaxChangesReturned")) or 100)
        current = sorted(
            (i for i in ctx.mailbox.items.values() if i.folder_id == folder.id),
            key=lambda i: i.order,
        )
        pending: list[tuple[str, Any]] = []
        for item in current:
            if item.id in ignore:
                continue
            is_read = bool(getattr(item, "is_read", False))
            if item.id not in seen:
                pending.append(("Create", item))
            elif seen[item.id][0] != item.version:
                pending.append(("Update", item))
            elif seen[item.id][1] != is_read:
                pending.append(("ReadFlagChange", item))
        present = {i.id for i in current}
        pending += [("Delete", gone) for gone in seen if gone not in present]
        batch = pending[:limit]
        msg = response_message("SyncFolderItems")
        state_elem = sub(msg, m("SyncState"))
        sub(msg, m("IncludesLastItemInRange"), xml_bool(len(batch) == len(pending)))
        changes = sub(msg, m("Changes"))
        for kind, what in batch:
            change = sub(changes, t(kind))
            if kind == "Delete":
                sub(change, t("ItemId"), Id=what, ChangeKey="AAAAAA==")
                del seen[what]
                continue
            item = what
            if kind == "ReadFlagChange":
                sub(change, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
                sub(change, t("IsRead"), xml_bool(bool(getattr(item, "is_read", False))))
            else:
                change.append(codec.render_item(item, shape, ctx.mailbox))
            seen[item.id] = (item.version, bool(getattr(item, "is_read", False)))
        state_elem.text = _new_sync_state(ctx, mb.SyncSnapshot(folder.id, seen))
        return msg

    return _each("SyncFolderItems", _folder_ids(ctx, "SyncFolderId"), one)


# -- protocol-level operations -------------------------------------------------------------


@handler("ConvertId")
def convert_id(ctx: Context) -> ET.Element:
    """ConvertId: exchangelib's version probe sends a dummy id; answer it as Exchange does."""
    source = ctx.payload.find(m("SourceIds"))
    return _each(
        "ConvertId",
        [] if source is None else list(source),
        lambda e: response_message("ConvertId", "ErrorInvalidIdMalformed", "Id is malformed."),
    )


def _utc_offset_minutes(ms_id: str) -> int | None:
    iana = MS_TIMEZONE_TO_IANA_MAP.get(ms_id)
    if not iana:
        return None
    offset = dt.datetime.now(ZoneInfo(iana)).utcoffset()
    return None if offset is None else int(offset.total_seconds() // 60)


@handler("GetServerTimeZones")
def get_server_time_zones(ctx: Context) -> ET.Element:
    """GetServerTimeZones: the zones of :data:`~.mailbox.ZONE_NAMES` (fixed offset if full)."""
    full = parse_bool(ctx.payload.get("ReturnFullTimeZoneData", "false"))
    ids_elem = ctx.payload.find(m("Ids"))
    wanted = [e.text or "" for e in ids_elem] if ids_elem is not None else list(mb.ZONE_NAMES)
    msg = response_message("GetServerTimeZones")
    container = sub(msg, m("TimeZoneDefinitions"))
    for ms_id in wanted:
        definition = sub(
            container, t("TimeZoneDefinition"), Id=ms_id, Name=mb.ZONE_NAMES.get(ms_id, ms_id)
        )
        offset = _utc_offset_minutes(ms_id)
        if not full or offset is None:
            continue
        bias = -offset
        sign = "-" if bias < 0 else ""
        period_id = f"trule:Microsoft/Registry/{ms_id}/1-Standard"
        periods = sub(definition, t("Periods"))
        sub(
            periods,
            t("Period"),
            Bias=f"{sign}PT{abs(bias) // 60}H{abs(bias) % 60}M",
            Name="Standard",
            Id=period_id,
        )
        groups = sub(definition, t("TransitionsGroups"))
        group = sub(groups, t("TransitionsGroup"), Id="0")
        transition = sub(group, t("Transition"))
        sub(transition, t("To"), period_id, Kind="Period")
        transitions = sub(definition, t("Transitions"))
        first = sub(transitions, t("Transition"))
        sub(first, t("To"), "0", Kind="Group")
    return response("GetServerTimeZones", [msg])


@handler("ResolveNames")
def resolve_names(ctx: Context) -> ET.Element:
    """ResolveNames: an SMTP address resolves to itself; anything else has no results."""
    entry = (ctx.payload.findtext(m("UnresolvedEntry")) or "").strip()
    address = entry.removeprefix("smtp:").removeprefix("SMTP:")
    if "@" not in address:
        return response(
            "ResolveNames",
            [
                response_message(
                    "ResolveNames", "ErrorNameResolutionNoResults", "No results were found."
                )
            ],
        )
    msg = response_message("ResolveNames")
    resolutions = sub(msg, m("ResolutionSet"), TotalItemsInView="1", IncludesLastItemInRange="true")
    resolution = sub(resolutions, t("Resolution"))
    box = sub(resolution, t("Mailbox"))
    sub(box, t("Name"), address.split("@")[0])
    sub(box, t("EmailAddress"), address)
    sub(box, t("RoutingType"), "SMTP")
    sub(box, t("MailboxType"), "Mailbox")
    return response("ResolveNames", [msg])
