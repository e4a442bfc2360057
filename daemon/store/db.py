"""Opening the SQLite database and running transactions.

:func:`open_db` returns a :class:`sqlite_utils.Database` in WAL mode with a 5 s busy timeout,
foreign keys enforced and every migration applied. :func:`atomic` is the one way the package
writes: a ``BEGIN IMMEDIATE`` … ``COMMIT`` transaction (``ROLLBACK`` on any exception); nested
inside another transaction it becomes a SAVEPOINT (sqlite-utils 4 ``Database.atomic()``), so an
inner failure undoes only the inner block.

Why not plain ``db.atomic()``: it starts with a deferred ``BEGIN``, and two connections that
both read and then write would fail with ``SQLITE_BUSY`` instead of waiting. ``BEGIN
IMMEDIATE`` takes the write lock up front, so the busy timeout serialises writers.

The connection is opened with ``check_same_thread=False`` so the scheduler thread may use it;
callers must still not use one connection from two threads at the same time.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database

from daemon.store import migrations
from daemon.store.schema import BUSY_TIMEOUT_MS, SCHEMA_VERSION

log = logging.getLogger(__name__)


def open_db(path: str | Path) -> Database:
    """Open (creating if needed) the database file at ``path`` and migrate it.

    Args:
        path: file path, or ``":memory:"`` for a private in-memory database (tests).
    Returns:
        a ``sqlite_utils.Database`` with WAL, ``busy_timeout`` 5000 ms and foreign keys on,
        its ``user_version`` set to :data:`~daemon.store.schema.SCHEMA_VERSION`.
    Raises:
        sqlite3.DatabaseError: the file is not a database or cannot be opened.
        OSError: the parent directory cannot be created.
    """
    target = str(path)
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db = Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    if target != ":memory:":
        db.enable_wal()
    with atomic(db):
        applied = migrations.apply(db)
        if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    if applied:
        log.info("database %s: applied migrations %s", target, ", ".join(applied))
    return db


@contextlib.contextmanager
def atomic(db: Database) -> Iterator[Database]:
    """One transaction: ``BEGIN IMMEDIATE`` … ``COMMIT``; ``ROLLBACK`` and re-raise on error.

    Nested use (a transaction is already open on ``db``) becomes a SAVEPOINT: an exception
    rolls back only the inner block and propagates; the outer transaction decides the rest.

    Raises:
        sqlite3.OperationalError: ``database is locked`` after the busy timeout (5 s).
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    try:
        db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise


def is_busy(exc: BaseException) -> bool:
    """True if ``exc`` is SQLite's ``database is locked`` after the busy timeout (another
    connection held the write lock): trying again later may succeed."""
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


@contextlib.contextmanager
def relaxed_sync(db: Database) -> Iterator[Database]:
    """Commits inside the block are not flushed to disk one by one (``PRAGMA synchronous =
    NORMAL``, WAL mode); the setting before comes back after.

    For the outbox's claim-and-mark-sent commits of a burst only: an application crash
    loses nothing (the WAL is written), a power failure may lose the last few marks, and
    a mail whose mark is lost is settled or sent again (at-least-once, as after a crash).
    Never for a state change or an inbound message. Inside a transaction (where SQLite
    refuses the change) the block runs with the setting as it is.
    """
    if db.conn.in_transaction:
        yield db
        return
    before = db.execute("PRAGMA synchronous").fetchone()[0]
    db.execute("PRAGMA synchronous = NORMAL")
    try:
        yield db
    finally:
        db.execute(f"PRAGMA synchronous = {int(before)}")


class ThreadDatabases:
    """One connection to the database file per thread (the APScheduler tick runs in its
    own thread), opened and migrated on first use."""

    def __init__(self, path: str | Path) -> None:
        self.path = path
        self._local = threading.local()

    def get(self) -> Database:
        """This thread's connection. Raises as :func:`open_db`."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = open_db(self.path)
        return db

    def close(self) -> None:
        """Close this thread's connection, if open."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
