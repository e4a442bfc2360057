"""Sign-in for Graph with real msal against the fake Entra ID endpoint: a certificate, the
device-code flow with its 0600 token cache, token_command, and refreshing before expiry."""

from __future__ import annotations

import stat
import sys
import time
from pathlib import Path

import httpx
import msal
import pytest
import trustme
from sqlite_utils import Database

from daemon.errors import PermanentError, TransientError
from daemon.transports import graph
from daemon.transports.graph.preflight import check_mailbox
from tests.transports.fake_graph.fixture import graph_server
from tests.transports.fake_graph.server import GraphServer
from tests.transports.graph_setup import graph_settings, state, var

__all__ = ["graph_server"]

MIME = b"From: a@example.test\r\nTo: meetingd@contoso.test\r\nSubject: x\r\n\r\nx\r\n"


def fetch_once(server: GraphServer, db: Database, tmp: Path, **settings: object) -> int:
    part = graph.create(graph_settings(server, **settings), var(tmp), state=state(db))
    try:
        return len(part.fetch())
    finally:
        part.close()


def test_certificate_credential(graph_server: GraphServer, db: Database, tmp_path: Path) -> None:
    cert = trustme.CA().issue_cert("meetingd-app", key_type=trustme.KeyType.RSA)
    pem = tmp_path / "app.pem"
    pem.write_bytes(cert.private_key_pem.bytes() + cert.cert_chain_pems[0].bytes())
    graph_server.state.deliver_mime(MIME)

    count = fetch_once(
        graph_server, db, tmp_path, certificate_file=str(pem), client_secret_env=None
    )

    assert count == 1
    [(_, form)] = graph_server.tokens.requests
    assert "client_assertion" in form and "client_secret" not in form


def test_certificate_file_without_a_key_is_a_config_error(
    graph_server: GraphServer, db: Database, tmp_path: Path
) -> None:
    pem = tmp_path / "cert-only.pem"
    pem.write_bytes(trustme.CA().cert_pem.bytes())
    with pytest.raises(Exception, match="private key"):
        fetch_once(graph_server, db, tmp_path, certificate_file=str(pem))


def test_device_code_sign_in_then_cached(
    graph_server: GraphServer, db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    graph_server.tokens.config.device_interval = 0
    settings = graph_settings(graph_server, flow="device_code", client_secret_env=None)
    part = graph.create(settings, var(tmp_path), state=state(db))
    try:
        with pytest.raises(PermanentError, match="meetingd check-config"):
            part.fetch()
    finally:
        part.close()

    assert check_mailbox(settings, var(tmp_path), ["source", "sink", "calendar"]) == []
    assert "devicelogin" in capsys.readouterr().out  # the sign-in instructions
    [cache] = (var(tmp_path) / "oauth").iterdir()
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700

    graph_server.state.deliver_mime(MIME)
    assert fetch_once(graph_server, db, tmp_path, flow="device_code", client_secret_env=None) == 1
    grants = [g for g, _ in graph_server.tokens.requests]
    assert grants.count("urn:ietf:params:oauth:grant-type:device_code") >= 1
    assert "client_credentials" not in grants


def test_device_code_token_is_refreshed_from_the_cache(
    graph_server: GraphServer, db: Database, tmp_path: Path
) -> None:
    cfg = graph_server.tokens.config
    cfg.device_interval, cfg.expires_in = 0, 120  # under msal's five-minute margin
    settings = graph_settings(graph_server, flow="device_code", client_secret_env=None)
    assert check_mailbox(settings, var(tmp_path), ["source"]) == []

    fetch_once(graph_server, db, tmp_path, flow="device_code", client_secret_env=None)

    assert graph_server.tokens.requests[-1][0] == "refresh_token"
    assert not any(r.status == 401 for r in graph_server.requests)


def test_client_token_is_renewed_before_it_expires(
    graph_server: GraphServer, db: Database, tmp_path: Path
) -> None:
    graph_server.tokens.config.expires_in = 200  # msal renews tokens with < 5 min left
    part = graph.create(graph_settings(graph_server), var(tmp_path), state=state(db))
    try:
        part.fetch()
        part.fetch()
    finally:
        part.close()
    assert len(graph_server.tokens.issued()) >= 2
    assert not any(r.status == 401 for r in graph_server.requests)


def test_token_command(graph_server: GraphServer, db: Database, tmp_path: Path) -> None:
    def issue() -> str:
        with httpx.Client(verify=graph_server.client_ssl_context()) as client:
            app = msal.ConfidentialClientApplication(
                graph_server.client_id,
                client_credential=graph_server.client_secret,
                authority=graph_server.authority,
                http_client=client,
                instance_discovery=False,
            )
            return str(app.acquire_token_for_client([graph_server.graph_scope])["access_token"])

    holder = tmp_path / "token.txt"
    holder.write_text(issue())
    command = f'{sys.executable} -c "print(open({str(holder)!r}).read())"'
    graph_server.state.deliver_mime(MIME)
    part = graph.create(
        graph_settings(graph_server, token_command=command, client_secret_env=None),
        var(tmp_path),
        state=state(db),
    )
    try:
        assert len(part.fetch()) == 1
        graph_server.tokens.expire_all()
        holder.write_text(issue())
        assert len(part.fetch()) == 1  # 401, the command ran again, the new token worked
    finally:
        part.close()
    assert [r.status for r in graph_server.requests if r.path.startswith("/v1.0")].count(401) == 1


@pytest.mark.parametrize("fault", ["429", "503"])
def test_a_throttled_token_endpoint_is_transient_and_loses_nothing(
    graph_server: GraphServer, db: Database, tmp_path: Path, fault: str
) -> None:
    graph_server.state.deliver_mime(MIME)
    graph_server.inject("*/token", fault, retry_after=1)  # type: ignore[arg-type]
    part = graph.create(graph_settings(graph_server), var(tmp_path), state=state(db))
    try:
        with pytest.raises(TransientError):
            part.fetch()
        time.sleep(1.1)  # msal replays the refusal until Retry-After has passed
        [message] = part.fetch()
    finally:
        part.close()
    assert message.raw == MIME
