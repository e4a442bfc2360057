"""``meetingd check-config`` for ``[transport.graph]``: sign in, read the mailbox, and say in
one line what is missing: a permission (``Mail.ReadWrite``, ``Mail.Send``,
``Calendars.ReadWrite``), or that an application access policy blocks the mailbox.

A token's ``roles`` (application permissions) or ``scp`` (delegated) claim tells what was
granted; reading the watched folder and the calendar shows whether the mailbox may be
reached. Nothing is sent and nothing is changed.
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

from daemon.errors import PermanentError, TransientError, UserError
from daemon.transports.graph import permissions
from daemon.transports.graph.http import GraphError
from daemon.transports.graph.settings import WHERE, open_client, parse, release

log = logging.getLogger(__name__)

#: role -> the permission it needs, and the names that also grant it.
NEEDED = {
    "source": ("Mail.ReadWrite", {"Mail.ReadWrite"}),
    "sink": ("Mail.Send", {"Mail.Send"}),
    "calendar": ("Calendars.ReadWrite", {"Calendars.ReadWrite"}),
}


def granted(token: str) -> set[str] | None:
    """The permissions a JWT access token carries (``roles`` or ``scp``), unverified; None
    when the token is not a readable JWT (another provider)."""
    try:
        part = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError):
        return None
    if not isinstance(claims, dict):
        return None
    names = claims.get("roles") or str(claims.get("scp", "")).split()
    return {str(n) for n in names} if names else None


def check_mailbox(settings: dict[str, Any], var_dir: Path, roles: list[str]) -> list[str]:
    """Every problem, one line each, of the roles (``source``, ``sink``, ``calendar``)
    ``[transport.graph]`` plays. A device-code flow without a saved sign-in signs in here
    (the instructions are printed)."""
    try:
        cfg = parse(settings)
        http = open_client(settings, var_dir)
    except UserError as exc:
        return exc.problems
    try:
        sign_in = getattr(http.tokens, "needs_sign_in", None)
        if sign_in is not None and sign_in():
            http.tokens.sign_in(print)  # type: ignore[attr-defined]
        token = http.tokens.token()
        have = granted(token)
        problems = []
        for role in roles:
            needed, names = NEEDED[role]
            if have is not None and not have & names:
                problems.append(
                    f"{WHERE}: permission {needed} is missing (needed as the {role}). Fix: add "
                    f"the application permission {needed} under API permissions of app "
                    f"{settings.get('client_id')} and grant admin consent."
                )
        user = f"/users/{cfg.mailbox}"
        reads = [("source", f"{user}/mailFolders/{cfg.folder}"), ("calendar", f"{user}/events")]
        for role, path in reads:
            if role in roles or role == "source":
                try:
                    http.call("GET", path, params={"$top": "1"} if role == "calendar" else None)
                except GraphError as exc:
                    needed = permissions.permission_for("GET", path)
                    named = any(f"permission {needed} " in p for p in problems)
                    if not (exc.status == 403 and named and exc.code != "ErrorAccessDenied"):
                        problems.append(f"{WHERE}: {exc}")
                    break
        return list(dict.fromkeys(problems))
    except (PermanentError, TransientError) as exc:
        return [f"{WHERE}: {exc}"]
    finally:
        release(http)
