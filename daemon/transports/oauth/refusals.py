"""What an Entra ID (AADSTS) refusal means for the admin: one sentence naming the fix.

Codes from Microsoft's "Microsoft Entra authentication and authorization error codes"
(https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: AADSTS code -> the fix, written for the person who owns the app registration.
FIXES: dict[int, str] = {
    90002: "the tenant is unknown. Fix: set tenant to the Directory (tenant) ID or the "
    "primary domain shown on the app registration's Overview page.",
    90072: "the account is not in this tenant. Fix: check tenant.",
    700016: "no application with this client id in the tenant. Fix: set client_id to the "
    "Application (client) ID of the app registration, and tenant to its directory.",
    7000215: "the client secret is wrong. Fix: put the secret's Value (not its Secret ID) "
    "into the variable named by client_secret_env.",
    7000222: "the client secret has expired. Fix: add a new secret under Certificates & "
    "secrets and update the variable named by client_secret_env.",
    7000218: "no credential was sent. Fix: set client_secret_env, client_secret_command or "
    "certificate_file.",
    700027: "the certificate is not registered. Fix: upload the certificate of "
    "certificate_file under Certificates & secrets of the app registration.",
    65001: "admin consent is missing. Fix: an administrator opens API permissions of the app "
    "registration and clicks 'Grant admin consent'.",
    1002012: "the scope is invalid. Fix: for client credentials use "
    "<resource>/.default, e.g. https://graph.microsoft.com/.default.",
    500011: "the resource is not known in the tenant. Fix: check scopes, and grant the "
    "app a permission on that API.",
    50027: "the signed credential was malformed. Fix: check certificate_file (a PEM with the "
    "private key and the certificate).",
    700024: "the signed credential is outside its valid time. Fix: check the machine's clock.",
    70019: "the sign-in code expired. Fix: run `meetingd check-config` again and sign in "
    "within 15 minutes.",
    700082: "the saved sign-in expired. Fix: run `meetingd check-config` in a terminal to "
    "sign in again.",
    50076: "multi-factor sign-in is required. Fix: sign in again with `meetingd "
    "check-config`, or use an app registration with client credentials.",
}
#: Codes that mean "try again later", not "fix something".
TRANSIENT = frozenset({90055, 90033, 50196})
_CODE = re.compile(r"AADSTS(\d+)")


def aadsts_code(result: Mapping[str, Any]) -> int | None:
    """The AADSTS code of an msal error result (``error_codes`` or the description)."""
    codes = result.get("error_codes") or []
    if codes:
        return int(codes[0])
    found = _CODE.search(str(result.get("error_description", "")))
    return int(found.group(1)) if found else None


def explain(result: Mapping[str, Any], who: str) -> str:
    """One sentence: who was refused, why, and what to fix (the raw code is kept)."""
    code = aadsts_code(result)
    first = str(result.get("error_description", "")).split("\r\n")[0].split("\n")[0]
    fix = FIXES.get(code or -1)
    if fix is None:
        error = result.get("error", "refused")
        return f"{who}: sign-in refused ({error}: {first[:300]})."
    return f"{who}: sign-in refused, {fix} (AADSTS{code})"
