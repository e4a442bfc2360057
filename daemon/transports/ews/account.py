"""One exchangelib ``Account`` per ``[transport.ews]`` table, shared by source, sink and
calendar (:func:`connection_for`).

The account is built with an explicit ``Configuration(service_endpoint=…, auth_type=…,
version=…)`` when ``endpoint`` is set (no autodiscover, no version probe), else by
autodiscover. Credentials: NTLM or Basic with a password from ``password_env`` /
``password_command``; OAuth2 client credentials (``OAuth2Credentials`` with an ``Identity``
for impersonation, exchangelib #735/#757) for hybrid set-ups. The retry policy is
:class:`Patient`: ``FaultTolerance(max_wait=…)`` honours ``ErrorServerBusy`` with
``BackOffMilliseconds`` up to ``max_wait`` seconds, but takes an HTTP 401 for what it
usually is, a refused login (plain FaultTolerance retries it as throttling).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from exchangelib import (  # type: ignore[import-untyped]
    BASIC,
    DELEGATE,
    IMPERSONATION,
    NTLM,
    OAUTH2,
    Account,
    Build,
    Configuration,
    Credentials,
    FaultTolerance,
    Identity,
    OAuth2Credentials,
    Version,
)
from exchangelib.errors import UnauthorizedError  # type: ignore[import-untyped]
from exchangelib.folders import Folder  # type: ignore[import-untyped]

from daemon.transports.ews.errors import translated
from daemon.transports.ews.settings import EwsSettings

log = logging.getLogger(__name__)

_AUTH = {"ntlm": NTLM, "basic": BASIC, "oauth2": OAUTH2}


class Patient(FaultTolerance):  # type: ignore[misc]
    """``FaultTolerance`` that does not retry an HTTP 401 (a wrong password stays wrong)."""

    def raise_response_errors(self, response: Any) -> Any:
        """As FaultTolerance, except that 401 raises ``UnauthorizedError`` at once."""
        if response.status_code == 401:
            raise UnauthorizedError(f"Invalid credentials for {response.url}")
        return super().raise_response_errors(response)


def build_account(cfg: EwsSettings, policy: Any = None) -> Any:
    """A new exchangelib ``Account`` for ``cfg`` (no request is made yet when ``endpoint``
    is set; autodiscover asks the network at once); ``policy`` replaces :class:`Patient`.
    """
    if cfg.auth == "oauth2":
        identity = Identity(primary_smtp_address=cfg.address) if cfg.impersonate else None
        credentials: Any = OAuth2Credentials(
            client_id=cfg.client_id,
            client_secret=cfg.secret,
            tenant_id=cfg.tenant_id,
            identity=identity,
        )
    else:
        credentials = Credentials(cfg.username, cfg.secret)
    access = IMPERSONATION if cfg.impersonate else DELEGATE
    policy = policy or Patient(max_wait=cfg.max_wait)
    if cfg.endpoint:
        config = Configuration(
            service_endpoint=cfg.endpoint,
            credentials=credentials,
            auth_type=_AUTH[cfg.auth],
            version=Version(build=Build(*cfg.version)),
            retry_policy=policy,
        )
        account = Account(
            primary_smtp_address=cfg.address,
            config=config,
            autodiscover=False,
            access_type=access,
        )
    else:
        config = Configuration(credentials=credentials, retry_policy=policy)
        account = Account(
            primary_smtp_address=cfg.address,
            config=config,
            autodiscover=True,
            access_type=access,
        )
    account.protocol.TIMEOUT = cfg.timeout
    account.protocol.RETRY_WAIT = cfg.retry_wait
    return account


class Connection:
    """The account of one ``[transport.ews]`` table, built on first use, and what the
    roles need to know of each other.

    Attributes:
        cfg: the settings.
        calendar_attached: the EWS calendar is configured, so meeting responses in the inbox
            are answers it records (the source hands them over instead of passing them on
            as mail).
    """

    def __init__(self, cfg: EwsSettings) -> None:
        self.cfg = cfg
        self.calendar_attached = False
        self._account: Any = None
        self._processed: Any = None
        self._lock = threading.Lock()

    @property
    def account(self) -> Any:
        """The exchangelib Account (built once)."""
        with self._lock:
            if self._account is None:
                with translated("connect", login_permanent=True):
                    self._account = build_account(self.cfg)
                log.info(
                    "ews: account %s at %s (%s)",
                    self.cfg.address,
                    self.cfg.endpoint or "autodiscover",
                    self.cfg.auth,
                )
            return self._account

    def processed_folder(self) -> Any:
        """The folder handled mail is moved to (under the Inbox; created if missing)."""
        if self._processed is None:
            inbox = self.account.inbox
            name = self.cfg.processed_folder
            found = [f for f in inbox.children if f.name == name]
            if found:
                self._processed = found[0]
            else:
                folder = Folder(parent=inbox, name=name)
                folder.save()
                log.info("ews: created folder Inbox/%s", name)
                self._processed = folder
        return self._processed

    def close(self) -> None:
        """Close the HTTP sessions and leave the shared cache (the next
        :func:`connection_for` builds a new connection)."""
        with self._lock:
            if self._account is not None:
                self._account.protocol.close()
                self._account = None
                self._processed = None
        with _CONNECTIONS_LOCK:
            if _CONNECTIONS.get(self.cfg.key) is self:
                del _CONNECTIONS[self.cfg.key]


_CONNECTIONS: dict[tuple[str, str, str], Connection] = {}
_CONNECTIONS_LOCK = threading.Lock()


def connection_for(cfg: EwsSettings) -> Connection:
    """The shared :class:`Connection` of this account (source, sink and calendar of one
    table get the same one)."""
    with _CONNECTIONS_LOCK:
        found = _CONNECTIONS.get(cfg.key)
        if found is None or found.cfg != cfg:
            found = _CONNECTIONS[cfg.key] = Connection(cfg)
        return found
