"""Transport contracts: where mail comes from and where it goes.

A transport is looked up by name in :data:`REGISTRY` (lazy import, so exchangelib or imapclient
are imported only when configured); each entry declares its roles, settings, example text and
whether it pushes. Nothing else lists transport names. Every source, sink and calendar
passes the contract suites in ``tests/transports/``. The calendar contract is in
:mod:`daemon.transports.calendar`.

Keys: a :class:`FetchedMessage` has a ``source_key`` that is unique and stable for that
message in that source (Maildir file name, ``UIDVALIDITY:UID`` for IMAP, EWS item id); the
pipeline stores the raw bytes unique on it **before** calling :meth:`MailSource.ack`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class FetchedMessage:
    """One inbound message: ``raw`` RFC 5322 bytes and its stable ``source_key``."""

    source_key: str
    raw: bytes


@dataclass(frozen=True)
class OutgoingMail:
    """One rendered mail ready to send.

    ``message_id`` includes the angle brackets; ``recipients`` are envelope addresses
    (To + Cc + Bcc, lower-case); ``raw`` is the full RFC 5322 message, CRLF or LF.
    """

    message_id: str
    recipients: tuple[str, ...]
    raw: bytes


@runtime_checkable
class MailSource(Protocol):
    """Where inbound mail is read from."""

    def fetch(self, limit: int = 100) -> list[FetchedMessage]:
        """Up to ``limit`` messages not yet acknowledged, oldest first.

        Raises ``TransientError`` when the server cannot be reached, ``PermanentError`` on
        authentication failure. Fetching twice without ack returns the same keys again.
        """
        ...

    def ack(self, source_key: str) -> None:
        """Mark a stored message handled: move it out of the inbox, never delete it.

        Acknowledging a key that is already acknowledged is a no-op.
        """
        ...

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds for new mail (IMAP IDLE); True if some may exist."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class MailSink(Protocol):
    """Where outbound mail goes."""

    def send(self, mail: OutgoingMail) -> None:
        """Deliver ``mail``. Raises ``TransientError`` (retry later) or ``PermanentError``."""
        ...

    def find_sent(self, message_id: str) -> bool | None:
        """Was a mail with this Message-ID (angle brackets included) already delivered?

        Settles a mail a crash left ``sending`` (``daemon.outbound.outbox.settle_stuck``):

        * True: delivered; the mail is marked sent, never sent again.
        * False: certainly not delivered; the mail is requeued and sent.
        * None: this sink cannot tell (e.g. SMTP without a Sent folder). The mail is
          requeued only once its claim is ``SETTLE_AFTER`` old, logged as resent: it may
          arrive twice (at-least-once, declared).

        Raise (any exception, e.g. ``TransientError``) when the answer cannot be had right
        now (server unreachable): the mail stays ``sending`` and is asked about again later.
        Never answer False by guessing: that resends silently.
        """
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class TransportEntry:
    """One transport of the registry.

    Attributes:
        module: the module that implements it (imported only when configured).
        roles: what it can be: ``source``, ``sink``, ``calendar``.
        example: the comment above its table in ``config.example.toml``.
        example_commented: its table is shown commented out (not used by default).
        pushes: as a source, the server tells it of new mail (IMAP IDLE), so the runner may
            block in :meth:`MailSource.wait`; a polled source is asked in short slices.
        keeps_state: its mail roles keep values in the database (a sync state): ``create``
            takes a third argument, the transport state of its scope.

    The module has ``SETTINGS`` (the keys of ``[transport.<name>]``), ``create(settings,
    var_dir)`` (``create(settings, var_dir, state)`` with ``keeps_state``) for the mail
    roles and ``create_calendar(settings, var_dir, sink, state)`` for the calendar role; a
    ``probe(settings)`` returning None or a one-line problem lets ``check-config`` try the
    server (with the keywords ``var_dir`` and ``roles`` if it takes them).
    """

    module: str
    roles: frozenset[str]
    example: str
    example_commented: bool = True
    pushes: bool = False
    keeps_state: bool = False

    def load(self) -> Any:
        """The imported module."""
        return importlib.import_module(self.module)


ROLES = ("source", "sink", "calendar")

# -- Microsoft Graph (issue 14): the comment above [transport.graph] in the example --
GRAPH_EXAMPLE = """Microsoft 365 through Microsoft Graph: mail in and out, and the calendar.
Set-up, step by step (more in docs/operations.md, "Microsoft 365 (Graph)"):
1. Entra admin center > App registrations > New registration "meetingd", single tenant;
   note its Application (client) ID and Directory (tenant) ID.
