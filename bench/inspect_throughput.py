"""Throughput of ``inspect`` against a plain ``email`` + ``icalendar`` parse of the same files.

Usage: ``.venv/bin/python bench/inspect_throughput.py [--repeat 100] [DIR]`` (default DIR:
``$MEETINGD_SHARED/corpus/cases`` or ``../shared/corpus/cases``). Prints messages/s for both
and the ratio inspect/raw (goal: >= 0.5).
"""

from __future__ import annotations

import argparse
import email
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from icalendar import Calendar  # noqa: E402

from daemon.inbound.inspect import inspect_bytes  # noqa: E402
from tests.mails import INSPECT_NOW  # noqa: E402

_CAL = {"text/calendar", "application/ics"}


def raw_parse(raw: bytes) -> None:
    """The baseline: parse the message and every calendar part, nothing else."""
    msg = email.message_from_bytes(raw)
    for part in msg.walk():
        if part.get_content_type() in _CAL:
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                Calendar.from_ical(data)


def inspect_one(raw: bytes) -> None:
    """What the daemon does with one file (the reference instant of the tests)."""
    inspect_bytes(raw, now=INSPECT_NOW)


def rate(fn, blobs: list[bytes], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for blob in blobs:
            fn(blob)
    return repeat * len(blobs) / (time.perf_counter() - start)


def main() -> int:
    shared = Path(os.environ.get("MEETINGD_SHARED", REPO.parent / "shared"))
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", nargs="?", type=Path, default=shared / "corpus" / "cases")
    ap.add_argument("--repeat", type=int, default=100)
    args = ap.parse_args()
    blobs = [p.read_bytes() for p in sorted(args.dir.glob("*.eml"))]
    if not blobs:
        print(f"no .eml files in {args.dir}")
        return 2
    for blob in blobs:  # warm up imports and regex caches
        inspect_bytes(blob, now=INSPECT_NOW)
        raw_parse(blob)
    raw = rate(raw_parse, blobs, args.repeat)
    ours = rate(inspect_one, blobs, args.repeat)
    print(f"files: {len(blobs)} x {args.repeat}")
    print(f"raw email+icalendar parse: {raw:9.1f} messages/s")
    print(f"inspect:                   {ours:9.1f} messages/s")
    print(f"ratio inspect/raw:         {ours / raw:9.2f} (goal >= 0.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
