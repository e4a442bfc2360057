"""The schema version written into the database file agrees with the migrations."""

from __future__ import annotations

from pathlib import Path

from daemon.store import migrations
from daemon.store.db import open_db
from daemon.store.schema import SCHEMA_VERSION, open_current


def test_schema_version_counts_the_migrations(tmp_path: Path) -> None:
    assert len(migrations.MIGRATIONS._migrations) == SCHEMA_VERSION
    path = tmp_path / "m.db"
    assert open_current(path) is None  # no file yet
    open_db(path).close()
    conn = open_current(path)
    assert conn is not None
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_an_older_file_is_not_opened_plainly(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    open_db(path).close()
    db = open_db(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    db.close()
    assert open_current(path) is None
    open_db(path).close()  # opening it the full way brings the version back
    conn = open_current(path)
    assert conn is not None
    conn.close()
