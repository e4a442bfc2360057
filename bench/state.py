"""The benchmark state: a company's worth of meetings, built through the daemon's own code.

Usage: ``.venv/bin/python bench/state.py [--size 1000] [--size 10000] [--rebuild]`` prints
where each state is and what it holds; the benchmarks call :func:`state` themselves.

How a state is made:

1. **Templates.** The demo (:class:`daemon.demo.run.Demo`, the daemon's real pass on a
   simulated clock, meeting day 2027-03-09) runs once. Its database is copied twice: *live*
   after the third calendar answer (MTG-1 approved, invites out, one topic in, every
   reminder still pending), and *done* at the end (MTG-1 through minutes, action items and
   review; MTG-2 rejected, moved and cancelled): 32 inbound mails, 58 outgoing, 37 deadlines.
2. **Clones.** A fresh database (every migration applied by :func:`daemon.store.db.open_db`)
   gets ``size`` meetings copied at the SQL level from the templates: 46 in every 100 are
   the live MTG-1 (their topic reminders all fall due at the same 09:30, the burst), the
   rest alternate done MTG-1 / done MTG-2, with their whole history (inbox and outbox rows
   with their raw bytes, events, deadlines). Unique keys get a per-clone suffix (UIDs,
   Message-IDs, idempotency keys, source keys); subjects are retagged ``[MTG-n]``.
3. **Cache.** Each state is a demo work folder (``meetingd.toml``, ``meetingd.db``, empty
   Maildirs, the materials) under ``$TMPDIR/meetingd-bench/<hash>/<size>/``, the hash
   covering this file, the migrations and the demo script. It is built once and reused;
   a benchmark that changes it works on a :func:`scratch_copy`.

The manifest (``state.json``) gives the burst instant (UTC) and the row counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The daemon code measured: this checkout, or another one (``MEETINGD_CODE``, e.g. an
# export of the commit before a change, for its "before" figures).
CODE = Path(os.environ.get("MEETINGD_CODE", REPO)).resolve()
if str(CODE) not in sys.path:
    sys.path.insert(0, str(CODE))

from daemon import clock  # noqa: E402
from daemon.demo.script import SCRIPT, SCRIPT_DAY  # noqa: E402
from daemon.store import meetings  # noqa: E402

LIVE_AFTER_STEP = 8  # index in SCRIPT: 08-google-calendar-tentative-en (day -9, 11:30)
LIVE_PER_100 = 46  # of every 100 meetings, this many are live (the 09:30 burst)
SIZES = (100, 1000, 10000)
# Every table with rows per meeting: the meeting file's children, then the queues.
TABLES_BY_MEETING = (
    *(table for table, _cls in meetings.CHILDREN.values()),
    "decisions",
    "deadlines",
    "inbox",
    "outbox",
    "events",
)
# Tables whose rows about no meeting (stray mail, its notices) are copied with every
# clone of MTG-1, so they grow with the company too.
UNATTACHED = ("inbox", "outbox", "events")


def _suffixed_id(col: str) -> str:
    """SQL: a Message-ID-like ``<local@domain>`` made unique with the clone number."""
    at = f"instr({col}, '@')"
    return (
        f"CASE WHEN {at} > 0 THEN substr({col}, 1, {at} - 1) || '.c' || c.new"
        f" || substr({col}, {at}) ELSE {col} || '.c' || c.new END"
    )


# table -> column -> SQL expression over the template row ``t`` and the clone map ``c``.
SPECIAL: dict[str, dict[str, str]] = {
    "meetings": {
        "number": "c.new",
        "uid": _suffixed_id("t.uid"),
        "review_uid": _suffixed_id("t.review_uid"),
        "request_message_id": _suffixed_id("t.request_message_id"),
        "title": "t.title",
    },
    "outbox": {
        "idem_key": "t.idem_key || '#c' || c.new",
        "message_id": _suffixed_id("t.message_id"),
        "subject": "replace(t.subject, '[MTG-' || t.meeting_number, '[MTG-' || c.new)",
    },
    "inbox": {
        "source_key": "t.source_key || '.c' || c.new",
        "message_id": _suffixed_id("t.message_id"),
    },
}
SKIP = {"deadlines": {"id"}, "inbox": {"id"}, "outbox": {"id"}, "events": {"id"}}


@dataclass(frozen=True)
class State:
    """One cached state: its folder (a demo work folder), config and database paths, and
    the manifest (``burst_utc``: ISO UTC instant of the 09:30 burst; ``counts``: rows per
    table; ``size``; ``build_seconds``)."""

    folder: Path
    manifest: dict

    @property
    def config(self) -> Path:
        return self.folder / "meetingd.toml"

    @property
    def db(self) -> Path:
        return self.folder / "meetingd.db"

    @property
    def burst(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.manifest["burst_utc"])


def version_hash() -> str:
    """12 hex digits over what shapes a state: this file, and the migrations and the demo
    script of the code measured."""
    h = hashlib.sha256((REPO / "bench/state.py").read_bytes())
    for rel in ("daemon/store/migrations.py", "daemon/demo/script.py"):
        h.update((CODE / rel).read_bytes())
    return h.hexdigest()[:12]


def cache_root() -> Path:
    """``$TMPDIR/meetingd-bench/<version hash>`` (the system temp folder without TMPDIR)."""
    return Path(tempfile.gettempdir()) / "meetingd-bench" / version_hash()


def _templates(root: Path) -> tuple[Path, Path]:
    """Run the demo once in ``root/demo``; return (live, done) template database paths."""
    live, done = root / "live.db", root / "done.db"
    if live.exists() and done.exists():
        return live, done
    from daemon.demo.run import Demo

    work = root / "demo"
    shutil.rmtree(work, ignore_errors=True)
    logging.basicConfig(level=logging.ERROR)
    demo = Demo(work, "zh", SCRIPT_DAY, None, quiet=True)
    try:
        for i, step in enumerate(SCRIPT):
            demo.advance_to(demo.at(step.day, step.time))
            demo.deliver(step, i)
            demo.pass_()
            if i == LIVE_AFTER_STEP:
                _backup(demo.service.db.conn, live)
        demo.advance_to(demo.at(12, dt.time(18, 0)))
        _backup(demo.service.db.conn, done)
    finally:
        demo.service.close()
        clock.set_clock(clock.SystemClock())
    return live, done


def _backup(conn: sqlite3.Connection, target: Path) -> None:
    target.unlink(missing_ok=True)
    out = sqlite3.connect(target)
    conn.backup(out)
    out.close()


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def _select(conn: sqlite3.Connection, table: str, attached: bool = True) -> tuple[str, str]:
    """(column list, select list) copying ``table`` from template ``t`` to clone ``c``;
    ``attached`` False keeps ``meeting_number`` NULL (rows about no meeting)."""
    cols = [c for c in _columns(conn, table) if c not in SKIP.get(table, set())]
    special = dict(SPECIAL.get(table, {}))
    special["meeting_number"] = "c.new" if attached else "NULL"
    if not attached:
        special.pop("subject", None)
    return ", ".join(cols), ", ".join(special.get(c, f"t.{c}") for c in cols)


def _clone(target: Path, live: Path, done: Path, size: int) -> None:
    """Fill the (migrated, empty) database ``target`` with ``size`` cloned meetings."""
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute(f"ATTACH DATABASE '{live}' AS live")
    conn.execute(f"ATTACH DATABASE '{done}' AS done")
    conn.execute("CREATE TEMP TABLE clone_map (new INTEGER PRIMARY KEY, db TEXT, src INTEGER)")
    rows = []
    for i in range(size):
        if i % 100 < LIVE_PER_100:
            rows.append((i + 1, "live", 1))
        else:
            rows.append((i + 1, "done", 1 + i % 2))
    conn.executemany("INSERT INTO clone_map VALUES (?, ?, ?)", rows)
    conn.execute("BEGIN")
    for db in ("live", "done"):
        cols, exprs = _select(conn, "meetings")
        conn.execute(
            f"INSERT INTO main.meetings ({cols}) SELECT {exprs} FROM {db}.meetings AS t"
            f" JOIN clone_map AS c ON c.db = '{db}' AND c.src = t.number ORDER BY c.new"
        )
        for table in TABLES_BY_MEETING:
            cols, exprs = _select(conn, table)
            order = "c.new, t.id" if "id" in _columns(conn, table) else "c.new"
            conn.execute(
                f"INSERT INTO main.{table} ({cols}) SELECT {exprs} FROM {db}.{table} AS t"
                f" JOIN clone_map AS c ON c.db = '{db}' AND c.src = t.meeting_number"
                f" ORDER BY {order}"
            )
            if table in UNATTACHED:
                cols, exprs = _select(conn, table, attached=False)
                conn.execute(
                    f"INSERT INTO main.{table} ({cols}) SELECT {exprs}"
                    f" FROM {db}.{table} AS t JOIN clone_map AS c ON c.db = '{db}' AND c.src = 1"
                    f" WHERE t.meeting_number IS NULL ORDER BY c.new, t.id"
                )
        conn.execute(
            "INSERT INTO main.transport_state (scope, key, value, updated_utc)"
            " SELECT t.scope, 'uid:' || m.uid, t.value, t.updated_utc"
            f" FROM {db}.transport_state AS t JOIN {db}.meetings AS s ON t.key = 'uid:' || s.uid"
            f" JOIN clone_map AS c ON c.db = '{db}' AND c.src = s.number"
            " JOIN main.meetings AS m ON m.number = c.new"
        )
    tables = {r[0] for r in conn.execute("SELECT name FROM main.sqlite_master")}
    if "outbox_recipients" in tables:  # derived from outbox.recipients (migration 0006)
        conn.execute(
            "INSERT OR IGNORE INTO main.outbox_recipients (outbox_id, address, kind, created_utc)"
            " SELECT o.id, r.value, o.kind, o.created_utc"
            " FROM main.outbox AS o, json_each(o.recipients) AS r"
        )
    conn.execute("COMMIT")
    conn.close()


def _counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    tables = ("meetings", *TABLES_BY_MEETING)
    out = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    out["pending_deadlines"] = conn.execute(
        "SELECT COUNT(*) FROM deadlines WHERE state = 'pending'"
    ).fetchone()[0]
    conn.close()
    return out


def _burst(live: Path) -> str:
    conn = sqlite3.connect(live)
    row = conn.execute(
        "SELECT MIN(due_utc) FROM deadlines WHERE state = 'pending' AND meeting_number = 1"
    ).fetchone()
    conn.close()
    return str(row[0])


def build(size: int, folder: Path, live: Path, done: Path) -> State:
    """Build the state of ``size`` meetings in ``folder`` (replacing what is there)."""
    from daemon.store.db import open_db

    started = time.perf_counter()
    shutil.rmtree(folder, ignore_errors=True)
    demo = live.parent / "demo"
    folder.mkdir(parents=True)
    shutil.copy(demo / "meetingd.toml", folder / "meetingd.toml")
    shutil.copytree(demo / "materials", folder / "materials")
    open_db(folder / "meetingd.db").close()
    _clone(folder / "meetingd.db", live, done, size)
    manifest = {
        "size": size,
        "burst_utc": _burst(live),
        "counts": _counts(folder / "meetingd.db"),
        "db_bytes": (folder / "meetingd.db").stat().st_size,
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    (folder / "state.json").write_text(json.dumps(manifest, indent=2))
    return State(folder, manifest)


def state(size: int, rebuild: bool = False) -> State:
    """The cached state of ``size`` meetings, built first if missing (or ``rebuild``)."""
    root = cache_root()
    folder = root / str(size)
    done_marker = folder / "state.json"
    if done_marker.exists() and not rebuild:
        return State(folder, json.loads(done_marker.read_text()))
    root.mkdir(parents=True, exist_ok=True)
    live, done = _templates(root)
    return build(size, folder, live, done)


def scratch_copy(src: State, where: Path) -> State:
    """A private copy of ``src`` in ``where`` (for a benchmark that changes the state)."""
    shutil.rmtree(where, ignore_errors=True)
    shutil.copytree(src.folder, where)
    return State(where, src.manifest)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, action="append", help="meetings (repeatable)")
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    for size in args.size or [1000]:
        st = state(size, args.rebuild)
        print(f"{size} meetings: {st.folder}")
        print(json.dumps(st.manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
