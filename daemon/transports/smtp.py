"""SMTP mail sink (RFC 5321) over ``smtplib``, with a copy in the IMAP Sent folder.

Settings (``[transport.smtp]``; defaults in brackets):

* ``host``; ``port`` [465 with tls, 587 with starttls, 25 with none]; ``security`` ["tls"]
  ``"tls"`` (implicit TLS, RFC 8314) | ``"starttls"`` (RFC 3207) | ``"none"``; ``verify``
  [true]; ``ca_file``; ``timeout`` [60] socket seconds.
* ``username`` and ``password_env`` / ``password_command`` for AUTH (RFC 4954); no plain
  ``password``. ``auth = "xoauth2"``: AUTH XOAUTH2 with a token from the keys of
  :mod:`daemon.transports.oauth` (``token_command``, or ``tenant``/``client_id``).
* ``envelope_from`` [the From header's address]: the envelope sender (MAIL FROM).
* ``send_attempts`` [3] tries per mail on a 4xx reply or a dropped connection, waiting
  ``backoff_seconds`` [1] .. ``backoff_max`` [10] (exponential) in between.
* ``sent_imap``: a table of IMAP settings (the keys of ``[transport.imap]``; ``sent_folder``
  ["Sent"] names the folder). When present, every sent mail is APPENDed there (flagged
  ``\\Seen``, at most once per Message-ID) and :meth:`SmtpSink.find_sent` searches it. The
  configuration fills it from ``[transport.imap]`` when it says ``sent_imap = true``; leave it
  out for servers that file sent mail themselves (Gmail). Without it ``find_sent`` returns
  None (cannot tell), so a mail a crash left ``sending`` is resent after a timeout.

One SMTP connection is kept for a batch of sends and reopened when the server dropped it.
Replies: 4xx (and a dropped connection) are retried, then raise
:class:`~daemon.errors.TransientError`; 5xx raise :class:`~daemon.errors.PermanentError`
carrying the server's reply (the outbox marks the mail failed with it).
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import tenacity

from daemon.errors import PermanentError, TransientError, UserError
from daemon.transports import oauth
from daemon.transports.base import OutgoingMail
from daemon.transports.mailconn import (
    AUTH,
    SECURITY,
    ImapSession,
    is_loopback,
    parse_imap_settings,
    read_password,
    tls_context,
    xoauth2_tokens,
)
from daemon.transports.oauth.xoauth2 import initial_response

log = logging.getLogger(__name__)

_DEFAULT_PORT = {"tls": 465, "starttls": 587, "none": 25}


def _crlf(raw: bytes) -> bytes:
    """``raw`` with every line ending as CRLF (RFC 5321 section 2.3.8)."""
    return re.sub(rb"\r?\n", b"\r\n", raw)


class SmtpSink:
    """A :class:`~daemon.transports.base.MailSink` over one reused SMTP connection."""

    def __init__(
        self,
        settings: dict[str, Any],
        password: str | None,
        sent: ImapSession | None,
        tokens: oauth.TokenSource | None = None,
    ):
        self.host = str(settings["host"])
        self.security = str(settings.get("security", "tls"))
        self.port = int(settings.get("port", _DEFAULT_PORT[self.security]))
        self.username: str | None = settings.get("username")
        self._password = password
        self._tokens = tokens
        self.envelope_from: str | None = settings.get("envelope_from")
        self.timeout = float(settings.get("timeout", 60))
        self.attempts = int(settings.get("send_attempts", 3))
        self.backoff = float(settings.get("backoff_seconds", 1))
        self.backoff_max = float(settings.get("backoff_max", 10))
        self._ctx = (
            tls_context(bool(settings.get("verify", True)), settings.get("ca_file"))
            if self.security != "none"
            else None
        )
        self._sent = sent
        self._sent_folder = sent.cfg.sent_folder if sent else None
        self._smtp: smtplib.SMTP | None = None

    # -- connection ------------------------------------------------------------------------
    def _connect(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        log.info("smtp: connecting to %s:%d (%s)", self.host, self.port, self.security)
        smtp: smtplib.SMTP
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._ctx)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.security == "starttls":
                smtp.starttls(context=self._ctx)
                smtp.ehlo()
            if self.username and self._tokens is not None:
                self._xoauth2(smtp, self.username, self._tokens)
            elif self.username:
                smtp.login(self.username, self._password or "")
        except BaseException:
            _quietly_close(smtp)
            raise
        self._smtp = smtp
        return smtp

    @staticmethod
    def _xoauth2(smtp: smtplib.SMTP, user: str, tokens: oauth.TokenSource) -> None:
        """AUTH XOAUTH2; a refused token is replaced once (the second refusal raises
        ``SMTPAuthenticationError``: 535, permanent)."""

        def login(token: str) -> None:
            answer = initial_response(user, token)
            # First the initial response; to the error challenge (334) an empty line.
            smtp.auth("XOAUTH2", lambda challenge=None: answer if challenge is None else "")

        token = tokens.token()
        try:
            login(token)
        except smtplib.SMTPAuthenticationError as exc:
            tokens.refused(token, f"SMTP XOAUTH2: {exc.smtp_code} {_text(exc.smtp_error)}")
            login(tokens.token())
        log.info("smtp: signed in as %s with XOAUTH2 (%s)", user, tokens.describe())

    def _smtputf8(self, smtp: smtplib.SMTP, addresses: list[str]) -> str:
        """``SMTPUTF8`` (RFC 6531), which a non-ASCII envelope address (and its UTF-8 header,
        RFC 6532) needs. Raises :class:`PermanentError` naming them when the server does not
        offer it: that mail cannot go through this server."""
        if not smtp.has_extn("smtputf8"):
            raise PermanentError(
                f"SMTP {self.host}:{self.port} does not offer SMTPUTF8 (RFC 6531), which"
                f" the address {', '.join(addresses)} needs: use an ASCII address, or a"
                " server that offers it"
            )
        return "SMTPUTF8"

    def _drop(self) -> None:
        if self._smtp is not None:
            _quietly_close(self._smtp)
            self._smtp = None

    # -- MailSink --------------------------------------------------------------------------
    def send(self, mail: OutgoingMail) -> None:
        """Deliver ``mail`` to its recipients, then file a copy in Sent (if configured).

        Raises :class:`TransientError` after ``send_attempts`` 4xx replies or dropped
        connections, :class:`PermanentError` on a 5xx reply (message: code and server text).
        """
        raw = _crlf(mail.raw)
        sender = self.envelope_from or _from_address(raw)
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=tenacity.wait_exponential(multiplier=self.backoff, max=self.backoff_max),
            retry=tenacity.retry_if_exception_type(TransientError),
            before_sleep=lambda s: log.warning(
                "smtp: %s: %s; retry %d/%d",
                mail.message_id,
                s.outcome.exception() if s.outcome else "?",
                s.attempt_number,
                self.attempts,
            ),
            reraise=True,
        )
        retrying(self._send_once, mail, sender, raw)
        if self._sent is not None and self._sent_folder is not None:
            try:
                self._sent.append_once(self._sent_folder, raw, mail.message_id)
            except (TransientError, PermanentError) as exc:
                # The mail is delivered; failing now would make the outbox send it twice.
                log.error("smtp: %s sent, but the copy to Sent failed: %s", mail.message_id, exc)

    def _send_once(self, mail: OutgoingMail, sender: str, raw: bytes) -> None:
        options = []
        try:
            smtp = self._connect()
            if smtp.has_extn("8bitmime") and any(b > 127 for b in raw):
                options.append("BODY=8BITMIME")
            if utf8 := [a for a in (sender, *mail.recipients) if not a.isascii()]:
                options.append(self._smtputf8(smtp, utf8))
            refused = smtp.sendmail(sender, list(mail.recipients), raw, mail_options=options)
        except smtplib.SMTPRecipientsRefused as exc:
            replies = {a: (c, _text(m)) for a, (c, m) in exc.recipients.items()}
            self._raise_for(min(c for c, _ in replies.values()), f"recipients refused: {replies}")
        except smtplib.SMTPAuthenticationError as exc:
            self._drop()
            self._raise_for(
                exc.smtp_code, f"login as {self.username!r} refused: {_text(exc.smtp_error)}"
            )
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:
                self._drop()
            self._raise_for(exc.smtp_code, _text(exc.smtp_error))
        except ssl.SSLCertVerificationError as exc:
            self._drop()
            raise PermanentError(
                f"SMTP {self.host}:{self.port}: certificate refused: {exc}"
            ) from exc
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise TransientError(f"SMTP {self.host}:{self.port}: connection failed: {exc}") from exc
        except smtplib.SMTPException as exc:
            self._drop()
            raise TransientError(f"SMTP {self.host}:{self.port}: {exc}") from exc
        if refused:
            log.error(
                "smtp: %s delivered, but some recipients refused: %s", mail.message_id, refused
            )
        log.info("smtp: sent %s to %d recipient(s)", mail.message_id, len(mail.recipients))

    def _raise_for(self, code: int, text: str) -> None:
        message = f"SMTP {self.host}:{self.port} replied {code} {text}"
        if 400 <= code < 500:
            raise TransientError(message)
        raise PermanentError(message)

    def find_sent(self, message_id: str) -> bool | None:
        """True if the Sent folder holds ``message_id``, False if not; None without
        ``sent_imap`` (SMTP alone cannot tell whether a mail was delivered).

        Raises :class:`TransientError` if the IMAP server cannot be reached (the caller must
        not guess).
        """
        if self._sent is None or self._sent_folder is None:
            log.debug("smtp: no sent_imap; cannot tell whether %s was sent", message_id)
            return None
        session, name = self._sent, self._sent_folder

        def op(conn: Any) -> bool:
            folder = session.ensure_folder(conn, name)
            return bool(session.search_header(conn, folder, message_id))

        found = session.run(op, "search Sent")
        log.info("smtp: %s %s in %r", message_id, "found" if found else "not found", name)
        return found

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError) as exc:
                log.debug("smtp: QUIT failed: %s", exc)
            self._drop()
        if self._sent is not None:
            self._sent.close()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _from_address(raw: bytes) -> str:
    headers = BytesHeaderParser().parsebytes(raw)
    addresses = getaddresses(
        [str(v) for v in headers.get_all("Sender", []) or headers.get_all("From", [])]
    )
    if not addresses or not addresses[0][1]:
        raise PermanentError("mail has no From header and no envelope_from is configured")
    return addresses[0][1]


def _quietly_close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.close()
    except OSError as exc:
        log.debug("smtp: close: %s", exc)


def create(settings: dict[str, Any], var_dir: Path) -> SmtpSink:
    """Registry factory: an :class:`SmtpSink` from ``[transport.smtp]`` settings.

    Raises :class:`~daemon.errors.UserError` listing every problem. Does not connect.
    """
    where = "[transport.smtp]"
    problems: list[str] = []
    security = str(settings.get("security", "tls"))
    if security not in SECURITY:
        problems.append(
            f"{where}: security must be one of {', '.join(SECURITY)}, not {security!r}."
        )
    if not settings.get("host"):
        problems.append(f"{where}: host is required.")
    tokens = xoauth2_tokens(settings, where, Path(var_dir), problems)
    password = None if tokens else read_password(settings, where, problems)
    sent_settings = settings.get("sent_imap")
    if sent_settings is not None and not isinstance(sent_settings, dict):
        problems.append(
            f"{where}: sent_imap must be a table of IMAP settings (the service copies "
            "[transport.imap] there when sent_imap = true)."
        )
    sent: ImapSession | None = None
    if isinstance(sent_settings, dict):
        try:
            sent = ImapSession(
                parse_imap_settings(sent_settings, f"{where} sent_imap", Path(var_dir))
            )
        except UserError as exc:
            problems.extend(exc.problems)
    if problems:
        raise UserError(problems)
    if security == "none" and settings.get("username") and not is_loopback(str(settings["host"])):
        log.warning("%s: security = none sends the password in clear", where)
    log.info("smtp: sink %s (%s), Sent copy: %s", settings["host"], security, sent is not None)
    return SmtpSink(settings, password, sent, tokens)


# The keys of [transport.smtp] (read by create and SmtpSink): name -> (type, required,
# default, comment). daemon.config validates the table with it and prints it in the example.
# A required key's "default" is the example value; "table:imap" is a table of IMAP settings.
SETTINGS: dict[str, tuple[str | tuple[str, ...], bool, Any, str]] = {
    "host": ("str", True, "smtp.example.com", "SMTP server name (required)."),
    "port": ("int", False, 465, "465 with tls, 587 with starttls, 25 with none."),
    "security": (SECURITY, False, "tls", "tls, starttls or none."),
    "verify": ("bool", False, True, "Check the server certificate and host name."),
    "ca_file": ("str", False, None, "CA bundle file; unset: the system store."),
    "timeout": ("number", False, 60, "Socket timeout in seconds."),
    "username": ("str", False, None, 'Login name, e.g. "meetings@corp.example".'),
    "password_env": ("str", False, None, 'Variable holding the password, e.g. "SMTP_PW".'),
    "password_command": ("str", False, None, "Command printing the password."),
    "auth": (
        AUTH,
        False,
        "password",
        'password, or xoauth2 (OAuth2; see "tenant", "token_command").',
    ),
    **oauth.SETTINGS,
    "envelope_from": ("str", False, None, "Envelope sender; unset: the From address."),
    "send_attempts": ("int", False, 3, "Tries per mail on a 4xx reply or a dropped link."),
    "backoff_seconds": ("number", False, 1, "First wait between tries."),
    "backoff_max": ("number", False, 10, "Longest wait between tries."),
    "sent_imap": ("table:imap", False, None, "IMAP settings of the Sent copy (a table)."),
}
