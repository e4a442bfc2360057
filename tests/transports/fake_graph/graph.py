"""The fake Graph v1.0 routes: authentication, permissions, access policy, then the model.

Checks run in Graph's order: a bearer token this fake issued and that has not expired
(401 ``InvalidAuthenticationToken``), the app role or delegated scope the route needs (403
``Authorization_RequestDenied``), the mailbox (404 ``ErrorInvalidUser``), the application
access policy (403 ``ErrorAccessDenied``). OData key syntax (``users('x')/events('y')``) and
``microsoft.graph.delta()`` are accepted as well as plain segments.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from typing import Any
from urllib.parse import quote, urlencode

from tests.transports.fake_graph.state import (
    Event,
    Folder,
    GraphError,
    GraphState,
    Mailbox,
    StoredMessage,
    new_id,
)
from tests.transports.fake_graph.tokens import Grant, TokenService
from tests.transports.fake_graph.wire import Reply, Request, graph_error, json_reply

READ_MAIL = frozenset({"Mail.Read", "Mail.ReadWrite"})
WRITE_MAIL = frozenset({"Mail.ReadWrite"})
SEND_MAIL = frozenset({"Mail.Send"})
READ_CALENDAR = frozenset({"Calendars.Read", "Calendars.ReadWrite"})
WRITE_CALENDAR = frozenset({"Calendars.ReadWrite"})
READ_USER = frozenset({"User.Read.All", "User.ReadBasic.All", "Directory.Read.All"})

_USER = re.compile(r"^/v1\.0/(?:users/(?P<user>[^/]+)|(?P<me>me))(?P<rest>/.*)?$", re.I)
_ODATA_KEY = re.compile(r"([A-Za-z]+)\('([^']*)'\)")
_STRING = r"'(?P<{}>(?:[^']|'')*)'"
_EQ = re.compile(r"^\s*(?P<field>[\w/]+)\s+eq\s+" + _STRING.format("value") + r"\s*$", re.I)
_EXT_ANY = re.compile(
    r"^\s*singleValueExtendedProperties/any\(\s*(?P<v>\w+)\s*:\s*(?P=v)/id\s+eq\s+"
    + _STRING.format("id")
    + r"\s+and\s+(?P=v)/value\s+eq\s+"
    + _STRING.format("value")
    + r"\s*\)\s*$",
    re.I,
)
_EXPAND_EXT = re.compile(
    r"^\s*singleValueExtendedProperties\(\s*\$filter=(?P<clauses>.*)\)\s*$", re.I | re.S
)
_ID_EQ = re.compile(r"^\s*id\s+eq\s+" + _STRING.format("id") + r"\s*$", re.I)
_SAFE = "$'(),:/"
_PRIVILEGES_MESSAGE = "Insufficient privileges to complete the operation."
_BASE64_MESSAGE = "Invalid base64 string for MIME content."
_POLICY_MESSAGE = (
    "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy "
    "settings."
)

Handler = Callable[["GraphApi", Mailbox, Request, dict[str, str]], Reply]


@dataclass(frozen=True)
class Route:
    """One Graph operation: method, path after ``/users/{id}``, handler, roles (any one)."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    roles: frozenset[str]


def _unquote(value: str) -> str:
    return value.replace("''", "'")


def _select(request: Request) -> tuple[str, ...] | None:
    raw = request.query.get("$select") or request.query.get("select")
    return tuple(s.strip() for s in raw.split(",") if s.strip()) if raw else None


def _prefer(request: Request) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in (request.header("Prefer") or "").split(","):
        key, _, value = part.strip().partition("=")
        if key:
            out[key.lower()] = value.strip().strip('"')
    return out


def _eq_filter(request: Request) -> tuple[str, str] | None:
    raw = request.query.get("$filter") or request.query.get("filter")
    if not raw:
        return None
    match = _EQ.match(raw)
    if not match:
        raise GraphError(400, "BadRequest", f"Invalid filter clause: {raw}")
    return match["field"], _unquote(match["value"])


