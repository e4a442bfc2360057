"""The embedded default transport: local Maildirs, no mail server needed.

* Source: ``<var>/inbox`` (messages in ``new/`` and ``cur/``); the source key is the Maildir
  key (the file name before ``:``). :meth:`MaildirTransport.ack` MOVES the file into
  ``<var>/processed/cur`` (atomic rename on one file system; never deleted; acking twice is a
  no-op).
* Sink: :meth:`MaildirTransport.send` writes each mail into ``<var>/outbox/new`` (through
  ``tmp/`` and a rename, so a reader never sees half a file) under a file name derived from
  its Message-ID, so sending the same mail twice leaves one file; :meth:`find_sent` looks
  for that name in ``new/`` and ``cur/``. Line endings are written as LF, the Maildir norm.

Settings (paths relative to the var dir, or absolute): ``inbox`` (default ``"inbox"``),
``processed`` (``"processed"``) and ``outbox`` (``"outbox"``).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

from daemon.transports.base import FetchedMessage, OutgoingMail

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+=-]")


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def file_name_for(message_id: str) -> str:
    """The stable outbox file name of a Message-ID: readable part + 12 hex digits of sha256."""
    core = message_id.strip().strip("<>")
    readable = _UNSAFE.sub("_", core)[:80].lstrip(".") or "mail"
    digest = hashlib.sha256(message_id.strip().encode("utf-8")).hexdigest()[:12]
    return f"{readable}.{digest}"


class MaildirTransport:
    """Both a ``MailSource`` (inbox Maildir) and a ``MailSink`` (outbox Maildir).

    Args:
        inbox, processed, outbox: Maildir directories; created (with tmp/new/cur) if missing.
    """

    def __init__(self, inbox: Path, processed: Path, outbox: Path) -> None:
        import mailbox  # 10 ms at import: only where the Maildirs are opened

        self.inbox, self.processed, self.outbox = inbox, processed, outbox
        for path in (inbox, processed, outbox):
            path.parent.mkdir(parents=True, exist_ok=True)
            mailbox.Maildir(path, create=True)
        self.colon = mailbox.Maildir.colon
        self._listings: dict[Path, tuple[int, dict[str, str]]] = {}

    # ------------------------------------------------------------------ source

    def _entries(self, root: Path) -> list[tuple[int, str, Path]]:
        entries = []
        for sub in ("new", "cur"):
            with os.scandir(root / sub) as it:
                for entry in it:
                    if entry.name.startswith(".") or not entry.is_file():
                        continue
                    with contextlib.suppress(FileNotFoundError):
                        entries.append((entry.stat().st_mtime_ns, entry.name, Path(entry.path)))
        return sorted(entries)

    def _key(self, name: str) -> str:
        return name.split(self.colon, 1)[0]

    def _find(
        self, root: Path, key: str, flagged_in: tuple[str, ...] = ("new", "cur")
    ) -> Path | None:
        """The file of Maildir key ``key`` in ``root``'s ``new/`` or ``cur/``, or None.

        An exact name is one ``stat``. A name with flags (``key:2,S``) is looked up in
        ``flagged_in``, in a listing of each folder kept while its mtime is unchanged, so a
        lookup does not read the whole folder each time (100k sent mails). The inbox looks
        in ``new/`` too (offlineimap and Python's ``mailbox`` deliver flagged names there);
        the outbox only in ``cur/``, where a mail client moves what it read: the daemon's own
        sends go into ``new/`` under exact names, and a listing of ``new/`` would be stale
        after every send of a burst.
        """
        for sub in ("new", "cur"):
            if (root / sub / key).is_file():
                return root / sub / key
        for sub in flagged_in:
            folder = root / sub
            name = self._flagged_names(folder).get(key)
            if name is not None and (folder / name).is_file():
                return folder / name
        return None

    def _flagged_names(self, folder: Path) -> dict[str, str]:
        """``key -> file name`` of the files in ``folder`` named ``key:flags``, re-read when
        the folder's mtime (ns) changed since the last listing."""
        try:
            mtime = folder.stat().st_mtime_ns
        except FileNotFoundError:
            return {}
        cached = self._listings.get(folder)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        names: dict[str, str] = {}
        with os.scandir(folder) as it:
            for entry in it:
                key, colon, _flags = entry.name.partition(self.colon)
                if colon:
                    names[key] = entry.name
        self._listings[folder] = (mtime, names)
        return names

    def fetch(self, limit: int = 100) -> list[FetchedMessage]:
        """Up to ``limit`` messages still in the inbox, oldest (by file time) first.

        Raises ``OSError`` if the inbox cannot be read.
        """
        fetched: list[FetchedMessage] = []
        for _mtime, name, path in self._entries(self.inbox):
            if len(fetched) >= limit:
                break
            try:
                raw = path.read_bytes()
            except FileNotFoundError:  # moved away meanwhile
                continue
            fetched.append(FetchedMessage(source_key=self._key(name), raw=raw))
        return fetched

    def ack(self, source_key: str) -> None:
        """Move the message into ``processed/cur`` (flag Seen); a no-op if already moved.

        Raises ``OSError`` if the move fails (the message stays in the inbox).
        """
        path = self._find(self.inbox, source_key)
        if path is None:
            if self._find(self.processed, source_key) is None:
                log.warning("maildir ack: %s is neither in the inbox nor processed", source_key)
            return
        target = self.processed / "cur" / f"{source_key}{self.colon}2,S"
        try:
            os.replace(path, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            shutil.move(str(path), str(target))  # another file system: copy, then unlink
        _fsync_dir(target.parent)
        log.info("maildir: moved %s to %s", source_key, self.processed)

    def wait(self, timeout: float) -> bool:
        """Poll the inbox up to ``timeout`` seconds; return True (mail may be there)."""
        end = time.monotonic() + max(timeout, 0)
        while time.monotonic() < end and not self._entries(self.inbox):
            time.sleep(min(POLL_SECONDS, max(end - time.monotonic(), 0)))
        return True

    # ------------------------------------------------------------------ sink

    def _sent_path(self, message_id: str) -> Path | None:
        return self._find(self.outbox, file_name_for(message_id), flagged_in=("cur",))

    def send(self, mail: OutgoingMail) -> None:
        """Write ``mail`` to ``outbox/new``; a second send of the same Message-ID is a no-op.

        Raises ``OSError`` (e.g. disk full); the dispatcher retries it.
        """
        name = file_name_for(mail.message_id)
        if self._sent_path(mail.message_id) is not None:
            log.info("maildir: %s already in the outbox, not written again", mail.message_id)
            return
        data = mail.raw.replace(b"\r\n", b"\n")
        tmp = self.outbox / "tmp" / f"{name}.{os.getpid()}"
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.outbox / "new" / name)
        _fsync_dir(self.outbox / "new")
        log.info("maildir: wrote %s to %s", mail.message_id, self.outbox / "new" / name)

    def find_sent(self, message_id: str) -> bool | None:
        """True if the mail with this Message-ID is in the outbox Maildir (new/ or cur/),
        else False (never None: the outbox is the delivery)."""
        return self._sent_path(message_id) is not None

    def close(self) -> None:
        """Nothing to release."""


def create(settings: dict[str, Any], var_dir: Path) -> MaildirTransport:
    """Registry factory: Maildirs ``inbox``, ``processed``, ``outbox`` under ``var_dir``."""
    base = Path(var_dir)

    def where(key: str) -> Path:
        return base / str(settings.get(key) or key)

    return MaildirTransport(where("inbox"), where("processed"), where("outbox"))


# The keys of [transport.maildir] (read by create): name -> (type, required, default, comment).
# daemon.config validates the table with it and prints it in the example.
SETTINGS: dict[str, tuple[str | tuple[str, ...], bool, Any, str]] = {
    "inbox": ("str", False, "inbox", "Maildir read for new mail; relative to var_dir."),
    "processed": ("str", False, "processed", "Handled mail moves here."),
    "outbox": ("str", False, "outbox", "Sent mail is written here."),
}
