"""SASL XOAUTH2 (Google's and Microsoft's IMAP/SMTP OAuth2 mechanism).

The initial client response is ``user=<address>^Aauth=Bearer <token>^A^A`` (``^A`` is 0x01),
base64-encoded on the wire (https://developers.google.com/gmail/imap/xoauth2-protocol). A
refusal comes back as a challenge holding base64 JSON (``{"status": "401", ...}``) that the
client answers with an empty line; then the server says NO / 535.
"""

from __future__ import annotations

import base64
import json


def initial_response(user: str, token: str) -> str:
    """The XOAUTH2 client response before base64 (smtplib and imapclient encode it)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def parse_initial_response(decoded: bytes) -> tuple[str, str] | None:
    """``(user, token)`` from a decoded XOAUTH2 response, None when malformed (servers)."""
    fields = dict(
        part.split("=", 1)
        for part in decoded.decode("utf-8", "replace").split("\x01")
        if "=" in part
    )
    user, auth = fields.get("user"), fields.get("auth", "")
    scheme, _, token = auth.partition(" ")
    if not user or scheme.lower() != "bearer" or not token:
        return None
    return user, token


def error_challenge(status: str = "401") -> str:
    """The base64 JSON a server sends back for a refused token."""
    body = json.dumps({"status": status, "schemes": "bearer", "scope": "mail"})
    return base64.b64encode(body.encode()).decode()
