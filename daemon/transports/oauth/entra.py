"""Microsoft Entra ID tokens through ``msal`` over ``httpx``.

* ``flow = "client_credentials"``: :class:`msal.ConfidentialClientApplication` with the
  client secret (``client_secret_env`` / ``client_secret_command``) or a certificate
  (``certificate_file``: one PEM with the private key and the certificate). msal keeps the
  token in memory and asks for a new one when less than five minutes are left.
* ``flow = "device_code"``: :class:`msal.PublicClientApplication` for a delegated mailbox;
  someone signs in once with :meth:`EntraTokenSource.sign_in` (``meetingd check-config`` in a
  terminal); the token cache is a file in ``<var_dir>/oauth/`` with mode 0600 and msal
  refreshes from it.

msal is given its own ``http_client`` (httpx, verifying against ``ca_file`` when set: msal's
default ``requests`` lets ``REQUESTS_CA_BUNDLE`` win), and instance discovery is off for an
authority other than login.microsoftonline.com (msal would ask that host otherwise).
Refusals become one sentence naming the fix (:mod:`.refusals`).
"""

from __future__ import annotations

import logging
import os
import re
import ssl
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import msal

from daemon.errors import PermanentError, TransientError
from daemon.transports.oauth import DEFAULT_AUTHORITY
from daemon.transports.oauth.refusals import TRANSIENT, aadsts_code, explain
from daemon.transports.secrets import read_secret

log = logging.getLogger(__name__)

_PEM_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S
)
_PEM_CERT = re.compile(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.S)


def read_credential(settings: dict[str, Any], where: str, problems: list[str]) -> Any:
    """The client credential for msal: the secret (str) or ``{"private_key",
    "public_certificate"}`` from ``certificate_file``; appends to ``problems`` instead of
    raising, and returns None then."""
    if "client_secret" in settings:
        problems.append(
            f"{where} client_secret: a secret is not allowed in the file. Fix: set "
            "client_secret_env (an environment variable name) or client_secret_command."
        )
    if settings.get("certificate_file"):
        path = Path(str(settings["certificate_file"]))
        try:
            text = path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{where} certificate_file: cannot read {path} ({exc}).")
            return None
        key, cert = _PEM_KEY.search(text), _PEM_CERT.search(text)
        if key is None or cert is None:
            problems.append(
                f"{where} certificate_file: {path} must hold the PEM private key and the PEM "
                "certificate. Fix: cat key.pem cert.pem > " + path.name
            )
            return None
        return {"private_key": key.group(0), "public_certificate": cert.group(0)}
    if settings.get("client_secret_env") or settings.get("client_secret_command"):
        return read_secret(settings, "client_secret", where, problems)
    problems.append(
        f"{where}: no client credential. Fix: set client_secret_env, client_secret_command or "
        'certificate_file (or flow = "device_code" for a delegated mailbox).'
    )
    return None


class MsalHttp:
    """msal's ``http_client`` over httpx. msal puts a certificate's ``client_assertion`` in
    the form as bytes, which httpx would send as the text ``b'...'``: decode it first."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def post(self, url: str, params: Any = None, data: Any = None, **kw: Any) -> httpx.Response:
        """POST ``data`` (a form dict; bytes values decoded as UTF-8)."""
        if isinstance(data, dict):
            data = {k: v.decode() if isinstance(v, bytes) else v for k, v in data.items()}
        return self.client.post(url, params=params, data=data, **kw)

    def get(self, url: str, params: Any = None, **kw: Any) -> httpx.Response:
        """GET ``url``."""
        return self.client.get(url, params=params, **kw)

    def close(self) -> None:
        """Close the httpx client."""
        self.client.close()


def ssl_context(verify: bool, ca_file: str | None) -> ssl.SSLContext | bool:
    """httpx's ``verify``: a context trusting ``ca_file`` (else the system store), or False."""
    if not verify:
        log.warning("oauth: TLS certificate verification is disabled (verify = false)")
        return False
    return ssl.create_default_context(cafile=ca_file)


