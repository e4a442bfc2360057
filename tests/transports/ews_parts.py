"""The EWS transport's parts pointed at a fake EWS server (``tests/transports/fake_ews``):
the ``[transport.ews]`` table a test would write, and the source/sink and calendar built
from it through the registry, with their state in a test database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from daemon.store.transport_state import TransportState
from daemon.transports import base
from daemon.transports.ews import account
from tests.transports.fake_ews import FakeEwsServer

PASSWORD_ENV = "MEETINGD_TEST_EWS_PASSWORD"


def ews_settings(server: FakeEwsServer, **override: Any) -> dict[str, Any]:
    """``[transport.ews]`` for ``server``: Basic auth, pinned 2016, short waits (tests)."""
    return {
        "address": server.mailbox.owner.email,
        "endpoint": server.url,
        "auth": "basic",
        "username": server.username,
        "password_env": PASSWORD_ENV,
        "version": "2016",
        "max_wait": 2,
        "timeout": 5,
        "retry_wait": 0.05,
        "poll_seconds": 0.05,
        **override,
    }


def ews_parts(
    server: FakeEwsServer,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    **override: Any,
) -> tuple[Any, Any]:
    """``(mailbox, calendar)``: the EWS source+sink and calendar from the registry."""
    monkeypatch.setenv(PASSWORD_ENV, server.password)
    monkeypatch.setattr(account, "_CONNECTIONS", {})  # no connection left by another test
    settings = ews_settings(server, **override)
    state = TransportState(lambda: db, "ews")
    mailbox = base.load_factory("ews", "source")(settings, tmp_path, state)
    calendar = base.load_factory("ews", "calendar")(settings, tmp_path, mailbox, state)
    return mailbox, calendar
