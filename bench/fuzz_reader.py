"""A long fuzz of the inbound reader: N inputs, the exceptions found, messages per second.

Usage: ``.venv/bin/python bench/fuzz_reader.py [-n 100000] [--seed 0] [--save DIR]``
(``scripts/fuzz`` runs it). Inputs, all made here: a third are the project's own mails
(``daemon/demo/mails``, the ``tests.mails`` builders) damaged at random, a tenth random
bytes, the rest from the generators of :mod:`tests.unit.inbound_fuzz_inputs` (deep nesting,
non-text charset labels, broken calendars, forged From headers, absurd values, loop mail).

Each input goes to ``daemon.inbound.inspect._inspect``, the reading that ``inspect_bytes``
wraps, so its catch-all cannot hide an exception. Counted: exceptions (by type and place),
generated inputs whose readable From did not give its address, and the slowest input.
Exit status 1 when anything was found.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import logging  # noqa: E402

from daemon.inbound.inspect import _inspect  # noqa: E402
from tests.mails import INSPECT_NOW  # noqa: E402
from tests.unit.inbound_fuzz_inputs import GENERATORS, mutate, seeds  # noqa: E402


def _place(exc: BaseException) -> str:
    """Where ``exc`` was raised: the innermost frame in the project, else the innermost."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/daemon/" in f.filename]
    frame = (ours or frames or [None])[-1]
    if frame is None:
        return "?"
    return f"{Path(frame.filename).name}:{frame.lineno} {frame.name}"


def make_input(rng: random.Random, own: list[bytes]) -> tuple[str, bytes, str | None, bool]:
    """(kind, bytes, expected sender, whether the sender is known) for one input."""
    roll = rng.random()
    if roll < 0.33:
        return "mutated", mutate(rng.choice(own), rng), None, False
    if roll < 0.43:
        return "bytes", rng.randbytes(rng.randint(0, 2000)), None, False
    generate = rng.choice(GENERATORS)
    raw, sender = generate(rng)
    return generate.__name__, raw, sender, True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--count", type=int, default=100_000, help="inputs (100000)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (0)")
    ap.add_argument("--save", type=Path, help="write each failing input to this folder")
    args = ap.parse_args()
    logging.disable(logging.CRITICAL)  # the reader logs at debug level; keep the run quiet
    rng = random.Random(args.seed)
    own = seeds()
    errors: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    slowest = (0.0, "")
    busy = 0.0
    started = time.perf_counter()
    for i in range(args.count):
        kind, raw, sender, known = make_input(rng, own)
        kinds[kind] += 1
        t0 = time.perf_counter()
        try:
            insp = _inspect(raw, None, INSPECT_NOW)
        except Exception as exc:  # what the reader must never do
            errors[f"{exc.__class__.__name__} at {_place(exc)}"] += 1
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                (args.save / f"{i:07d}-{kind}.eml").write_bytes(raw)
            continue
        finally:
            spent = time.perf_counter() - t0
            busy += spent
            if spent > slowest[0]:
                slowest = (spent, f"#{i} {kind}")
        if known and insp.sender != sender:
            wrong[f"{kind}: got {insp.sender!r}, From says {sender!r}"] += 1
    wall = time.perf_counter() - started
    found = sum(errors.values())
    print(f"inputs:       {args.count} (seed {args.seed}; {dict(sorted(kinds.items()))})")
    print(f"exceptions:   {found}")
    for what, n in errors.most_common(20):
        print(f"  {n:6d}  {what}")
    print(f"wrong sender: {sum(wrong.values())}")
    for what, n in wrong.most_common(10):
        print(f"  {n:6d}  {what}")
    print(f"speed:        {args.count / busy:.0f} messages/s in the reader ({wall:.1f} s wall)")
    print(f"slowest:      {slowest[0] * 1000:.1f} ms ({slowest[1]})")
    return 1 if found or wrong else 0


if __name__ == "__main__":
    sys.exit(main())
