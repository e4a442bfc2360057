"""The ``graph_server`` pytest fixture: a fresh fake Graph + token endpoint per test.

Use it from a test module with ``from tests.transports.fake_graph.fixture import
graph_server  # noqa: F401`` (or from a conftest). What the fixture yields::

    graph_server.base_url      # "https://127.0.0.1:PORT/v1.0"
    graph_server.authority     # "https://127.0.0.1:PORT/<tenant id>" for msal
    graph_server.client_id, graph_server.client_secret, graph_server.tenant_id
    graph_server.ca_path       # PEM of the test CA; client_ssl_context() -> ssl.SSLContext
    graph_server.state         # GraphState: mailboxes, deliver_mime, respond, notifications
    graph_server.tokens        # TokenService: config (roles, consent, expires_in), advance()
    graph_server.inject(pattern, fault, times=1, retry_after=None, delay=0.0)
    graph_server.requests      # RequestRecord per answered request
    graph_server.stop()
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.transports.fake_graph.server import GraphServer


@pytest.fixture
def graph_server() -> Iterator[GraphServer]:
    """A started :class:`GraphServer` with one mailbox (``meetingd@contoso.test``)."""
    server = GraphServer().start()
    try:
        yield server
    finally:
        server.stop()