2. API permissions > Add > Microsoft Graph > Application permissions: Mail.ReadWrite,
   Mail.Send, Calendars.ReadWrite; then "Grant admin consent".
3. Certificates & secrets: a client secret (export its Value as MEETINGD_GRAPH_SECRET
   and set client_secret_env) or a certificate (certificate_file).
4. Exchange Online PowerShell: limit the app to the meetings mailbox:
   New-DistributionGroup -Name meetingd-app -Type Security -Members meetings@contoso.com
   New-ApplicationAccessPolicy -AppId <client id> -PolicyScopeGroupId meetingd-app
     -AccessRight RestrictAccess -Description "meetingd: meetings mailbox only"
5. [transport] source = "graph", sink = "graph", calendar = "graph"; fill in the table
   below; run `meetingd check-config` (signs in, reads the mailbox, names what is missing)."""
# -- end Microsoft Graph --

#: Every transport, by the name used in ``[transport] source/sink/calendar``.
REGISTRY: dict[str, TransportEntry] = {
    "maildir": TransportEntry(
        "daemon.transports.maildir",
        frozenset({"source", "sink"}),
        "Embedded transport: Maildirs under var_dir.",
        example_commented=False,
    ),
    "imap": TransportEntry(
        "daemon.transports.imap",
        frozenset({"source"}),
        "IMAP source (Exchange, Exmail, Alimail, Gmail, Dovecot ...).",
        pushes=True,
    ),
    "smtp": TransportEntry("daemon.transports.smtp", frozenset({"sink"}), "SMTP sink."),
    "imip": TransportEntry(
        "daemon.transports.imip",
        frozenset({"calendar"}),
        "Calendar by mail: iTIP invitations (iMIP) sent through the sink; no settings.",
    ),
    "ews": TransportEntry(
        "daemon.transports.ews",
        frozenset({"source", "sink", "calendar"}),
        "Exchange on-premises over EWS: inbox, sending and real meeting items "
        "(docs/operations.md).",
        keeps_state=True,
    ),
    # -- Microsoft Graph (issue 14) --
    "graph": TransportEntry(
        "daemon.transports.graph",
        frozenset({"source", "sink", "calendar"}),
        GRAPH_EXAMPLE,
        keeps_state=True,
    ),
    # -- end Microsoft Graph --
    "memory": TransportEntry(
        "daemon.transports.memory",
        frozenset({"source", "sink", "calendar"}),
        "In-memory transport (tests).",
    ),
}


def names_for(role: str) -> list[str]:
    """The registered transports that can take ``role``, in registry order."""
    return [name for name, entry in REGISTRY.items() if role in entry.roles]


def load_factory(name: str, role: str = "mail") -> Any:
    """The factory of transport ``name`` for ``role``: ``create`` for ``source``, ``sink``
    or ``mail`` (either), ``create_calendar`` for ``calendar``.

    Raises:
        KeyError: an unknown name, or a role the transport does not have (the config check
            reports both first).
    """
    entry = REGISTRY[name]
    wanted = {"source", "sink"} if role == "mail" else {role}
    if not wanted & entry.roles:
        raise KeyError(f"{name} is no {role}")
    return getattr(entry.load(), "create_calendar" if role == "calendar" else "create")


def close_all(parts: Iterable[Any]) -> None:
    """Close each transport part, ignoring ones already closed."""
    for part in parts:
        close = getattr(part, "close", None)
        if close is not None:
            close()
