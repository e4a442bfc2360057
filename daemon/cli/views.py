"""Plain-text listings for the operator's CLI verbs (actions, outbox, quarantine; status is
in :mod:`daemon.cli.status_view`).

Times are shown in the company time zone as ``YYYY-MM-DD HH:MM``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from daemon.cli.status_view import local_text
from daemon.store import meetings, queries

if TYPE_CHECKING:  # the service pulls in the whole daemon: import it lazily
    from daemon.service import Service


def _local(service: Service, when: dt.datetime | None) -> str:
    return local_text(service.days.tz, when)


def action_lines(service: Service, number: int | None) -> Iterator[str]:
    """Every action item (of one meeting or all): ref, owner, due, status.

    ``number`` must be an existing meeting (the CLI checks it); ``KeyError`` otherwise.
    Yields one line saying so when there is no action item.
    """
    numbers = [number] if number else [m.number for m in meetings.list_meetings(service.db)]
    empty = True
    for n in numbers:
        for a in meetings.load_file(service.db, n).actions:
            empty = False
            owner = a.owner or f"? ({a.owner_name})"
            yield f"[MTG-{n}/A-{a.k}] {a.status:<11} due {a.due or '-'}  {owner}: {a.what}"
    if empty:
        yield f"no action items for MTG-{number}" if number else "no action items yet"


def outbox_lines(service: Service, state: str | None) -> Iterator[str]:
    """Outgoing mails, newest last, with the failure reason where one failed.

    Yields one line saying so when there is none (in ``state``, if given).
    """
    rows = queries.outbox_list(service.db, state=state)
    if not rows:
        yield f"no outgoing mail in state {state}" if state else "no outgoing mail yet"
    for row in rows:
        line = (
            f"{row.id:>5} {row.state:<8} {row.kind:<20} {_local(service, row.created_utc)} "
            f"to {', '.join(row.recipients)}"
        )
        yield line + (f"\n      error: {row.error}" if row.error else "")


def quarantine_lines(service: Service) -> Iterator[str]:
    """Quarantined messages with the reason (replay with ``--replay ID``)."""
    rows = queries.inbox_list(service.db, state="quarantined")
    if not rows:
        yield "nothing quarantined"
    for row in rows:
        yield f"{row.id:>5} from {row.sender or '?'} {row.message_id or ''}\n      {row.error}"
