"""A refused Graph request → one sentence for the admin: the permission that is missing, the
application access policy that blocks the mailbox, or the mailbox that does not exist."""

from __future__ import annotations

import re

POLICY_FIX = (
    "Fix: in Exchange Online PowerShell, add the mailbox to the group the app's policy allows "
    "(New-ApplicationAccessPolicy -AppId <client_id> -PolicyScopeGroupId <group> "
    "-AccessRight RestrictAccess), then check with Test-ApplicationAccessPolicy -Identity "
    "<mailbox> -AppId <client_id>; changes take up to an hour."
)


def permission_for(method: str, path: str) -> str:
    """The application permission a request needs (Graph v1.0 permission reference)."""
    if re.search(r"/sendMail$", path, re.I):
        return "Mail.Send"
    if re.search(r"/(events|calendar)(/|$|\?|\()", path, re.I):
        return "Calendars.ReadWrite"
    return "Mail.ReadWrite"


def is_policy_block(code: str, message: str) -> bool:
    """True when an application access policy (RBAC for Applications) refused the mailbox."""
    return code == "ErrorAccessDenied" and "AccessPolicy" in message


def explain(status: int, code: str, message: str, method: str, path: str, mailbox: str) -> str:
    """What a 403/404 means and what to fix; other answers are quoted as they came."""
    if status == 403 and is_policy_block(code, message):
        return f"an application access policy blocks mailbox {mailbox}. {POLICY_FIX}"
    if status == 403:
        needed = permission_for(method, path)
        return (
            f"permission {needed} is missing for mailbox {mailbox} ({code}). Fix: add the "
            f"application permission {needed} under API permissions of the app registration "
            "and grant admin consent."
        )
    if status == 404 and code == "ErrorInvalidUser":
        return f"mailbox {mailbox} does not exist. Fix: set mailbox to the meetings mailbox."
    return f"Graph answered {status} {code}: {message[:300]}"
