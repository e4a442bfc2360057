"""IMAP mail source (RFC 3501) with push via IDLE (RFC 2177), built on ``imapclient``.

Settings (``[transport.imap]``; defaults in brackets):

* ``host``; ``port`` [993, or 143 with starttls/none]; ``security`` ["tls"] ``"tls"`` (implicit
  TLS) | ``"starttls"`` | ``"none"``; ``verify`` [true] checks the certificate and host name;
  ``ca_file`` [system store].
* ``username``; ``password_env`` (environment variable name) or ``password_command`` (shell
  command printing the password). A plain ``password`` key is refused. ``auth = "xoauth2"``
  signs in with OAuth2 instead (SASL XOAUTH2; the keys of :mod:`daemon.transports.oauth`:
  ``token_command``, or ``tenant``/``client_id`` and a client credential).
* ``folder`` ["INBOX"] is watched; ``processed_folder`` ["meetingd/processed"] receives
  acknowledged mail (created if missing; ``/`` is replaced by the server's delimiter);
  ``sent_folder`` ["Sent"] is used by the SMTP sink's Sent copy.
* ``idle_seconds`` [840] re-issues IDLE before the server's 30-minute limit; ``poll_seconds``
  [60] polls when the server has no IDLE; ``timeout`` [60] socket seconds; ``retries`` [5]
  connection attempts per operation, ``backoff_seconds`` [1] .. ``backoff_max`` [30] between
  them; ``disable_extensions`` [[]] capabilities to ignore (e.g. ``["IDLE"]`` for a broken one).

Keys are ``f"{UIDVALIDITY}:{UID}"``. :meth:`ImapSource.fetch` reads ``BODY.PEEK[]`` so nothing is
marked read; :meth:`ImapSource.ack` moves the message to ``processed_folder`` with MOVE
(RFC 6851), else COPY + ``\\Deleted`` + UID EXPUNGE (RFC 4315 UIDPLUS), else EXPUNGE; it never
deletes.

UIDVALIDITY change: a server may renumber a folder (new UIDVALIDITY). Acknowledged mail has left
the folder already; the risk is a message fetched and stored by the pipeline but not yet
acknowledged (a crash between the two). The source therefore remembers each fetched, unacked
message (key, Message-ID, SHA-256 of the bytes) in ``var_dir/imap/<account>.json``; after a
change, a message whose bytes match a remembered one is returned under its **old** key, so the
pipeline's dedupe on ``source_key`` holds, and ``ack(old key)`` finds it by Message-ID and
content. Other messages get new keys. The raw bytes carry the Message-ID header as well.

Errors: connection failures are retried with exponential back-off (``tenacity``), then raise
:class:`~daemon.errors.TransientError`; a refused login or certificate raises
:class:`~daemon.errors.PermanentError` at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from imapclient import IMAPClient

from daemon.errors import TransientError
from daemon.transports import oauth
from daemon.transports.base import FetchedMessage
from daemon.transports.mailconn import AUTH, ImapSession, ImapSettings, parse_imap_settings

log = logging.getLogger(__name__)

_FIRST_IDLE_SECONDS = 1.0  # first DONE after entering IDLE; doubles up to idle_seconds


def message_id_of(raw: bytes) -> str | None:
    """The ``Message-ID`` header of ``raw`` (with brackets, stripped), or None."""
    value = BytesHeaderParser().parsebytes(raw).get("Message-ID")
    return str(value).strip() or None if value else None


class _Pending:
    """Fetched but unacknowledged messages, persisted as JSON (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, dict[str, str | None]] = {}
        if path.exists():
            try:
                self.entries = json.loads(path.read_text("utf-8"))["pending"]
            except (ValueError, KeyError, OSError) as exc:
                log.warning("imap: ignoring unreadable state %s: %s", path, exc)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"pending": self.entries}, indent=1), "utf-8")
        tmp.replace(self.path)


