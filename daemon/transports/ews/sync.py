"""One ``SyncFolderItems`` pass over a folder, from the sync state stored in SQLite.

:func:`sync_folder` hands each change to ``on_change`` as exchangelib reports it (paged, up
to ``page_size`` a request), calls ``before_store`` (also when the pass fails half-way:
what the changes taught is kept), and only then stores the new sync state. A pass that
fails half-way (throttling, 503, a dropped connection) therefore stores nothing ahead of
what was kept: the next pass starts again from the last stored state, and the changes
already handled come again (the callers keep each once). An unusable stored state
(``ErrorInvalidSyncStateData``) is forgotten and the folder synced afresh.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from exchangelib.errors import ErrorInvalidSyncStateData  # type: ignore[import-untyped]

from daemon.transports.ews.state import SyncBook

log = logging.getLogger(__name__)


def sync_folder(
    folder: Any,
    book: SyncBook,
    name: str,
    *,
    only_fields: list[str],
    page_size: int,
    on_change: Callable[[str, Any], None],
    before_store: Callable[[], None] = lambda: None,
) -> None:
    """Sync exchangelib ``folder`` (its state stored under ``name``: ``inbox``, ``calendar``).

    ``on_change(kind, item)`` gets ``create``/``update`` with the item (``only_fields``
    read), ``delete`` with its id, ``read_flag_change`` with ``(id, is_read)``.

    Raises:
        exchangelib errors, as the request raised them (the caller translates them).
    """
    for fresh in (False, True):
        state = None if fresh else book.sync_state(name)
        folder.item_sync_state = state  # exchangelib falls back to it for None
        try:
            try:
                for kind, item in folder.sync_items(
                    sync_state=state, only_fields=only_fields, max_changes_returned=page_size
                ):
                    on_change(kind, item)
            finally:
                before_store()
        except ErrorInvalidSyncStateData:
            if fresh:
                raise
            log.warning("ews: the %s sync state is no longer valid; syncing afresh", name)
            continue
        book.set_sync_state(name, folder.item_sync_state)
        return