class EntraTokenSource:
    """A :class:`~daemon.transports.oauth.TokenSource` for Entra ID (see the module docstring).

    Args:
        tenant, client_id: the app registration.
        authority_host: ``https://login.microsoftonline.com`` or another sign-in host.
        scopes: e.g. ``["https://graph.microsoft.com/.default"]``.
        credential: the client secret or certificate dict; None for the device-code flow.
        cache_path: the device-code token cache file (None: client credentials).
        where: the settings table, for messages.
    """

    def __init__(
        self,
        *,
        tenant: str,
        client_id: str,
        authority_host: str,
        scopes: list[str],
        credential: Any,
        cache_path: Path | None,
        where: str,
        verify: bool = True,
        ca_file: str | None = None,
    ) -> None:
        self.tenant, self.client_id, self.scopes = tenant, client_id, scopes
        self.authority = f"{authority_host.rstrip('/')}/{tenant}"
        self.discovery = authority_host.rstrip("/") == DEFAULT_AUTHORITY
        self.credential = credential
        self.cache_path = cache_path
        self.where = where
        self._http = MsalHttp(httpx.Client(verify=ssl_context(verify, ca_file), timeout=30.0))
        self._cache = msal.SerializableTokenCache()
        if cache_path is not None and cache_path.exists():
            self._cache.deserialize(cache_path.read_text(encoding="utf-8"))
        self._app: msal.ClientApplication | None = None
        self._last: str | None = None
        self._lock = threading.RLock()  # one token request at a time, shared by threads

    def describe(self) -> str:
        flow = "device code" if self.cache_path else "client credentials"
        return f"app {self.client_id} in tenant {self.tenant} ({flow})"

    # -- msal --------------------------------------------------------------------------------

    def _application(self) -> msal.ClientApplication:
        if self._app is not None:
            return self._app
        options: dict[str, Any] = {
            "authority": self.authority,
            "http_client": self._http,
            "instance_discovery": self.discovery,
            "token_cache": self._cache,
        }
        try:
            if self.cache_path is None:
                self._app = msal.ConfidentialClientApplication(
                    self.client_id, client_credential=self.credential, **options
                )
            else:
                self._app = msal.PublicClientApplication(self.client_id, **options)
        except ValueError as exc:  # tenant discovery failed: the body is in the context
            detail = f"{exc} {exc.__context__ or ''}"
            if "AADSTS90002" in detail or "invalid_tenant" in detail:
                raise PermanentError(
                    explain({"error_codes": [90002]}, f"{self.where} tenant {self.tenant!r}")
                ) from None
            raise PermanentError(f"{self.where}: sign-in setup failed: {detail[:300]}") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"{self.where}: token endpoint unreachable: {exc}") from exc
        return self._app

    def token(self) -> str:
        """A valid access token (msal's cache, refreshed before it expires).

        Raises:
            TransientError: the token endpoint cannot be reached or throttles.
            PermanentError: the sign-in is refused (the message names the fix), or the
                device-code flow has no saved sign-in yet.
        """
        with self._lock:
            try:
                app = self._application()
                if isinstance(app, msal.ConfidentialClientApplication):
                    result = app.acquire_token_for_client(scopes=self.scopes)
                else:
                    result = self._silent(app)
            except httpx.TransportError as exc:
                raise TransientError(f"{self.where}: token endpoint unreachable: {exc}") from exc
            except msal.exceptions.MsalServiceError as exc:
                raise TransientError(f"{self.where}: token endpoint failed: {exc}") from exc
            return self._accept(result)

    def _silent(self, app: msal.ClientApplication) -> dict[str, Any]:
        accounts = app.get_accounts()
        result = (
            app.acquire_token_silent_with_error(self.scopes, account=accounts[0])
            if (accounts)
            else None
        )
        if result is None:
            raise PermanentError(
                f"{self.where}: no saved sign-in for the delegated mailbox. Fix: run "
                "`meetingd check-config` in a terminal and sign in as it says."
            )
        return dict(result)

    def _accept(self, result: dict[str, Any]) -> str:
        if "access_token" not in result:
            code = aadsts_code(result)
            message = explain(result, f"{self.where} ({self.describe()})")
            if code in TRANSIENT or result.get("error") == "temporarily_unavailable":
                raise TransientError(message)
            raise PermanentError(message)
        self._save_cache()
        token = str(result["access_token"])
        if token != self._last:
            self._last = token
            log.info("oauth: new access token for %s", self.describe())
        return token

    def sign_in(self, prompt: Callable[[str], None]) -> None:
        """The device-code sign-in: shows ``prompt(message)`` (the URL and the code) and
        waits until someone signed in; the token cache is saved (mode 0600).

        Raises:
            PermanentError: the flow is not ``device_code``, or the sign-in failed.
        """
        app = self._application()
        if not isinstance(app, msal.PublicClientApplication):
            raise PermanentError(f'{self.where}: sign_in needs flow = "device_code".')
        flow = app.initiate_device_flow(scopes=self.scopes)
        if "user_code" not in flow:
            raise PermanentError(explain(flow, f"{self.where} ({self.describe()})"))
        prompt(str(flow["message"]))
        self._accept(dict(app.acquire_token_by_device_flow(flow)))

    def needs_sign_in(self) -> bool:
        """True for the device-code flow without a saved account."""
        return self.cache_path is not None and not self._application().get_accounts()

    def refused(self, token: str, detail: str) -> None:
        """Drop ``token`` from msal's cache, so the next :meth:`token` asks for a new one."""
        with self._lock:
            for entry in list(self._cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
                if entry.get("secret") == token:
                    self._cache.remove_at(entry)
        log.warning("oauth: token refused (%s); asking for a new one", detail)

    def _save_cache(self) -> None:
        if self.cache_path is None or not self._cache.has_state_changed:
            return
        write_private(self.cache_path, self._cache.serialize())
        self._cache.has_state_changed = False

    def close(self) -> None:
        """Close the HTTP client."""
        self._http.close()


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically with mode 0600 (folder 0700)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
