"""IMAP and SMTP with ``auth = "xoauth2"``: SASL XOAUTH2 against the real Dovecot (a
checkpassword passdb that validates the token) and aiosmtpd (an XOAUTH2 authenticator),
with tokens from ``token_command`` and from real msal against the fake Entra ID endpoint."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from daemon.errors import PermanentError, UserError
from daemon.transports import imap, smtp
from daemon.transports.base import OutgoingMail
from daemon.transports.oauth.xoauth2 import initial_response, parse_initial_response
from tests.transports.fake_graph.fixture import graph_server
from tests.transports.fake_graph.server import GraphServer
from tests.transports.graph_setup import SECRET_ENV
from tests.transports.servers import HOST, Dovecot, SmtpServer

__all__ = ["graph_server"]

USER = "meetings@example.test"


@pytest.fixture(scope="module")
def oauth_dovecot() -> Iterator[Dovecot]:
    server = Dovecot(xoauth2=True).start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def oauth_smtp(oauth_dovecot: Dovecot) -> Iterator[SmtpServer]:
    server = SmtpServer(oauth_dovecot, xoauth2=True).start()
    try:
        yield server
    finally:
        server.stop()


def token_script(tmp_path: Path, *tokens: str) -> str:
    """A token_command printing ``tokens`` one per run (the last one from then on)."""
    script = tmp_path / "token.py"
    state = tmp_path / "runs"
    script.write_text(
        "import pathlib, sys\n"
        f"runs = pathlib.Path({str(state)!r})\n"
        "n = int(runs.read_text()) if runs.exists() else 0\n"
        "runs.write_text(str(n + 1))\n"
        f"tokens = {list(tokens)!r}\n"
        "print(tokens[min(n, len(tokens) - 1)])\n"
    )
    return f"{sys.executable} {script}"


def runs(tmp_path: Path) -> int:
    return int((tmp_path / "runs").read_text())


def imap_settings(dovecot: Dovecot, **extra: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "host": HOST,
        "port": dovecot.port,
        "security": "none",
        "username": USER,
        "auth": "xoauth2",
        "retries": 2,
        "backoff_seconds": 0.05,
        "timeout": 10,
    }
    settings.update(extra)
    return settings


def smtp_settings(server: SmtpServer, **extra: Any) -> dict[str, Any]:
    return {**server.settings(username=USER, auth="xoauth2"), **extra}


def note(n: int) -> OutgoingMail:
    raw = (
        f"From: {USER}\r\nTo: li.lei@example.test\r\nSubject: n{n}\r\n"
        f"Message-ID: <x{n}@meetingd.test>\r\n\r\nhello\r\n"
    ).encode()
    return OutgoingMail(f"<x{n}@meetingd.test>", ("li.lei@example.test",), raw)


def test_the_sasl_string() -> None:
    text = initial_response("a@b.test", "tok")
    assert text == "user=a@b.test\x01auth=Bearer tok\x01\x01"
    assert parse_initial_response(text.encode()) == ("a@b.test", "tok")
    assert parse_initial_response(b"user=a\x01auth=Basic x\x01\x01") is None


def test_imap_xoauth2_with_token_command(oauth_dovecot: Dovecot, tmp_path: Path) -> None:
    oauth_dovecot.allow_token("good-token-1", USER)
    oauth_dovecot.append(USER, b"Subject: hi\r\nMessage-ID: <h1@t>\r\n\r\nhi\r\n")
    source = imap.create(
        imap_settings(oauth_dovecot, token_command=token_script(tmp_path, "good-token-1")),
        tmp_path,
    )
    try:
        fetched = source.fetch()
        assert [m.raw for m in fetched][-1].startswith(b"Subject: hi")
        for message in fetched:
            source.ack(message.source_key)
    finally:
        source.close()
    assert oauth_dovecot.messages(USER) == []


def test_imap_refused_token_is_replaced_once(oauth_dovecot: Dovecot, tmp_path: Path) -> None:
    oauth_dovecot.allow_token("good-token-2", USER)
    command = token_script(tmp_path, "expired-token", "good-token-2")
    source = imap.create(imap_settings(oauth_dovecot, token_command=command), tmp_path)
    try:
        source.fetch()
    finally:
        source.close()
    assert runs(tmp_path) == 2


def test_imap_token_refused_twice_is_permanent(oauth_dovecot: Dovecot, tmp_path: Path) -> None:
    command = token_script(tmp_path, "bad-1", "bad-2", "bad-3")
    source = imap.create(imap_settings(oauth_dovecot, token_command=command), tmp_path)
    try:
        with pytest.raises(PermanentError, match="XOAUTH2|token"):
            source.fetch()
    finally:
        source.close()
    assert runs(tmp_path) == 2  # one replacement, no loop


def test_imap_and_smtp_xoauth2_with_msal(
    graph_server: GraphServer, oauth_dovecot: Dovecot, oauth_smtp: SmtpServer, tmp_path: Path
) -> None:
    """Client credentials through real msal (the fake endpoint issues Graph-audience JWTs,
    so the scope is Graph's here; Exchange Online wants https://outlook.office365.com/.default)."""
    os.environ[SECRET_ENV] = graph_server.client_secret
    oauth = {
        "tenant": graph_server.tenant_id,
        "client_id": graph_server.client_id,
        "client_secret_env": SECRET_ENV,
        "authority": graph_server.origin,
        "ca_file": str(graph_server.ca_path),
        "scopes": [graph_server.graph_scope],
    }
    graph_server.tokens.on_issue.append(lambda grant: oauth_dovecot.allow_token(grant.token, USER))
    oauth_smtp.allow_app(graph_server.client_id)
    source = imap.create(imap_settings(oauth_dovecot, **oauth), tmp_path)
    sink = smtp.create(smtp_settings(oauth_smtp, **oauth), tmp_path)
    try:
        source.fetch()
        sink.send(note(1))
    finally:
        source.close()
        sink.close()
    assert [r.raw for r in oauth_smtp.received] == [note(1).raw]
    assert oauth_smtp.logins[-1][0] == USER
    assert len(graph_server.tokens.issued()) == 2  # one per transport, none refused


def test_smtp_xoauth2_refused_token_is_replaced_once(
    oauth_smtp: SmtpServer, tmp_path: Path
) -> None:
    oauth_smtp.allow_token("good-smtp")
    command = token_script(tmp_path, "stale", "good-smtp")
    sink = smtp.create(smtp_settings(oauth_smtp, token_command=command), tmp_path)
    try:
        sink.send(note(2))
    finally:
        sink.close()
    assert [t for _, t in oauth_smtp.logins] == ["stale", "good-smtp"]
    assert [r.raw for r in oauth_smtp.received] == [note(2).raw]


def test_smtp_xoauth2_refused_twice_fails_the_mail_permanently(
    oauth_smtp: SmtpServer, tmp_path: Path
) -> None:
    command = token_script(tmp_path, "bad-a", "bad-b", "bad-c")
    sink = smtp.create(smtp_settings(oauth_smtp, token_command=command), tmp_path)
    try:
        with pytest.raises(PermanentError):
            sink.send(note(3))
    finally:
        sink.close()
    assert oauth_smtp.received == []
    assert runs(tmp_path) == 2


def test_xoauth2_without_a_token_source_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        imap.create({"host": HOST, "auth": "xoauth2", "username": USER}, tmp_path)
    assert any("tenant" in p and "token_command" in p for p in caught.value.problems)
