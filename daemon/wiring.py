"""The configuration → the daemon's parts: working days, sender checks, transports, sender.

Each function reads one part of a loaded :class:`~daemon.config.Config`; the service calls
them once at start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlite_utils import Database

from daemon.config import Config
from daemon.domain.context import RuleContext, Timings
from daemon.domain.directory import Directory
from daemon.domain.identity import SenderPolicy
from daemon.outbound.mailer import Sender
from daemon.store.transport_state import TransportState
from daemon.transports.base import REGISTRY, MailSink, load_factory
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


def timings(config: Config) -> Timings:
    """The process timings of ``[process]`` and the confirmation rule of ``[minutes]``."""
    return Timings(**config.values["process"], minutes_confirm=config.get("minutes", "confirm"))


def rule_context(
    config: Config, days: WorkCalendar, timings_: Timings, directory: Directory
) -> RuleContext:
    """The rules' context at start (its ``now`` is replaced at each event): working days,
    timings, people, the daemon's address and language, ``[security]`` and ``[mailbox]
    admin``."""
    admin = (config.get("mailbox", "admin") or "").strip().lower() or None
    return RuleContext(
        dt.datetime.now(dt.UTC),
        days,
        timings_,
        directory,
        config.address,
        config.get("daemon", "lang"),
        sender_policy(config),
        admin,
    )


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
    calendar works over ``sink``; a calendar, and a mail transport whose entry
    ``keeps_state``, keeps its state through ``db_of``).

    Raises:
        UserError: the transport cannot be set up (e.g. an unset password variable).
    """
    name = config.get("transport", role)
    settings = config.transports.get(name, {})
    factory = load_factory(name, role)
    if role == "calendar":
        assert sink is not None and db_of is not None
        return factory(settings, config.var_dir, sink, TransportState(db_of, name))
    if REGISTRY[name].keeps_state:
        assert db_of is not None
        return factory(settings, config.var_dir, TransportState(db_of, name))
    return factory(settings, config.var_dir)
