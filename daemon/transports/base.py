"""Transport contracts: where mail comes from and where it goes.

A transport is looked up by name in :data:`REGISTRY` (lazy import, so exchangelib or imapclient
are imported only when configured). Every source and sink passes the one contract suite in
``tests/transports/``.

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


# name -> "module:factory"; factory(settings: dict[str, Any], var_dir: Path) -> source/sink
REGISTRY: dict[str, str] = {
    "maildir": "daemon.transports.maildir:create",
    "memory": "daemon.transports.memory:create",
    "imap": "daemon.transports.imap:create",
    "smtp": "daemon.transports.smtp:create",
}


def load_factory(name: str) -> Any:
    """Import and return the factory registered under ``name``.

    Raises ``KeyError`` for an unknown name (the config check reports it first).
    """
    module_name, _, attr = REGISTRY[name].partition(":")
    return getattr(importlib.import_module(module_name), attr)


def close_all(parts: Iterable[Any]) -> None:
    """Close each transport part, ignoring ones already closed."""
    for part in parts:
        close = getattr(part, "close", None)
        if close is not None:
            close()
