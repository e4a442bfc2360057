"""OAuth2 sign-in for the Graph transport and for IMAP/SMTP ``auth = "xoauth2"``.

A :class:`TokenSource` hands out a bearer access token that is valid now and gets a new one
before the old one expires; when a server refuses a token the caller says so with
:meth:`TokenSource.refused` and the next :meth:`TokenSource.token` fetches a fresh one. A
caller replaces a token at most once per request or login: a fresh token refused as well is
a :class:`~daemon.errors.PermanentError` (:func:`refused_again` words it), never a loop of
refreshes (exchangelib #1090/#1345).

Where tokens come from (``[transport.graph]``, or the IMAP/SMTP table with ``auth =
"xoauth2"``):

* ``token_command``: any provider (Google, Keycloak, a vault): a shell command printing an
  access token on stdout (:mod:`.command`);
* else Microsoft Entra ID through ``msal`` (:mod:`.entra`): ``tenant`` and ``client_id``, and
  ``flow = "client_credentials"`` (an app registration with application permissions;
  ``client_secret_env``/``client_secret_command`` or ``certificate_file``) or ``flow =
  "device_code"`` (a delegated mailbox; the token cache is ``<var_dir>/oauth/…json``, mode
  0600).

Secrets never go in the TOML: the secret comes from an environment variable or a command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from daemon.errors import UserError

DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
FLOWS = ("client_credentials", "device_code")


class TokenSource(Protocol):
    """A source of OAuth2 bearer access tokens."""

    def token(self) -> str:
        """An access token valid for at least a few minutes more.

        Raises:
            TransientError: the token endpoint cannot be reached or throttles.
            PermanentError: the sign-in is refused (the message says what to fix).
        """
        ...

    def refused(self, token: str, detail: str) -> None:
        """A server refused ``token`` (HTTP 401, SASL failure): forget it, so the next
        :meth:`token` asks for a fresh one."""
        ...

    def describe(self) -> str:
        """Who signs in, for log lines (never a secret)."""
        ...


def refused_again(tokens: TokenSource, detail: str) -> str:
    """The sentence of a :class:`~daemon.errors.PermanentError` for a fresh token that was
    refused as well (``detail``: the server's answer)."""
    return (
        f"a fresh token ({tokens.describe()}) was refused too: {detail.rstrip('.')}. Fix: "
        "check the app's permissions (API permissions, admin consent), the scopes, and that "
        "the mailbox is one the app may reach."
    )


# The OAuth keys shared by [transport.graph] and, with auth = "xoauth2", the IMAP and SMTP
# tables: name -> (type, required, default, comment).
SETTINGS: dict[str, tuple[str | tuple[str, ...], bool, Any, str]] = {
    "tenant": ("str", False, None, 'Entra ID tenant id or domain, e.g. "contoso.onmicrosoft.com".'),
    "client_id": ("str", False, None, "Application (client) id of the app registration."),
    "flow": (FLOWS, False, "client_credentials", "client_credentials or device_code."),
    "client_secret_env": ("str", False, None, "Variable holding the client secret value."),
    "client_secret_command": ("str", False, None, "Command printing the client secret."),
    "certificate_file": ("str", False, None, "PEM file: the app's private key + certificate."),
    "token_command": ("str", False, None, "Command printing an access token (any provider)."),
    "authority": ("str", False, DEFAULT_AUTHORITY, "Entra ID sign-in host."),
    "scopes": ("str_list", False, [], "Token scopes; unset: the resource's /.default."),
}


def token_source(
    settings: dict[str, Any],
    where: str,
    var_dir: Path,
    default_scopes: list[str],
    *,
    verify: bool = True,
    ca_file: str | None = None,
) -> TokenSource:
    """The token source ``settings`` describe (see the module docstring).

    Args:
        settings: the transport's table.
        where: ``[transport.graph]`` and the like, for messages.
        var_dir: the daemon's var directory (device-code token cache).
        default_scopes: the scopes used when ``scopes`` is unset (e.g. Graph's ``/.default``).
        verify, ca_file: TLS checks of the token endpoint.

    Raises:
        UserError: the keys do not describe one way to get a token (every problem at once).
    """
    from daemon.transports.oauth.command import CommandTokenSource
    from daemon.transports.oauth.entra import EntraTokenSource, read_credential

    if settings.get("token_command"):
        return CommandTokenSource(str(settings["token_command"]), where)
    problems = [
        f"{where} {key}: required for OAuth2 sign-in through Entra ID. Fix: add {key} = "
        f'"…" (or set token_command for another provider).'
        for key in ("tenant", "client_id")
        if not settings.get(key)
    ]
    flow = str(settings.get("flow", "client_credentials"))
    credential: Any = None
    if flow == "client_credentials":
        credential = read_credential(settings, where, problems)
    if problems:
        raise UserError(problems)
    scopes = [str(s) for s in settings.get("scopes") or default_scopes]
    return EntraTokenSource(
        tenant=str(settings["tenant"]),
        client_id=str(settings["client_id"]),
        authority_host=str(settings.get("authority", DEFAULT_AUTHORITY)),
        scopes=scopes,
        credential=credential,
        cache_path=Path(var_dir) / "oauth" / f"{settings['client_id']}.json"
        if flow == "device_code"
        else None,
        where=where,
        verify=verify,
        ca_file=ca_file,
    )
