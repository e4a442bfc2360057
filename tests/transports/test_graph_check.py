"""``meetingd check-config`` with Graph: it signs in (real msal against the fake Entra ID),
reads the mailbox, and names in one line the missing permission or the access policy."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from daemon.cli import main
from tests.transports.fake_graph.fixture import graph_server
from tests.transports.fake_graph.server import GraphServer
from tests.transports.graph_setup import graph_toml

__all__ = ["graph_server"]


def check(server: GraphServer, tmp_path: Path, **extra: object) -> tuple[int, list[str]]:
    cfg = tmp_path / "meetingd.toml"
    cfg.write_text('[daemon]\nvar_dir = "var"\n' + graph_toml(server, **extra), encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", "-c", str(cfg)])
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 2), (result.output, result.exc_info)
    return result.exit_code, [line for line in result.output.splitlines() if line]


def test_all_fine(graph_server: GraphServer, tmp_path: Path) -> None:
    code, lines = check(graph_server, tmp_path)
    assert code == 0 and lines[-1].endswith(": OK")
    assert graph_server.state.sent == [] and graph_server.state.mailbox().events == {}


@pytest.mark.parametrize("missing", ["Mail.Send", "Calendars.ReadWrite", "Mail.ReadWrite"])
def test_a_missing_permission_is_one_line(
    graph_server: GraphServer, tmp_path: Path, missing: str
) -> None:
    graph_server.tokens.config.roles -= {missing}

    code, lines = check(graph_server, tmp_path)

    assert code == 2 and len(lines) == 1
    assert f"permission {missing} is missing" in lines[0] and "admin consent" in lines[0]


def test_an_access_policy_block_is_one_line(graph_server: GraphServer, tmp_path: Path) -> None:
    graph_server.state.allowed_mailboxes = {"someone.else@contoso.test"}

    code, lines = check(graph_server, tmp_path)

    assert code == 2 and len(lines) == 1
    assert "application access policy blocks mailbox meetingd@contoso.test" in lines[0]
    assert "Test-ApplicationAccessPolicy" in lines[0]


def test_an_unknown_mailbox_is_named(graph_server: GraphServer, tmp_path: Path) -> None:
    code, lines = check(graph_server, tmp_path, mailbox="nobody@contoso.test")
    assert code == 2 and lines == [
        line for line in lines if "mailbox nobody@contoso.test does not exist" in line
    ]


def test_an_unset_secret_variable_is_named(
    graph_server: GraphServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "meetingd.toml"
    cfg.write_text(
        '[daemon]\nvar_dir = "var"\n'
        + graph_toml(graph_server).replace(
            "MEETINGD_TEST_GRAPH_SECRET", "MEETINGD_TEST_UNSET_SECRET"
        ),
        encoding="utf-8",
    )
    monkeypatch.delenv("MEETINGD_TEST_UNSET_SECRET", raising=False)
    result = CliRunner().invoke(main, ["check-config", "-c", str(cfg)])
    assert result.exit_code == 2
    assert "client_secret_env: environment variable MEETINGD_TEST_UNSET_SECRET is not set" in (
        result.output
    )