class ImapSource:
    """A :class:`~daemon.transports.base.MailSource` over one IMAP folder."""

    def __init__(self, cfg: ImapSettings, state_path: Path) -> None:
        self.cfg = cfg
        self.session = ImapSession(cfg, on_connect=self._prepare)
        self._pending = _Pending(state_path)
        self._aliases: dict[str, str] = {}  # old key -> current key after a UIDVALIDITY change
        self._seen: tuple[int, int] | None = None  # (UIDVALIDITY, highest UID fetched)

    # -- connection ------------------------------------------------------------------------
    def _prepare(self, conn: IMAPClient) -> None:
        self.session.ensure_folder(conn, self.cfg.processed_folder)

    def _select(self, conn: IMAPClient) -> int:
        """Select the watched folder (read-write); return its UIDVALIDITY."""
        info = conn.select_folder(self.session.folder_name(self.cfg.folder))
        return int(info[b"UIDVALIDITY"])

    # -- MailSource ------------------------------------------------------------------------
    def fetch(self, limit: int = 100) -> list[FetchedMessage]:
        """Up to ``limit`` messages still in the folder, lowest UID (oldest) first."""

        def op(conn: IMAPClient) -> tuple[int, list[int], dict[int, bytes]]:
            uidvalidity = self._select(conn)
            uids = sorted(int(u) for u in conn.search(["UNDELETED"]))
            batch = uids[:limit]
            data = conn.fetch(batch, ["BODY.PEEK[]"]) if batch else {}
            raws = {int(u): bytes(d[b"BODY[]"]) for u, d in data.items() if b"BODY[]" in d}
            return uidvalidity, uids, raws

        uidvalidity, uids, raws = self.session.run(op, "fetch")
        messages = self._key(uidvalidity, uids, raws, complete=len(uids) <= limit)
        if raws:
            self._seen = (uidvalidity, max(raws))
        log.info(
            "imap: fetched %d of %d message(s) in %s", len(messages), len(uids), self.cfg.folder
        )
        return messages

    def _key(
        self, uidvalidity: int, uids: list[int], raws: dict[int, bytes], complete: bool
    ) -> list[FetchedMessage]:
        """Give each message its key; reuse a stale key for a re-numbered pending message."""
        entries = self._pending.entries
        stale = {str(e["sha256"]): k for k, e in entries.items() if _validity(k) != uidvalidity}
        present = {f"{uidvalidity}:{u}" for u in uids}
        out: list[FetchedMessage] = []
        for uid in sorted(raws):
            raw, key = raws[uid], f"{uidvalidity}:{uid}"
            digest = hashlib.sha256(raw).hexdigest()
            old = stale.pop(digest, None)
            if old is not None and key not in entries:
                log.warning("imap: UIDVALIDITY changed; %s is still known as %s", key, old)
                self._aliases[old] = key
                key = old
            else:
                entries.setdefault(key, {"message_id": message_id_of(raw), "sha256": digest})
            out.append(FetchedMessage(key, raw))
        for key in [k for k in entries if _validity(k) == uidvalidity and k not in present]:
            log.info("imap: %s left the folder without ack; forgetting it", key)
            del entries[key]
        if complete:
            for key in stale.values():
                log.info("imap: %s (old UIDVALIDITY) is no longer in the folder", key)
                entries.pop(key, None)
        self._pending.save()
        return out

    def ack(self, source_key: str) -> None:
        """Move the message to ``processed_folder``; no-op if it is not in the folder."""
        try:
            uidvalidity, uid = (int(p) for p in source_key.split(":", 1))
        except ValueError:
            log.warning("imap: ack of malformed key %r ignored", source_key)
            return
        entry = self._pending.entries.get(source_key)

        def op(conn: IMAPClient) -> None:
            current = self._select(conn)
            target: int | None = uid
            alias = self._aliases.get(source_key)
            if alias is not None and _validity(alias) == current:
                target = int(alias.split(":")[1])
            elif uidvalidity != current:
                target = self._find(conn, entry) if entry else None
            if target is None:
                log.info("imap: ack %s: not found (UIDVALIDITY %d now); no-op", source_key, current)
                return
            flags = conn.get_flags([target]).get(target)
            if flags is None:
                log.info("imap: ack %s: already gone from %s; no-op", source_key, self.cfg.folder)
                return
            self._move(conn, target, already_copied=b"\\Deleted" in flags)
            log.info("imap: acked %s (UID %d) -> %s", source_key, target, self.cfg.processed_folder)

        self.session.run(op, "ack")
        if self._pending.entries.pop(source_key, None) is not None:
            self._pending.save()
        self._aliases.pop(source_key, None)

    def _find(self, conn: IMAPClient, entry: dict[str, str | None]) -> int | None:
        """UID of the message matching a remembered ``entry`` (Message-ID, then SHA-256)."""
        mid = entry.get("message_id")
        uids = conn.search(["HEADER", "Message-ID", mid] if mid else ["UNDELETED"])
        if not uids:
            return None
        for uid, data in conn.fetch(uids, ["BODY.PEEK[]"]).items():
            if hashlib.sha256(bytes(data[b"BODY[]"])).hexdigest() == entry["sha256"]:
                return int(uid)
        return None

    def _move(self, conn: IMAPClient, uid: int, already_copied: bool) -> None:
        dest = self.session.folder_name(self.cfg.processed_folder)
        if self.session.has(conn, "MOVE") and not already_copied:
            conn.move([uid], dest)
            return
        if not already_copied:
            log.debug("imap: no MOVE; COPY + \\Deleted + EXPUNGE for UID %d", uid)
            conn.copy([uid], dest)
            conn.add_flags([uid], [b"\\Deleted"])
        if self.session.has(conn, "UIDPLUS"):
            conn.uid_expunge([uid])
        else:
            log.warning("imap: no UIDPLUS; plain EXPUNGE removes every \\Deleted message")
            conn.expunge()

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds (IDLE, else polling); True if mail may be there.

        Returns True at once when the folder holds messages above the last fetched UID, and
        True when the connection drops (the caller's next fetch reconnects or reports).
        """
        deadline = time.monotonic() + max(0.0, timeout)
        try:
            if self._has_new():
                return True
            conn = self.session.connect()
            if not self.session.has(conn, "IDLE"):
                return self._poll(deadline)
            return self._idle(conn, deadline)
        except TransientError as exc:
            log.warning("imap: wait interrupted: %s", exc)
            return True
        except (OSError, IMAPClient.AbortError) as exc:
            log.warning("imap: connection lost while waiting (%s); will reconnect", exc)
            self.session.drop()
            return True

    def _has_new(self) -> bool:
        def op(conn: IMAPClient) -> bool:
            uidvalidity = self._select(conn)
            uids = conn.search(["UNDELETED"])
            if self._seen is None or self._seen[0] != uidvalidity:
                return bool(uids)
            return any(int(u) > self._seen[1] for u in uids)

        return bool(self.session.run(op, "check for new mail"))

    def _poll(self, deadline: float) -> bool:
        while (remaining := deadline - time.monotonic()) > 0:
            time.sleep(min(self.cfg.poll_seconds, remaining))
            if self._has_new():
                return True
        return False

    def _idle(self, conn: IMAPClient, deadline: float) -> bool:
        """IDLE (RFC 2177) until new mail or ``deadline``.

        A message committed while the server is still setting up IDLE may not be announced
        until the next sync (seen with Dovecot 2.3: up to its 30 s check interval). So each
        IDLE ends with DONE after 1 s, then 2, 4 ... up to ``idle_seconds`` (which also keeps
        IDLE well inside the server's 30-minute limit), and the folder is searched for UIDs
        above the last fetched one: DONE alone does not always make the server announce it.
        """
        period = _FIRST_IDLE_SECONDS
        while True:
            conn.idle()
            started = time.monotonic()
            end = min(deadline, started + min(period, self.cfg.idle_seconds))
            period *= 2
            news = False
            while not news and (remaining := end - time.monotonic()) > 0:
                responses = conn.idle_check(timeout=remaining)
                news = _new_mail(responses)
                if not responses and end - time.monotonic() > 0.1 * remaining:
                    break  # woke early with nothing (EOF?): DONE below raises if it was
            _text, responses = conn.idle_done()
            if news or _new_mail(responses):
                log.debug("imap: IDLE reports new mail")
                return True
            if self._has_new():  # DONE does not always sync: ask the folder itself
                log.debug("imap: new mail found after IDLE said nothing")
                return True
            if time.monotonic() >= deadline:
                return False
            log.debug("imap: re-issuing IDLE after %.1f s", time.monotonic() - started)

    def close(self) -> None:
        self.session.close()


def _new_mail(responses: list[Any]) -> bool:
    """True if IDLE ``responses`` announce a new message; raise if the server said BYE."""
    for resp in responses:
        if isinstance(resp, tuple) and resp and resp[0] == b"BYE":
            raise IMAPClient.AbortError(f"server said BYE: {resp}")
    return any(isinstance(r, tuple) and len(r) > 1 and r[1] == b"EXISTS" for r in responses)


def _validity(key: str) -> int | None:
    head = key.split(":", 1)[0]
    return int(head) if head.isdigit() else None


def create(settings: dict[str, Any], var_dir: Path) -> ImapSource:
    """Registry factory: an :class:`ImapSource` from ``[transport.imap]`` settings.

    Raises :class:`~daemon.errors.UserError` listing every settings problem. Does not connect;
    the first ``fetch``/``wait`` does.
    """
    cfg = parse_imap_settings(settings, var_dir=Path(var_dir))
    account = f"{cfg.username or 'anonymous'}@{cfg.host}_{cfg.port}_{cfg.folder}"
    slug = "".join(c if c.isalnum() or c in "@._-" else "_" for c in account)
    log.info("imap: source %s:%d folder %r (%s)", cfg.host, cfg.port, cfg.folder, cfg.security)
    return ImapSource(cfg, Path(var_dir) / "imap" / f"{slug}.json")


# The keys of [transport.imap] (read by mailconn.parse_imap_settings): name -> (type, required,
# default, comment). daemon.config validates the table with it and prints it in the example.
# A required key's "default" is the example value shown in config.example.toml.
SETTINGS: dict[str, tuple[str | tuple[str, ...], bool, Any, str]] = {
    "host": ("str", True, "imap.example.com", "IMAP server name (required)."),
    "port": ("int", False, 993, "993 with tls; 143 with starttls or none."),
    "security": (("tls", "starttls", "none"), False, "tls", "tls, starttls or none."),
    "verify": ("bool", False, True, "Check the server certificate and host name."),
    "ca_file": ("str", False, None, "CA bundle file; unset: the system store."),
    "username": ("str", False, None, 'Login name, e.g. "meetings@corp.example".'),
    "password_env": ("str", False, None, 'Variable holding the password, e.g. "IMAP_PW".'),
    "password_command": ("str", False, None, "Command printing the password."),
    "auth": (
        AUTH,
        False,
        "password",
        'password, or xoauth2 (OAuth2; see "tenant", "token_command").',
    ),
    **oauth.SETTINGS,
    "folder": ("str", False, "INBOX", "Folder watched for new mail."),
    "processed_folder": ("str", False, "meetingd/processed", "Handled mail moves here."),
    "sent_folder": ("str", False, "Sent", "Folder of the SMTP sink's Sent copy."),
    "idle_seconds": ("number", False, 840, "Re-issue IDLE after this many seconds."),
    "poll_seconds": ("number", False, 60, "Poll interval when the server has no IDLE."),
    "timeout": ("number", False, 60, "Socket timeout in seconds."),
    "retries": ("int", False, 5, "Connection attempts per operation."),
    "backoff_seconds": ("number", False, 1, "First wait between attempts."),
    "backoff_max": ("number", False, 30, "Longest wait between attempts."),
    "disable_extensions": ("str_list", False, [], 'Capabilities to ignore, e.g. ["IDLE"].'),
}
