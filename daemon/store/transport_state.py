"""Small values a transport keeps between runs (iMIP's SEQUENCE per UID, a sync state, a
delta link), stored in the daemon's SQLite file, one scope per transport.

Each write is its own transaction (or joins the caller's), so a value a transport stored
before a crash is there after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlite_utils import Database

from daemon import clock
from daemon.store import queries
from daemon.store.db import atomic


class TransportState:
    """A key → JSON value store for one transport.

    Args:
        db_of: returns this thread's database connection (the service's per-thread handle).
        scope: the transport's name (``imip``, ``ews``…); keys are unique within it.
    """

    def __init__(self, db_of: Callable[[], Database], scope: str) -> None:
        self._db_of = db_of
        self.scope = scope

    def get(self, key: str) -> Any:
        """The value stored under ``key``, or None."""
        return queries.state_get(self._db_of(), self.scope, key)

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` (JSON-ready) under ``key``, committed before returning."""
        db = self._db_of()
        with atomic(db):
            queries.state_put(db, self.scope, key, value, clock.now())
