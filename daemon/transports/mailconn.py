"""Shared plumbing of the IMAP source and the SMTP sink.

* :func:`read_password` takes ``password_env`` or ``password_command``, never a plain password;
  with ``auth = "xoauth2"`` :func:`xoauth2_tokens` builds the OAuth2 token source instead
  (:mod:`daemon.transports.oauth`) and the login is SASL XOAUTH2.
* :func:`tls_context` builds a verifying ``ssl.SSLContext`` unless ``verify = false``.
* :func:`parse_imap_settings` turns a ``[transport.imap]`` table into :class:`ImapSettings`,
  reporting every problem at once (:class:`~daemon.errors.UserError`).
* :class:`ImapSession` is one logged-in IMAP connection (RFC 3501) that reconnects with
  exponential back-off (``tenacity``) on connection errors, turns a refused login into
  :class:`~daemon.errors.PermanentError`, and APPENDs a message at most once per Message-ID.
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import tenacity
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from daemon.errors import PermanentError, TransientError, UserError
from daemon.transports import oauth
from daemon.transports.secrets import read_secret

log = logging.getLogger(__name__)

T = TypeVar("T")
SECURITY = ("tls", "starttls", "none")
AUTH = ("password", "xoauth2")
#: The scope of an app token for Exchange Online IMAP/SMTP (client credentials).
OUTLOOK_SCOPE = "https://outlook.office365.com/.default"
# A dropped or refused connection, a timeout, an IMAP BYE/EOF (imaplib's "abort").
RETRYABLE: tuple[type[BaseException], ...] = (OSError, IMAPClient.AbortError, EOFError)


def read_password(settings: Mapping[str, Any], where: str, problems: list[str]) -> str | None:
    """The password from ``password_env`` or ``password_command`` (stdout, newline stripped).

    Appends a sentence to ``problems`` instead of raising; None when no password is set.
    """
    if "password" in settings:
        problems.append(
            f"{where}: a plain 'password' is not allowed; set password_env (an environment "
            "variable name) or password_command (a command printing the password)."
        )
    return read_secret(settings, "password", where, problems)


def xoauth2_tokens(
    settings: Mapping[str, Any], where: str, var_dir: Path | None, problems: list[str]
) -> oauth.TokenSource | None:
    """The token source of ``auth = "xoauth2"`` (None for password sign-in); problems are
    appended to ``problems``. ``username`` is the mailbox the token signs in as."""
    if settings.get("auth", "password") != "xoauth2":
        return None
    if not settings.get("username"):
        problems.append(f'{where}: username is required with auth = "xoauth2" (the mailbox).')
    try:
        return oauth.token_source(
            dict(settings),
            where,
            var_dir or Path("."),
            [OUTLOOK_SCOPE],
            verify=bool(settings.get("verify", True)),
            ca_file=settings.get("ca_file"),
        )
    except UserError as exc:
        problems.extend(exc.problems)
        return None


def tls_context(verify: bool, ca_file: str | None) -> ssl.SSLContext:
    """A client TLS context; ``verify=False`` disables certificate and host-name checks."""
    ctx = ssl.create_default_context(cafile=ca_file)
    if not verify:
        log.warning("TLS certificate verification is disabled (verify = false)")
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@dataclass(frozen=True)
class ImapSettings:
    """Validated IMAP settings (see :mod:`daemon.transports.imap` for the meaning)."""

    host: str
    port: int
    security: str
    username: str | None
    password: str | None
    folder: str = "INBOX"
    processed_folder: str = "meetingd/processed"
    sent_folder: str = "Sent"
    idle_seconds: float = 840.0
    poll_seconds: float = 60.0
    timeout: float = 60.0
    retries: int = 5
    backoff_seconds: float = 1.0
    backoff_max: float = 30.0
    verify: bool = True
    ca_file: str | None = None
    disable_extensions: frozenset[str] = frozenset()
    tokens: oauth.TokenSource | None = None  # auth = "xoauth2"

    def __repr__(self) -> str:  # never print the password
        return f"ImapSettings({self.username}@{self.host}:{self.port}, {self.security})"


def parse_imap_settings(
    settings: Mapping[str, Any], where: str = "[transport.imap]", var_dir: Path | None = None
) -> ImapSettings:
    """Validate ``settings``; raise :class:`UserError` with every problem found.

    ``var_dir`` holds the token cache of ``auth = "xoauth2"`` with ``flow = "device_code"``.
    """
    problems: list[str] = []
    security = str(settings.get("security", "tls"))
    if security not in SECURITY:
        problems.append(
            f"{where}: security must be one of {', '.join(SECURITY)}, not {security!r}."
        )
    host = settings.get("host")
    if not host:
        problems.append(f"{where}: host is required.")
    tokens = xoauth2_tokens(settings, where, var_dir, problems)
    password = None if tokens else read_password(settings, where, problems)
    numbers: dict[str, float] = {}
    for key, default in (
        ("port", 993 if security == "tls" else 143),
        ("idle_seconds", 840),
        ("poll_seconds", 60),
        ("timeout", 60),
        ("retries", 5),
        ("backoff_seconds", 1),
        ("backoff_max", 30),
    ):
        value = settings.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            problems.append(f"{where}: {key} must be a positive number, not {value!r}.")
            value = default
        numbers[key] = value
    if problems:
        raise UserError(problems)
    if security == "none" and not is_loopback(str(host)):
        log.warning("%s: security = none sends the password in clear to %s", where, host)
    return ImapSettings(
        host=str(host),
        port=int(numbers["port"]),
        security=security,
        username=settings.get("username"),
        password=password,
        folder=str(settings.get("folder", "INBOX")),
        processed_folder=str(settings.get("processed_folder", "meetingd/processed")),
        sent_folder=str(settings.get("sent_folder", "Sent")),
        idle_seconds=float(numbers["idle_seconds"]),
        poll_seconds=float(numbers["poll_seconds"]),
        timeout=float(numbers["timeout"]),
        retries=int(numbers["retries"]),
        backoff_seconds=float(numbers["backoff_seconds"]),
        backoff_max=float(numbers["backoff_max"]),
        verify=bool(settings.get("verify", True)),
        ca_file=settings.get("ca_file"),
        disable_extensions=frozenset(
            str(x).upper() for x in settings.get("disable_extensions", [])
        ),
        tokens=tokens,
    )


class ImapSession:
    """One IMAP connection, opened lazily, re-opened with back-off after a failure.

    Args:
        cfg: validated settings.
        on_connect: called with each new logged-in connection (e.g. to create folders).
    """

    def __init__(
        self, cfg: ImapSettings, on_connect: Callable[[IMAPClient], None] | None = None
    ) -> None:
        self.cfg = cfg
        self._on_connect = on_connect
        self._conn: IMAPClient | None = None
        self._delimiter = "/"

    def connect(self) -> IMAPClient:
        """The open connection, or a new one (one attempt; see :meth:`run` for retries)."""
        if self._conn is not None:
            return self._conn
        cfg = self.cfg
        ctx = tls_context(cfg.verify, cfg.ca_file) if cfg.security != "none" else None
        log.info("imap: connecting to %s:%d (%s)", cfg.host, cfg.port, cfg.security)
        conn = IMAPClient(
            cfg.host, cfg.port, ssl=cfg.security == "tls", ssl_context=ctx, timeout=cfg.timeout
        )
        try:
            if cfg.security == "starttls":
                conn.starttls(ctx)
            if cfg.username and cfg.tokens is not None:
                self._xoauth2(conn, cfg.username, cfg.tokens)
            elif cfg.username:
                conn.login(cfg.username, cfg.password or "")
            listing = conn.list_folders("", "")
            if listing and listing[0][1]:
                self._delimiter = (
                    listing[0][1].decode()
                    if isinstance(listing[0][1], bytes)
                    else str(listing[0][1])
                )
            self._conn = conn
            if self._on_connect is not None:
                self._on_connect(conn)
        except BaseException:
            self._conn = None
            _shutdown(conn)
            raise
        return conn

    @staticmethod
    def _xoauth2(conn: IMAPClient, user: str, tokens: oauth.TokenSource) -> None:
        """AUTHENTICATE XOAUTH2; a refused token is replaced once (a second refusal raises
        ``LoginError``, which :meth:`run` turns into ``PermanentError``)."""
        token = tokens.token()
        try:
            conn.oauth2_login(user, token)
        except LoginError as exc:
            tokens.refused(token, f"IMAP XOAUTH2: {exc}")
            conn.oauth2_login(user, tokens.token())
        log.info("imap: signed in as %s with XOAUTH2 (%s)", user, tokens.describe())

    def has(self, conn: IMAPClient, capability: str) -> bool:
        """True if the server offers ``capability`` and it is not in ``disable_extensions``."""
        return capability not in self.cfg.disable_extensions and bool(
            conn.has_capability(capability)
        )

    def folder_name(self, name: str) -> str:
        """``name`` with ``/`` replaced by the server's hierarchy delimiter."""
        return name.replace("/", self._delimiter) if self._delimiter != "/" else name

    def run(self, op: Callable[[IMAPClient], T], what: str) -> T:
        """Run ``op(conn)``, reconnecting with exponential back-off on connection errors.

        Raises :class:`TransientError` once ``retries`` attempts failed, :class:`PermanentError`
        on a refused login or certificate, :class:`TransientError` on any other IMAP ``NO``/``BAD``.
        """
        cfg = self.cfg

        def attempt() -> T:
            try:
                return op(self.connect())
            except ssl.SSLCertVerificationError as exc:
                self.drop()
                raise PermanentError(
                    f"IMAP {cfg.host}:{cfg.port}: certificate refused: {exc}"
                ) from exc
            except LoginError as exc:
                self.drop()
                check = (
                    "the token source (scopes; for Exchange Online the app's IMAP.AccessAsApp "
                    "permission and Add-MailboxPermission for its service principal)"
                    if cfg.tokens is not None
                    else "password_env/password_command"
                )
                raise PermanentError(
                    f"IMAP login as {cfg.username!r} at {cfg.host}:{cfg.port} refused: {exc}. "
                    f"Check username and {check}."
                ) from exc
            except RETRYABLE:
                self.drop()
                raise

        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.warning(
                "imap: %s failed (%s: %s); retry %d/%d",
                what,
                type(exc).__name__,
                exc,
                state.attempt_number,
                cfg.retries,
            )

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(cfg.retries),
            wait=tenacity.wait_exponential(multiplier=cfg.backoff_seconds, max=cfg.backoff_max),
            retry=tenacity.retry_if_exception_type(RETRYABLE),
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except RETRYABLE as exc:
            raise TransientError(
                f"IMAP {cfg.host}:{cfg.port}: {what} failed after {cfg.retries} attempts: {exc}"
            ) from exc
        except IMAPClient.Error as exc:
            raise TransientError(f"IMAP {cfg.host}:{cfg.port}: {what}: server said {exc}") from exc

    def ensure_folder(self, conn: IMAPClient, name: str) -> str:
        """Create folder ``name`` if missing; return its server-side name."""
        folder = self.folder_name(name)
        if not conn.folder_exists(folder):
            log.info("imap: creating folder %r", folder)
            try:
                conn.create_folder(folder)
            except IMAPClient.AbortError:
                raise
            except IMAPClient.Error as exc:
                # Another connection created it meanwhile (RFC 5530 [ALREADYEXISTS]).
                if "ALREADYEXISTS" not in str(exc) and not conn.folder_exists(folder):
                    raise
                log.info("imap: folder %r exists already (%s)", folder, exc)
        return folder

    def search_header(self, conn: IMAPClient, folder: str, message_id: str) -> list[int]:
        """UIDs in ``folder`` whose Message-ID header contains ``message_id``."""
        conn.select_folder(folder, readonly=True)
        return [int(u) for u in conn.search(["HEADER", "Message-ID", message_id])]

    def append_once(self, name: str, raw: bytes, message_id: str | None) -> None:
        """APPEND ``raw`` (flagged ``\\Seen``) to folder ``name`` unless its Message-ID is there.

        The check runs on every attempt, so an APPEND whose reply was lost is not repeated.
        """

        def op(conn: IMAPClient) -> None:
            folder = self.ensure_folder(conn, name)
            if message_id and self.search_header(conn, folder, message_id):
                log.info("imap: %s already in %r; not appended again", message_id, folder)
                return
            conn.append(folder, raw, flags=[b"\\Seen"])
            log.info("imap: appended %s to %r", message_id, folder)

        self.run(op, f"APPEND to {name}")

    def drop(self) -> None:
        """Forget the connection without a clean LOGOUT (after an error)."""
        if self._conn is not None:
            _shutdown(self._conn)
            self._conn = None

    def close(self) -> None:
        """LOGOUT and close; errors are logged, not raised."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.logout()
        except Exception as exc:  # noqa: BLE001 - closing must not fail
            log.debug("imap: logout failed (%s); closing the socket", exc)
            _shutdown(conn)


def _shutdown(conn: IMAPClient) -> None:
    try:
        conn.shutdown()
    except Exception as exc:  # noqa: BLE001 - the socket may be gone already
        log.debug("imap: shutdown: %s", exc)
