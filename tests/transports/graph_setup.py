"""Settings and state for driving the Graph transport against the fake Graph
(:mod:`tests.transports.fake_graph`): real msal, real httpx, the test CA, real SQLite."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from daemon.store.transport_state import TransportState
from tests.transports.fake_graph.server import GraphServer
from tests.transports.fake_graph.state import GraphState

SECRET_ENV = "MEETINGD_TEST_GRAPH_SECRET"
MAILBOX = "meetingd@contoso.test"


def graph_settings(server: GraphServer, **extra: Any) -> dict[str, Any]:
    """``[transport.graph]`` for the fake: its tenant, app, authority, Graph URL and CA;
    the secret through ``client_secret_env``; quick back-off."""
    os.environ[SECRET_ENV] = server.client_secret
    settings: dict[str, Any] = {
        "mailbox": MAILBOX,
        "tenant": server.tenant_id,
        "client_id": server.client_id,
        "client_secret_env": SECRET_ENV,
        "authority": server.origin,
        "graph_url": server.base_url,
        "ca_file": str(server.ca_path),
        "retries": 6,
        "backoff_seconds": 0.05,
        "backoff_max": 0.2,
        "timeout": 10,
        "poll_seconds": 0.1,
    }
    settings.update(extra)
    return settings


def graph_toml(server: GraphServer, **extra: Any) -> str:
    """The ``[transport]`` tables of a config using Graph for mail and calendar."""
    lines = [
        "[transport]",
        'source = "graph"',
        'sink = "graph"',
        'calendar = "graph"',
        "",
        "[transport.graph]",
    ]
    for key, value in graph_settings(server, **extra).items():
        lines.append(
            f"{key} = {value!r}".replace("'", '"') if isinstance(value, str) else f"{key} = {value}"
        )
    return "\n".join(lines) + "\n"


def state(db: Database) -> TransportState:
    """The daemon's transport state of scope ``graph`` in ``db``."""
    return TransportState(lambda: db, "graph")


def var(tmp: Path) -> Path:
    """A var directory under ``tmp``."""
    folder = tmp / "var"
    folder.mkdir(exist_ok=True)
    return folder


@contextmanager
def fake_graph(mailbox: str) -> Iterator[GraphServer]:
    """A started fake Graph whose (first) mailbox is ``mailbox``; stopped afterwards."""
    server = GraphServer(GraphState(mailboxes=(mailbox,))).start()
    try:
        yield server
    finally:
        server.stop()
