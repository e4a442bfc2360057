"""Exchange on-premises (2013, 2016, 2019, Subscription Edition) over EWS with exchangelib:
mail source, mail sink and calendar of one mailbox.

Modules: :mod:`.settings` (the ``[transport.ews]`` keys), :mod:`.account` (the exchangelib
account, shared by the three roles), :mod:`.errors` (exchangelib errors → transient or
permanent), :mod:`.props` (the extended properties that find our items again),
:mod:`.state` (sync states, pending items, recorded answers), :mod:`.sync` (one
SyncFolderItems pass from the stored state), :mod:`.source`,
:mod:`.sink`, :mod:`.calendar`, :mod:`.answers` (meeting responses → answers),
:mod:`.zones` (Exchange's zone names), :mod:`.mailbox` (source and sink as one object)
and :mod:`.check` (``check-config``).

exchangelib is imported only inside this package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from daemon.transports.ews.settings import SETTINGS, parse

__all__ = ["SETTINGS", "create", "create_calendar", "probe"]


def create(settings: dict[str, Any], var_dir: Path, state: Any) -> Any:
    """Registry factory for the mail roles: an object that is both the EWS source and sink
    (``state``: the transport state of scope ``ews``).

    Raises:
        UserError: a credential is missing.
    """
    from daemon.transports.ews.mailbox import EwsMailbox

    return EwsMailbox(parse(settings), state)


def create_calendar(settings: dict[str, Any], var_dir: Path, sink: Any, state: Any) -> Any:
    """Registry factory for the calendar role (``sink`` unused: Exchange sends).

    Raises:
        UserError: a credential is missing.
    """
    from daemon.transports.ews.account import connection_for
    from daemon.transports.ews.calendar import EwsCalendar

    return EwsCalendar(connection_for(parse(settings)), state)


def probe(settings: dict[str, Any]) -> str | None:
    """``check-config``: None if the endpoint answers for the mailbox, else one line saying
    what failed (DNS, TLS, 401, wrong version, ...). See :mod:`.check`."""
    from daemon.transports.ews.check import probe as run

    return run(parse(settings))
