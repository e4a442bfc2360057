"""How a ``meetingd`` verb gets its configuration, logging, clock and service.

Configuration is found in this order: ``--config``, ``$MEETINGD_CONFIG``, ``./meetingd.toml``,
else the embedded default (Maildirs under ``./var``). Problems a person must fix are printed
as ``meetingd: <file>: [section] key: problem. Fix: …`` with exit code 2, never a traceback.
``--now``/``$MEETINGD_NOW`` (a testing aid) start the daemon's clock at an instant.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from daemon import clock
from daemon.errors import UserError

if TYPE_CHECKING:  # the service pulls in the whole daemon, the config 20 ms: import lazily
    from daemon import config as config_mod
    from daemon.service import Service
    from daemon.store.overview import Executes

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("daemon.cli")

NOW_ENV = "MEETINGD_NOW"
NOW_FIX = (
    'Fix: write it as "2026-12-15 18:05" (local time in [calendar] timezone) or as ISO 8601 '
    'with an offset, e.g. "2026-12-15T18:05+08:00".'
)


def friendly(func: F) -> F:
    """Turn UserError into a clear message and exit code 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            for problem in exc.problems:
                click.echo(f"meetingd: {problem}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def _config_path(given: str | None) -> Path | None:
    if given:
        return Path(given)
    if os.environ.get("MEETINGD_CONFIG"):
        return Path(os.environ["MEETINGD_CONFIG"])
    local = Path("meetingd.toml")
    return local if local.exists() else None


def load_config(given: str | None, daemon: bool = False, check: bool = False) -> config_mod.Config:
    """Load the configuration, set up logging and apply ``--now`` (see :func:`_apply_now`).

    Args:
        given: ``--config`` value, or None to search (see the module docstring).
        daemon: True for ``run``: log at the configured ``log_level``; otherwise only
            WARNING and above reach stderr, so listings stay readable.
        check: ``check-config``: also check that ``var_dir`` can be created and written and
            that every ``password_env`` names a set environment variable.

    Raises:
        UserError: every configuration problem at once.
    """
    from daemon import config as config_mod

    cfg = config_mod.load(_config_path(given), check_dirs=check, check_env=check)
    setup_logging(str(cfg.get("daemon", "log_level")) if daemon else "WARNING")
    apply_now(cfg.tz)
    return cfg


def setup_logging(level: str) -> None:
    """Send log records of ``level`` (a name such as ``"INFO"``) and above to stderr."""
    logging.basicConfig(
        level=getattr(logging, level), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def now_setting() -> tuple[str, str] | None:
    """``(value, where it came from: "--now" or "MEETINGD_NOW")`` of this invocation, or None."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    setting = root.meta.get("meetingd.now") if root else None
    return setting if isinstance(setting, tuple) else None


def parse_now(value: str, source: str, tz: dt.tzinfo) -> dt.datetime:
    """The instant ``value`` of ``--now``/``MEETINGD_NOW`` (``source``), aware UTC.

    Raises:
        UserError: ``value`` is not a date and time (names the option or variable and the fix).
    """
    try:
        return clock.parse_instant(value, tz)
    except ValueError:
        raise UserError(f"{source} {value!r}: not a date and time. {NOW_FIX}") from None


def apply_now(tz: dt.tzinfo) -> None:
    """Install an :class:`~daemon.clock.OffsetClock` when ``--now``/``MEETINGD_NOW`` is set.

    Naive values are local time in ``tz``. Says so loudly: a WARNING in the log and one line
    on stderr. Done once per invocation; the previous clock comes back when it ends.

    Raises:
        UserError: the value is not a date and time.
    """
    setting = now_setting()
    ctx = click.get_current_context(silent=True)
    if setting is None or ctx is None:
        return
    root = ctx.find_root()
    if root.meta.get("meetingd.now.applied"):
        return
    value, source = setting
    start = parse_now(value, source, tz)
    previous = clock.get_clock()
    clock.set_clock(clock.OffsetClock(start))
    root.meta["meetingd.now.applied"] = True
    root.call_on_close(lambda: clock.set_clock(previous))
    text = (
        f"clock set to {clock.local_text(start, tz)} by {source} "
        "(a testing aid; never use it in production)"
    )
    log.warning("%s", text)
    click.echo(f"meetingd: {text}", err=True)


def service_for(given: str | None, daemon: bool = False) -> Service:
    """The configured :class:`~daemon.service.Service`.

    Raises:
        UserError: a configuration problem; transport problems found only at start (e.g. an
            unset password variable) are prefixed with the file name.
    """
    from daemon.service import Service

    cfg = load_config(given, daemon)
    try:
        return Service(cfg)
    except UserError as exc:
        where = str(cfg.path or "<embedded default>")
        raise UserError(
            [p if p.startswith(where) else f"{where}: {p}" for p in exc.problems]
        ) from None


def database_for(given: str | None) -> tuple[config_mod.Config, Executes]:
    """The configuration and its database, without the service and its transports: for
    listings that only read. An up-to-date file is opened with the standard library alone
    (:func:`daemon.store.schema.open_current`); a new or older one is created or migrated
    by :func:`daemon.store.db.open_db`.

    Raises:
        UserError: a configuration problem, or a var folder that cannot be used.
    """
    from daemon import config as config_mod
    from daemon.store.schema import open_current

    cfg = load_config(given)
    current = open_current(cfg.db_path)
    if current is not None:
        return cfg, current
    from daemon.store.db import open_db

    config_mod.ensure_var_dir(cfg)
    return cfg, open_db(cfg.db_path)


def parse_ref(ref: str) -> int:
    text = ref.upper().removeprefix("[").removesuffix("]").removeprefix("MTG-")
    if not text.isdigit():
        raise UserError(f"{ref!r} is not a meeting reference. Fix: write it as MTG-12 or 12.")
    return int(text)


def meeting_number(service: Service, ref: str) -> int:
    """The number of the existing meeting ``ref`` (``MTG-12``, ``[MTG-12]`` or ``12``).

    Raises:
        UserError: ``ref`` is malformed, or there is no such meeting.
    """
    from daemon.store import overview

    number = parse_ref(ref)
    if not overview.meeting_exists(service.db, number):
        raise UserError(f"no meeting MTG-{number}. Fix: see `meetingd status`.")
    return number
