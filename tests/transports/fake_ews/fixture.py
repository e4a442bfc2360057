"""The ``ews_server`` pytest fixture and a helper that points real exchangelib at it.

Use it from a test module (pytest finds fixtures imported into the module)::

    from tests.transports.fake_ews.fixture import ews_server, make_account  # noqa: F401

    def test_something(ews_server):
        account = make_account(ews_server)
        ews_server.mailbox.deliver_mime("inbox", raw)
        ews_server.inject("FindItem", "ErrorServerBusy", back_off_ms=200)

Each test gets a fresh server on a new port, hence a fresh exchangelib ``Protocol``
(exchangelib caches protocols per endpoint and credentials, retry policy included). Teardown
stops the server, drops exchangelib's cached protocol for it, and fails the test if the fake
itself crashed on a request (:attr:`FakeEwsServer.internal_errors`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from exchangelib import (  # type: ignore[import-untyped]
    BASIC,
    DELEGATE,
    Account,
    Build,
    Configuration,
    Credentials,
    Version,
)
from exchangelib.protocol import CachingProtocol  # type: ignore[import-untyped]

from .server import FakeEwsServer

#: The version the transport pins (no autodiscover, no version guessing).
EXCHANGE_2016 = (15, 1, 2507, 6)


def make_account(
    server: FakeEwsServer,
    *,
    username: str | None = None,
    password: str | None = None,
    retry_policy: Any = None,
    timeout: float = 5.0,
    retry_wait: float = 0.05,
    version: bool = True,
    default_timezone: Any = None,
) -> Any:
    """An exchangelib ``Account`` on ``server``'s mailbox (Basic auth, DELEGATE, 2016).

    ``timeout`` and ``retry_wait`` shrink exchangelib's class-wide defaults (120 s and 10 s)
    on this account's protocol only, so retry tests run in milliseconds. ``version=False``
    leaves the version out, so exchangelib probes it (ConvertId).
    """
    from exchangelib import EWSTimeZone

    config = Configuration(
        service_endpoint=server.url,
        credentials=Credentials(username or server.username, password or server.password),
        auth_type=BASIC,
        version=Version(build=Build(*EXCHANGE_2016)) if version else None,
        retry_policy=retry_policy,
    )
    account = Account(
        primary_smtp_address=server.mailbox.owner.email,
        config=config,
        autodiscover=False,
        access_type=DELEGATE,
        default_timezone=default_timezone or EWSTimeZone("UTC"),
    )
    account.protocol.TIMEOUT = timeout
    account.protocol.RETRY_WAIT = retry_wait
    return account


def forget_protocols(url: str) -> None:
    """Close and drop exchangelib's cached ``Protocol`` objects for endpoint ``url``."""
    cache = CachingProtocol._protocol_cache
    with CachingProtocol._protocol_cache_lock:
        for key in [k for k in cache if k[0] == url]:
            protocol, _ = cache.pop(key)
            if not isinstance(protocol, Exception):
                protocol.close()


@contextlib.contextmanager
def running(server: FakeEwsServer) -> Iterator[FakeEwsServer]:
    """Start ``server``; at the end stop it, drop exchangelib's cached protocol for it, and
    fail the test if the fake itself crashed on a request."""
    server.start()
    try:
        yield server
    finally:
        url = server.url
        server.stop()
        forget_protocols(url)
        if server.internal_errors:
            pytest.fail(
                "fake EWS crashed on a request:\n" + "\n".join(server.internal_errors),
                pytrace=False,
            )


@pytest.fixture
def ews_server() -> Iterator[FakeEwsServer]:
    """A started :class:`FakeEwsServer` with an empty mailbox (``organizer@example.test``).

    Yields the server: ``.url``, ``.mailbox``, ``.inject(op, fault, times=1)``, ``.requests``,
    ``.stop()``. Credentials: ``.username`` / ``.password`` (``meetingd`` / ``secret-for-tests``).
    """
    with running(FakeEwsServer()) as server:
        yield server
