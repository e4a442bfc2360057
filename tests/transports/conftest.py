"""Fixtures: a private Dovecot (session), an aiosmtpd server delivering into it, fresh users.

Dovecot must be installed (``apt-get install -y dovecot-imapd``); a missing server is an error,
never a skip.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.transports.servers import Dovecot, SmtpServer

_users = itertools.count(1)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """Dovecot on a free loopback port; stopped (and its folder removed) after the session."""
    server = Dovecot().start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def _smtp_session(dovecot: Dovecot) -> Iterator[SmtpServer]:
    server = SmtpServer(dovecot).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server(_smtp_session: SmtpServer) -> SmtpServer:
    """The aiosmtpd server, with no recorded mail and no armed failures.

    ``smtp_server.fail_next("DATA", "451 4.3.0 try again")`` makes the next DATA fail;
    ``smtp_server.received`` lists what it accepted; each mail is APPENDed to the INBOX of
    every recipient (Dovecot user = the address).
    """
    _smtp_session.reset()
    return _smtp_session


@pytest.fixture
def mail_user(request: pytest.FixtureRequest) -> str:
    """A Dovecot user (an address) no other test uses."""
    name = "".join(c for c in request.node.name.lower() if c.isalnum())[:30]
    return f"{name}-{next(_users)}@example.test"
