"""``[transport.ews]`` as an admin writes it: the settings checked, and ``check-config``
trying the endpoint and saying in one line what failed (DNS, TLS, 401, wrong version)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from daemon.cli import main
from daemon.errors import UserError
from daemon.transports.ews import probe
from daemon.transports.ews.settings import parse
from daemon.transports.settings import toml_value
from tests.transports.ews_parts import PASSWORD_ENV, ews_settings
from tests.transports.fake_ews import FakeEwsServer
from tests.transports.fake_ews.fixture import ews_server

__all__ = ["ews_server"]


def toml(settings: dict[str, Any]) -> str:
    """A config using EWS for every role, with ``settings`` as ``[transport.ews]``."""
    table = "\n".join(f"{key} = {toml_value(value)}" for key, value in settings.items())
    return (
        '[daemon]\nvar_dir = "var"\n\n[transport]\nsource = "ews"\nsink = "ews"\n'
        f'calendar = "ews"\n\n[transport.ews]\n{table}\n'
    )


def check_config(tmp_path: Path, settings: dict[str, Any]) -> tuple[int, str]:
    path = tmp_path / "meetingd.toml"
    path.write_text(toml(settings), encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", "-c", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.fixture(autouse=True)
def password(ews_server: FakeEwsServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, ews_server.password)


def test_check_config_ok(ews_server: FakeEwsServer, tmp_path: Path) -> None:
    code, out = check_config(tmp_path, ews_settings(ews_server))
    assert code == 0, out
    assert out.strip().endswith(": OK")
    assert "GetFolder" in ews_server.operations()


def test_401_in_one_line(
    ews_server: FakeEwsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    code, out = check_config(tmp_path, ews_settings(ews_server))
    assert code == 2
    [line] = out.strip().splitlines()
    assert "[transport.ews] username: 401:" in line and "Traceback" not in out


def test_wrong_version(ews_server: FakeEwsServer, tmp_path: Path) -> None:
    ews_server.inject("GetFolder", "ErrorInvalidServerVersion")
    code, out = check_config(tmp_path, ews_settings(ews_server, version="2013"))
    assert code == 2
    assert "[transport.ews] version: wrong version" in out and "2013" in out


def test_tls_spoken_to_a_plain_server(ews_server: FakeEwsServer, tmp_path: Path) -> None:
    https = ews_server.url.replace("http://", "https://")
    problem = probe(ews_settings(ews_server, endpoint=https))
    assert problem is not None and problem.startswith("[transport.ews] endpoint: TLS:")


def test_dns(ews_server: FakeEwsServer) -> None:
    endpoint = "https://mail.does-not-exist.invalid/EWS/Exchange.asmx"
    problem = probe(ews_settings(ews_server, endpoint=endpoint))
    assert problem is not None and problem.startswith("[transport.ews] endpoint: DNS:")
    assert "mail.does-not-exist.invalid" in problem


def test_no_server_listening(ews_server: FakeEwsServer) -> None:
    url = ews_server.url
    ews_server.stop()
    problem = probe(ews_settings(ews_server, endpoint=url))
    assert problem is not None and "cannot reach" in problem


def test_missing_credentials_name_key_and_fix(
    ews_server: FakeEwsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = ews_settings(ews_server)
    del settings["username"]
    with pytest.raises(UserError) as caught:
        parse(settings)
    assert "[transport.ews] username: required" in str(caught.value)
    monkeypatch.delenv(PASSWORD_ENV)
    with pytest.raises(UserError, match="MEETINGD_TEST_EWS_PASSWORD is not set"):
        parse(ews_settings(ews_server))
    oauth = {"address": "a@corp.example", "auth": "oauth2", "client_id": "c"}
    with pytest.raises(UserError) as caught:
        parse(oauth)
    assert "tenant_id: required" in str(caught.value)
    assert "client_secret_env: required" in str(caught.value)


def test_unknown_and_plain_password_keys_are_refused(
    ews_server: FakeEwsServer, tmp_path: Path
) -> None:
    code, out = check_config(tmp_path, {**ews_settings(ews_server), "password": "x", "hots": "y"})
    assert code == 2
    assert "[transport.ews] password: a plain password is not allowed" in out
    assert "[transport.ews] hots: unknown key" in out


def test_run_once_exits_3_when_exchange_refuses_the_login(
    ews_server: FakeEwsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    path = tmp_path / "meetingd.toml"
    path.write_text(toml(ews_settings(ews_server)), encoding="utf-8")
    started = time.monotonic()
    result = CliRunner().invoke(main, ["run", "--once", "-c", str(path)])
    assert result.exit_code == 3, result.output
    assert "the mail source refused us" in result.output
    assert time.monotonic() - started < 10  # a 401 is not waited out as throttling
    assert sum(r.status == 401 for r in ews_server.requests) <= 2
