"""The schema version a database file carries (``PRAGMA user_version``), readable without
sqlite-utils, so a read-only listing can open an up-to-date file with the standard library
alone (importing sqlite-utils costs about 50 ms at start).

:data:`SCHEMA_VERSION` is the number of migrations in :mod:`daemon.store.migrations`;
:func:`daemon.store.db.open_db` writes it after migrating, and a test checks the two agree.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA_VERSION = 9
BUSY_TIMEOUT_MS = 5000
#: Live action items without a resolved owner: the condition of the partial index
#: ``action_items_unowned`` (migration 0007), which ``status`` reads.
UNOWNED = "owner IS NULL AND status NOT IN ('done', 'cancelled')"


def open_current(path: Path) -> sqlite3.Connection | None:
    """A plain connection to the database at ``path`` if it exists and carries
    :data:`SCHEMA_VERSION` (every migration applied), else None (the caller then opens it
    with :func:`daemon.store.db.open_db`, which migrates). Busy timeout 5 s.

    Raises:
        sqlite3.DatabaseError: the file is not a database.
    """
    if not path.is_file():
        return None
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version != SCHEMA_VERSION:
        conn.close()
        return None
    return conn
