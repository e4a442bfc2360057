"""Cost of one Maildir send into an empty outbox and into one holding 100,000 files.

Usage: ``.venv/bin/python bench/maildir_sink.py [--files 100000] [--sends 300]``. Fills
the outbox with ``--files`` small files, half in ``new/`` as the daemon writes them (a
burst's mail not yet read) and half in ``cur/`` flagged as a mail client leaves them (kept
in ``$TMPDIR/meetingd-bench/maildir-v2-N`` between runs), then times
``MaildirTransport.send`` of ``--sends`` new mails into each outbox and prints the median
milliseconds per send and their ratio. Goal (issue 15): the full folder costs <= 2x the
empty one.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import state  # noqa: F401  (puts the code measured on sys.path)

from daemon.transports.base import OutgoingMail
from daemon.transports.maildir import MaildirTransport, file_name_for

RAW = b"From: a@corp.example\r\nTo: b@corp.example\r\nSubject: x\r\n\r\n" + b"body\r\n" * 200


def outbox(root: Path, files: int) -> MaildirTransport:
    """A Maildir transport under ``root`` whose outbox holds ``files`` sent mails."""
    box = MaildirTransport(root / "inbox", root / "processed", root / "outbox")
    new, cur = root / "outbox" / "new", root / "outbox" / "cur"
    have = sum(1 for _ in cur.iterdir()) + sum(1 for _ in new.iterdir())
    for i in range(have, files):
        name = file_name_for(f"<old.{i}@corp.example>")
        (new / name if i % 2 else cur / f"{name}:2,S").write_bytes(RAW)
    return box


def per_send(box: MaildirTransport, tag: str, sends: int) -> float:
    """Median seconds of one send of a new Message-ID (the files are removed after)."""
    times = []
    written = []
    for i in range(sends):
        mail = OutgoingMail(f"<{tag}.{i}.{time.time_ns()}@corp.example>", ("b@corp.example",), RAW)
        started = time.perf_counter()
        box.send(mail)
        times.append(time.perf_counter() - started)
        written.append(box.outbox / "new" / file_name_for(mail.message_id))
    for path in written:
        path.unlink()
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--sends", type=int, default=300)
    opts = ap.parse_args()
    cache = Path(tempfile.gettempdir()) / "meetingd-bench" / f"maildir-v2-{opts.files}"
    with tempfile.TemporaryDirectory() as tmp:
        empty = outbox(Path(tmp), 0)
        full = outbox(cache, opts.files)
        per_send(empty, "warm", 20)
        e = per_send(empty, "empty", opts.sends)
        f = per_send(full, "full", opts.sends)
    print(f"maildir send, empty outbox:        {e * 1000:.2f} ms (median of {opts.sends})")
    print(f"maildir send, {opts.files} files: {f * 1000:.2f} ms")
    print(f"ratio full/empty: {f / e:.2f}x (goal <= 2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