def _page(request: Request, items: list[dict[str, Any]], default_top: int) -> dict[str, Any]:
    """``$top``/``$skip`` paging with an ``@odata.nextLink`` built from the request."""
    top = int(request.query.get("$top", default_top))
    skip = int(request.query.get("$skip", 0))
    page: dict[str, Any] = {"value": items[skip : skip + top]}
    if skip + top < len(items):
        query = {**request.query, "$top": str(top), "$skip": str(skip + top)}
        page["@odata.nextLink"] = (
            f"{request.origin}{request.path}?{urlencode(query, safe=_SAFE, quote_via=quote)}"
        )
    return page


class GraphApi:
    """Routes Graph requests to :class:`GraphState` after the checks Graph makes."""

    def __init__(self, state: GraphState, tokens: TokenService) -> None:
        self.state, self.tokens = state, tokens

    def mailbox_key(self, request: Request) -> str | None:
        """The mailbox a request is for (for the per-mailbox concurrency count)."""
        match = _USER.match(_normalise(request.path))
        if not match:
            return None
        if match["me"]:
            grant = self.tokens.lookup(_bearer(request) or "")
            return grant.user if grant and grant.user else None
        try:
            return self.state.mailbox(match["user"]).address
        except KeyError:
            return match["user"].lower()

    def handle(self, request: Request) -> Reply:
        """Answer one ``/v1.0/...`` request."""
        try:
            return self._handle(request)
        except GraphError as exc:
            return graph_error(exc.status, exc.code, exc.message)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:  # a malformed body
            return graph_error(400, "BadRequest", f"Unable to read the request: {exc!r}")

    def _handle(self, request: Request) -> Reply:
        path = _normalise(request.path)
        match = _USER.match(path)
        grant = self._authenticate(request)
        if not match:
            raise GraphError(400, "BadRequest", f"Resource not found for the segment '{path}'.")
        rest = match["rest"] or ""
        found = [(r, m) for r in ROUTES if (m := r.pattern.match(rest))]
        route_match = next(((r, m) for r, m in found if r.method == request.method), None)
        if route_match is None:
            if found:
                raise GraphError(405, "Request_BadRequest", "The method is not allowed.")
            raise GraphError(400, "BadRequest", f"Resource not found for the segment '{rest}'.")
        route, groups = route_match
        if not (grant.roles & route.roles):
            raise GraphError(403, "Authorization_RequestDenied", _PRIVILEGES_MESSAGE)
        box = self._mailbox(grant, match["user"], bool(match["me"]))
        with self.state.lock:
            return route.handler(self, box, request, groups.groupdict())

    def _authenticate(self, request: Request) -> Grant:
        token = _bearer(request)
        if not token:
            raise _unauthorized("Access token is empty.")
        grant = self.tokens.lookup(token)
        if grant is None:
            raise _unauthorized("Access token validation failure. Invalid audience.")
        if grant.expires_at <= self.tokens.now():
            raise _unauthorized("Lifetime validation failed, the token is expired.")
        return grant

    def _mailbox(self, grant: Grant, user: str | None, me: bool) -> Mailbox:
        if me and not grant.delegated:
            raise GraphError(
                400, "BadRequest", "/me request is only valid with delegated authentication flow."
            )
        wanted = grant.user if me else user
        try:
            box = self.state.mailbox(wanted or "")
        except KeyError:
            raise GraphError(
                404, "ErrorInvalidUser", f"The requested user '{wanted}' is invalid."
            ) from None
        if grant.delegated:
            if box.address != (grant.user or "").lower():
                raise GraphError(
                    403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
                )
        elif self.state.allowed_mailboxes is not None and box.address not in {
            a.lower() for a in self.state.allowed_mailboxes
        }:
            raise GraphError(403, "ErrorAccessDenied", _POLICY_MESSAGE)
        return box

    # -- user and folders --------------------------------------------------------------------

    def get_user(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``GET /users/{id}``."""
        return json_reply(
            200,
            {
                "id": box.user_id,
                "displayName": box.display_name,
                "mail": box.address,
                "userPrincipalName": box.address,
            },
        )

    def list_folders(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``GET /mailFolders`` (top level)."""
        return self._folders(box, request, box.root_id)

    def get_folder(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``GET /mailFolders/{id or well-known name}``."""
        return json_reply(200, self.state.folder_json(box, box.folder(groups["folder"])))

    def list_children(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``GET /mailFolders/{id}/childFolders`` (``$filter=displayName eq '...'``)."""
        return self._folders(box, request, box.folder(groups["folder"]).id)

    def _folders(self, box: Mailbox, request: Request, parent: str) -> Reply:
        folders = [
            self.state.folder_json(box, f) for f in box.folders.values() if f.parent_id == parent
        ]
        condition = _eq_filter(request)
        if condition:
            folders = [f for f in folders if f.get(condition[0]) == condition[1]]
        return json_reply(200, _page(request, folders, 10))

    def create_child(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``POST /mailFolders/{id}/childFolders`` (409 ``ErrorFolderExists`` if taken)."""
        parent = box.folder(groups["folder"])
        name = str((request.json() or {}).get("displayName", "")).strip()
        if not name:
            raise GraphError(400, "ErrorInvalidRequest", "displayName is required.")
        if any(
            f.parent_id == parent.id and f.display_name.lower() == name.lower()
            for f in box.folders.values()
        ):
            raise GraphError(
                409, "ErrorFolderExists", "A folder with the specified name already exists."
            )
        folder = Folder(new_id("AAMkAGZha2UtZm9sZGVyAC4AAA"), name, parent.id)
        box.folders[folder.id] = folder
        return json_reply(201, self.state.folder_json(box, folder))

    # -- messages ----------------------------------------------------------------------------

    def delta(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``GET /mailFolders/{id}/messages/delta`` (``$deltatoken``, ``$skiptoken``)."""
        prefer = _prefer(request)
        size = int(prefer.get("odata.maxpagesize", self.state.delta_page_size))
        page = self.state.delta(
            box,
            groups["folder"],
            deltatoken=request.query.get("$deltatoken"),
            skiptoken=request.query.get("$skiptoken"),
            select=_select(request),
            page_size=max(1, size),
        )
        applied = "odata.maxpagesize" in prefer
        headers = {"Preference-Applied": f"odata.maxpagesize={size}"} if applied else {}
        return json_reply(200, page, headers)

    def list_messages(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``GET [/mailFolders/{id}]/messages`` (``$filter=field eq '...'``, paging)."""
        if groups.get("folder"):
            messages = box.in_folder(box.folder(groups["folder"]).id)
        else:
            messages = sorted(box.messages.values(), key=lambda m: m.seq)
        select = _select(request)
        rendered = [self.state.message_json(box, m) for m in reversed(messages)]
        condition = _eq_filter(request)
        if condition:
            rendered = [r for r in rendered if r.get(condition[0]) == condition[1]]
        if select is not None:
            keep = set(select) | {"id", "@odata.type", "@odata.etag"}
            rendered = [{k: v for k, v in r.items() if k in keep} for r in rendered]
        return json_reply(200, _page(request, rendered, 10))

    def get_message(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``GET /messages/{id}`` (``$select``; ``$expand=event`` or
        ``$expand=microsoft.graph.eventMessage/event`` for event messages)."""
        message = self._message(box, groups)
        expand = (request.query.get("$expand") or "").strip().lower() in (
            "event",
            "microsoft.graph.eventmessage/event",  # the documented form, with the cast
        )
        return json_reply(
            200,
            self.state.message_json(box, message, select=_select(request), expand_event=expand),
        )

    def get_mime(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``GET /messages/{id}/$value``: the MIME."""
        return Reply(200, self._message(box, groups).mime, {"Content-Type": "text/plain"})

    def patch_message(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``PATCH /messages/{id}`` (``isRead``, ``categories``)."""
        message = self._message(box, groups)
        self.state.update_message(box, message.id, request.json() or {})
        return json_reply(200, self.state.message_json(box, message))

    def delete_message(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``DELETE /messages/{id}``: moved to Deleted Items, as Graph does."""
        self.state.move(box, self._message(box, groups).id, "deleteditems")
        return Reply(204)

    def move_message(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``POST /messages/{id}/move`` ``{"destinationId"}``: 201 with the NEW id."""
        destination = (request.json() or {}).get("destinationId")
        if not destination:
            raise GraphError(400, "ErrorInvalidRequest", "destinationId is required.")
        moved = self.state.move(box, self._message(box, groups).id, str(destination))
        return json_reply(201, self.state.message_json(box, moved))

    def _message(self, box: Mailbox, groups: dict[str, str]) -> StoredMessage:
        message = box.message(groups["message"])
        if groups.get("folder") and message.folder_id != box.folder(groups["folder"]).id:
            raise GraphError(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        return message

    def send_mail(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``POST /sendMail``: base64 MIME (``text/plain``) or a JSON ``message``; 202."""
        content_type = (request.header("Content-Type") or "").lower()
        if content_type.startswith("text/plain"):
            try:
                mime = base64.b64decode(b"".join(request.body.split()), validate=True)
            except (binascii.Error, ValueError):
                raise GraphError(
                    400, "ErrorMimeContentInvalidBase64String", _BASE64_MESSAGE
                ) from None
            if not mime.strip():
                raise GraphError(400, "ErrorMimeContentInvalid", "The MIME content is empty.")
        elif content_type.startswith("application/json"):
            mime = _json_message_mime(box, (request.json() or {}).get("message") or {})
        else:
            raise GraphError(
                415, "ErrorInvalidRequest", "sendMail takes text/plain (MIME) or JSON."
            )
        self.state.send_mime(box, mime)
        return Reply(202)

    # -- events ------------------------------------------------------------------------------

    def create_event(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``POST /events``: 201 with id, iCalUId, changeKey and attendees' status."""
        event, _ = self.state.create_event(box, request.json() or {})
        # The create answer echoes the zone it was given; later reads are in UTC.
        zone = _zone(request) or event.start.raw["timeZone"]
        return json_reply(201, self.state.event_json(box, event, zone=zone))

    def list_events(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``GET /events`` with the ``singleValueExtendedProperties/Any(...)`` filter form
        or ``field eq '...'``; cancelled meetings are not listed (they went to Deleted
        Items)."""
        events = [e for e in box.events.values() if not e.cancelled]
        raw = request.query.get("$filter") or request.query.get("filter")
        if raw and (match := _EXT_ANY.match(raw)):
            key, value = _unquote(match["id"]).lower(), _unquote(match["value"])
            events = [e for e in events if key in e.extended and e.extended[key][1] == value]
            rendered = [self._event_json(box, e, request) for e in events]
        else:
            rendered = [self._event_json(box, e, request) for e in events]
            condition = _eq_filter(request)
            if condition:
                rendered = [r for r in rendered if r.get(condition[0]) == condition[1]]
        return json_reply(200, _page(request, rendered, 10))

    def get_event(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``GET /events/{id}`` (``$expand=singleValueExtendedProperties($filter=id eq '…'
        [or id eq '…']…)``)."""
        return json_reply(200, self._event_json(box, box.event(groups["event"]), request))

    def patch_event(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``PATCH /events/{id}``; see :meth:`GraphState.update_event` for who is told."""
        event = self.state.update_event(box, groups["event"], request.json() or {})
        return json_reply(200, self._event_json(box, event, request))

    def delete_event(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``DELETE /events/{id}``: 204."""
        self.state.delete_event(box, groups["event"])
        return Reply(204)

    def cancel_event(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``POST /events/{id}/cancel`` ``{"comment"}``: 202."""
        comment = (request.json() or {}).get("comment")
        self.state.cancel_event(box, groups["event"], comment)
        return Reply(202)

    def forward_event(self, box: Mailbox, request: Request, groups: dict[str, str]) -> Reply:
        """``POST /events/{id}/forward`` ``{"toRecipients", "comment"}``: the meeting request
        goes to those recipients (202); the event itself does not change."""
        body = request.json() or {}
        recipients = body.get("toRecipients") or []
        if not recipients:
            raise GraphError(400, "ErrorInvalidRequest", "toRecipients is required.")
        self.state.forward_event(box, groups["event"], recipients, body.get("comment"))
        return Reply(202)

    def _event_json(self, box: Mailbox, event: Event, request: Request) -> dict[str, Any]:
        expand = request.query.get("$expand")
        expand_ids: list[str] | None = None
        if expand:
            match = _EXPAND_EXT.match(expand)
            clauses = re.split(r"\s+or\s+", match["clauses"], flags=re.I) if match else []
            found = [_ID_EQ.match(clause) for clause in clauses]
            if not found or not all(found):
                raise GraphError(400, "BadRequest", f"Invalid $expand: {expand}")
            expand_ids = [_unquote(m["id"]) for m in found if m]
        return self.state.event_json(
            box, event, zone=_zone(request), expand_ids=expand_ids, select=_select(request)
        )


def _zone(request: Request) -> str | None:
    return _prefer(request).get("outlook.timezone")


def _normalise(path: str) -> str:
    path = path.replace("/microsoft.graph.delta()", "/delta").replace("/microsoft.graph.", "/")
    return _ODATA_KEY.sub(r"\1/\2", path).rstrip("/")


def _bearer(request: Request) -> str | None:
    scheme, _, token = (request.header("Authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _unauthorized(message: str) -> GraphError:
    return GraphError(401, "InvalidAuthenticationToken", message)


def _json_message_mime(box: Mailbox, message: dict[str, Any]) -> bytes:
    """MIME for the JSON form of ``sendMail`` (subject, body, to/cc, internetMessageId)."""
    mime = EmailMessage()
    mime["From"] = f"{box.display_name} <{box.address}>"
    for header, key in (("To", "toRecipients"), ("Cc", "ccRecipients")):
        addresses = [r["emailAddress"]["address"] for r in message.get(key) or []]
        if addresses:
            mime[header] = ", ".join(addresses)
    mime["Subject"] = str(message.get("subject", ""))
    mime["Message-ID"] = message.get("internetMessageId") or make_msgid(domain="fake-graph.test")
    body = message.get("body") or {}
    subtype = "html" if str(body.get("contentType", "text")).lower() == "html" else "plain"
    mime.set_content(str(body.get("content", "")), subtype=subtype)
    return mime.as_bytes(policy=SMTP)


_F = r"(?P<folder>[^/]+)"
_M = r"(?P<message>[^/]+)"
_E = r"(?P<event>[^/]+)"
_CAL = r"(?:/calendar)?"
_ROUTE_TABLE: list[tuple[str, str, Handler, frozenset[str]]] = [
    ("GET", r"", GraphApi.get_user, READ_USER),
    ("GET", r"/mailFolders", GraphApi.list_folders, READ_MAIL),
    ("GET", rf"/mailFolders/{_F}", GraphApi.get_folder, READ_MAIL),
    ("GET", rf"/mailFolders/{_F}/childFolders", GraphApi.list_children, READ_MAIL),
    ("POST", rf"/mailFolders/{_F}/childFolders", GraphApi.create_child, WRITE_MAIL),
    ("GET", rf"/mailFolders/{_F}/messages/delta", GraphApi.delta, READ_MAIL),
    ("GET", rf"/mailFolders/{_F}/messages", GraphApi.list_messages, READ_MAIL),
    ("GET", rf"/mailFolders/{_F}/messages/{_M}", GraphApi.get_message, READ_MAIL),
    ("GET", rf"/mailFolders/{_F}/messages/{_M}/\$value", GraphApi.get_mime, READ_MAIL),
    ("GET", r"/messages", GraphApi.list_messages, READ_MAIL),
    ("GET", rf"/messages/{_M}", GraphApi.get_message, READ_MAIL),
    ("PATCH", rf"/messages/{_M}", GraphApi.patch_message, WRITE_MAIL),
    ("DELETE", rf"/messages/{_M}", GraphApi.delete_message, WRITE_MAIL),
    ("GET", rf"/messages/{_M}/\$value", GraphApi.get_mime, READ_MAIL),
    ("POST", rf"/messages/{_M}/move", GraphApi.move_message, WRITE_MAIL),
    ("POST", r"/sendMail", GraphApi.send_mail, SEND_MAIL),
    ("POST", rf"{_CAL}/events", GraphApi.create_event, WRITE_CALENDAR),
    ("GET", rf"{_CAL}/events", GraphApi.list_events, READ_CALENDAR),
    ("GET", rf"{_CAL}/events/{_E}", GraphApi.get_event, READ_CALENDAR),
    ("PATCH", rf"{_CAL}/events/{_E}", GraphApi.patch_event, WRITE_CALENDAR),
    ("DELETE", rf"{_CAL}/events/{_E}", GraphApi.delete_event, WRITE_CALENDAR),
    ("POST", rf"{_CAL}/events/{_E}/cancel", GraphApi.cancel_event, WRITE_CALENDAR),
    ("POST", rf"{_CAL}/events/{_E}/forward", GraphApi.forward_event, WRITE_CALENDAR),
]
ROUTES = [
    Route(method, re.compile(f"^{pattern}$", re.I), handler, roles)
    for method, pattern, handler, roles in _ROUTE_TABLE
]
