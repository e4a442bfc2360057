"""The ``[transport.ews]`` table: its keys (:data:`SETTINGS`) and the checked
:class:`EwsSettings` the transport is built from.

One table serves the three roles (source, sink, calendar): they share one account.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from daemon.errors import UserError
from daemon.transports.mailconn import read_password

#: Exchange versions and the build they pin (no version probe): 2013 is 15.0, 2016 is
#: 15.1, 2019 and Subscription Edition are 15.2 (Microsoft's build number list).
VERSIONS: dict[str, tuple[int, int]] = {
    "2013": (15, 0),
    "2016": (15, 1),
    "2019": (15, 2),
    "se": (15, 2),
}
AUTH = ("ntlm", "basic", "oauth2")

# name -> (type, required, default, comment); daemon.config validates the table with it.
SETTINGS: dict[str, tuple[str | tuple[str, ...], bool, Any, str]] = {
    "address": ("str", True, None, "The daemon's mailbox (primary SMTP address)."),
    "endpoint": (
        "str",
        False,
        None,
        "EWS URL, e.g. https://mail.corp.example/EWS/Exchange.asmx (unset: autodiscover).",
    ),
    "version": (tuple(VERSIONS), False, "2016", "Exchange version: 2013, 2016, 2019 or se."),
    "auth": (AUTH, False, "ntlm", "ntlm or basic (username + password), oauth2 (hybrid)."),
    "username": ("str", False, None, "DOMAIN\\user or user@corp.example (ntlm, basic)."),
    "password_env": ("str", False, None, "Environment variable holding the password."),
    "password_command": ("str", False, None, "Command printing the password."),
    "client_id": ("str", False, None, "oauth2: the app registration's client id."),
    "tenant_id": ("str", False, None, "oauth2: the Entra tenant id."),
    "client_secret_env": ("str", False, None, "oauth2: variable holding the client secret."),
    "impersonate": (
        "bool",
        False,
        False,
        "Act on address through ApplicationImpersonation (else: own mailbox, or delegate).",
    ),
    "room": ("str", False, None, "Room mailbox booked for every meeting (a resource)."),
    "processed_folder": (
        "str",
        False,
        "meetingd processed",
        "Folder under the Inbox that receives handled mail (created if missing).",
    ),
    "max_wait": (
        "number",
        False,
        60,
        "Seconds a request may wait for Exchange throttling; longer: retried next tick.",
    ),
    "timeout": ("number", False, 60, "Seconds per HTTP request."),
    "retry_wait": ("number", False, 10, "Seconds before a request refused with 503 is retried."),
    "poll_seconds": ("number", False, 30, "How often the inbox is synced when idle."),
    "page_size": ("int", False, 100, "Changes asked for per SyncFolderItems page."),
}


@dataclass(frozen=True)
class EwsSettings:
    """``[transport.ews]`` checked: every field as the transport uses it.

    ``max_wait``, ``timeout``, ``retry_wait`` and ``poll_seconds`` are seconds; ``secret``
    is the password (ntlm, basic) or the client secret (oauth2), never printed.
    """

    address: str
    endpoint: str | None
    version: tuple[int, int]
    auth: str
    username: str | None
    secret: str | None
    client_id: str | None
    tenant_id: str | None
    impersonate: bool
    room: str | None
    processed_folder: str
    max_wait: float
    timeout: float
    retry_wait: float
    poll_seconds: float
    page_size: int

    def __repr__(self) -> str:  # never print the secret
        return f"EwsSettings(address={self.address!r}, endpoint={self.endpoint!r})"

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes two tables the same account: endpoint, mailbox, user."""
        return (self.endpoint or "", self.address.lower(), self.username or self.client_id or "")


def parse(settings: Mapping[str, Any]) -> EwsSettings:
    """``settings`` (already type-checked by ``daemon.transports.settings``) → EwsSettings.

    Raises:
        UserError: a missing credential (every problem at once, naming key and fix).
    """
    where = "[transport.ews]"
    problems: list[str] = []

    def get(key: str) -> Any:
        value = settings.get(key)
        return SETTINGS[key][2] if value is None else value

    auth = str(get("auth"))
    username = settings.get("username")
    secret: str | None
    if auth == "oauth2":
        for key in ("client_id", "tenant_id", "client_secret_env"):
            if not settings.get(key):
                problems.append(f'{where} {key}: required with auth = "oauth2". Fix: add it.')
        secret = _secret_env(settings.get("client_secret_env"), where, problems)
    else:
        if not username:
            problems.append(
                f'{where} username: required with auth = "{auth}". Fix: add username = '
                '"DOMAIN\\\\user" or "user@corp.example".'
            )
        secret = read_password(settings, where, problems)
        if secret is None and not problems:
            problems.append(
                f"{where}: no password. Fix: set password_env (an environment variable name) "
                "or password_command."
            )
    if problems:
        raise UserError(problems)
    endpoint = settings.get("endpoint") or None
    return EwsSettings(
        address=str(settings["address"]).strip(),
        endpoint=str(endpoint) if endpoint else None,
        version=VERSIONS[str(get("version"))],
        auth=auth,
        username=str(username) if username else None,
        secret=secret,
        client_id=settings.get("client_id"),
        tenant_id=settings.get("tenant_id"),
        impersonate=bool(get("impersonate")),
        room=(str(settings["room"]).strip().lower() or None) if settings.get("room") else None,
        processed_folder=str(get("processed_folder")),
        max_wait=float(get("max_wait")),
        timeout=float(get("timeout")),
        retry_wait=float(get("retry_wait")),
        poll_seconds=float(get("poll_seconds")),
        page_size=int(get("page_size")),
    )


def _secret_env(variable: Any, where: str, problems: list[str]) -> str | None:
    if not variable:
        return None
    value = os.environ.get(str(variable))
    if value is None:
        problems.append(
            f"{where} client_secret_env: environment variable {variable} is not set. Fix: "
            f"export {variable}=<the client secret> where meetingd runs."
        )
    return value
