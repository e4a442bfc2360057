"""Background materials stored by content hash (sha256) under ``<var>/materials``.

The same file sent twice is stored once. Files are written atomically (temp + rename).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from daemon.domain.messages import Inspection
from daemon.domain.model import Material

log = logging.getLogger(__name__)
_CALENDAR_TYPES = ("text/calendar", "application/ics")


class MaterialStore:
    """Content-addressed files: ``<root>/<sha[:2]>/<sha>`` plus a ``.json`` with the name.

    Args:
        root: folder to keep the files in (created on first write).
        max_bytes: largest file accepted, in bytes.
    """

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def put(self, data: bytes, filename: str, content_type: str) -> str:
        """Store ``data``; return its sha256 hex digest.

        Raises:
            ValueError: ``data`` is larger than ``max_bytes``.
        """
        if len(data) > self.max_bytes:
            raise ValueError(f"{filename}: {len(data)} bytes, over the {self.max_bytes} limit")
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
            meta = {"filename": filename, "content_type": content_type}
            path.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False))
        return digest

    def keep(
        self, msg: Inspection, now: dt.datetime
    ) -> tuple[list[Material], list[dict[str, Any]]]:
        """Store the attachments of ``msg`` (calendar objects excepted).

        Returns:
            (the kept ones as :class:`Material`, received at ``now``; the refused ones,
            over ``max_bytes``, as ``{"filename", "size"}``).
        """
        kept: list[Material] = []
        refused: list[dict[str, Any]] = []
        sender = (msg.sender or "").lower()
        for att in msg.attachments:
            if not att.data or att.content_type in _CALENDAR_TYPES:
                continue
            name = att.filename or "attachment"
            try:
                digest = self.put(att.data, name, att.content_type)
            except ValueError as exc:
                log.warning("material not kept: %s", exc)
                refused.append({"filename": name, "size": len(att.data)})
                continue
            kept.append(
                Material(digest, name, att.content_type, att.size, sender, received_utc=now)
            )
        return kept, refused

    def get(self, digest: str) -> tuple[str, str, bytes]:
        """(filename, content type, bytes) of a stored file. Raises ``FileNotFoundError``."""
        path = self._path(digest)
        meta = json.loads(path.with_suffix(".json").read_text())
        return meta["filename"], meta["content_type"], path.read_bytes()

    def _path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest
