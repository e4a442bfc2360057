"""The configuration → the daemon's parts: working days, sender checks, transports, sender.

Each function reads one part of a loaded :class:`~daemon.config.Config`; the service calls
them once at start.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from sqlite_utils import Database

from daemon.config import Config
from daemon.domain.identity import SenderPolicy
from daemon.outbound.mailer import Sender
from daemon.store.transport_state import TransportState
from daemon.transports.base import REGISTRY, ROLES, MailSink, load_factory
from daemon.workdays import WorkCalendar


def work_calendar(config: Config) -> WorkCalendar:
    """Working days of ``[calendar]``: country, zone, company days off and make-up days."""
    cal = config.values["calendar"]
    return WorkCalendar(
        cal["country"],
        cal["timezone"],
        cal["extra_holidays"],
        cal["extra_workdays"],
        cal["end_of_day"],
    )


def sender_policy(config: Config) -> SenderPolicy:
    """Whose word on a sender's address counts (``[security]``)."""
    security = config.values["security"]
    return SenderPolicy(tuple(security["authserv_ids"]), bool(security["exchange_internal"]))


def mail_sender(config: Config) -> Sender:
    """The daemon's own mailbox, display name, Message-ID domain and default language."""
    return Sender(
        config.address,
        config.get("mailbox", "name"),
        config.msgid_domain,
        config.get("daemon", "lang"),
    )


def transport(
    config: Config,
    role: str,
    sink: MailSink | None = None,
    db_of: Callable[[], Database] | None = None,
) -> Any:
    """The configured transport for ``role`` (``source``, ``sink`` or ``calendar``; a
    calendar works over ``sink`` and keeps its state through ``db_of``; a mail factory
    that takes ``state`` (Graph's delta link) gets the same transport state).

    Raises:
        UserError: the transport cannot be set up (e.g. an unset password variable).
    """
    name = config.get("transport", role)
    settings = config.transports.get(name, {})
    factory = load_factory(name, role)
    if role == "calendar":
        assert sink is not None and db_of is not None
        return factory(settings, config.var_dir, sink, TransportState(db_of, name))
    if db_of is not None and "state" in inspect.signature(factory).parameters:
        return factory(settings, config.var_dir, state=TransportState(db_of, name))
    return factory(settings, config.var_dir)


def reach_problems(config: Config) -> list[str]:
    """``meetingd check-config``: every problem the configured transports find when they
    reach their servers (a transport module with ``check(settings, var_dir, roles)``, such
    as Graph: sign in, read the mailbox, name the missing permission), one line each."""
    roles: dict[str, list[str]] = {}
    for role in ROLES:
        roles.setdefault(str(config.get("transport", role)), []).append(role)
    problems: list[str] = []
    for name, taken in roles.items():
        check = getattr(REGISTRY[name].load(), "check", None)
        if check is not None:
            problems += check(config.transports.get(name, {}), config.var_dir, taken)
    return problems
