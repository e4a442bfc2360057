"""Token sources without a server: ``token_command`` keeps a token until shortly before its
``exp`` and runs again after a refusal; AADSTS refusals name their fix."""

from __future__ import annotations

import base64
import json
import sys
import time
from pathlib import Path

import pytest

from daemon.errors import PermanentError, TransientError
from daemon.transports.oauth.command import MARGIN, CommandTokenSource, jwt_expiry
from daemon.transports.oauth.refusals import explain


def jwt(exp: float) -> str:
    part = base64.urlsafe_b64encode(json.dumps({"exp": exp}).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJub25lIn0.{part}.sig"


def counting_command(tmp_path: Path, token: str) -> str:
    script = tmp_path / "t.py"
    script.write_text(
        "import pathlib\n"
        f"p = pathlib.Path({str(tmp_path / 'n')!r})\n"
        "p.write_text(str(int(p.read_text()) + 1 if p.exists() else 1))\n"
        f"print({token!r})\n"
    )
    return f"{sys.executable} {script}"


def runs(tmp_path: Path) -> int:
    return int((tmp_path / "n").read_text())


def test_a_token_far_from_expiry_is_kept(tmp_path: Path) -> None:
    token = jwt(time.time() + 3600)
    source = CommandTokenSource(counting_command(tmp_path, token), "[transport.imap]")
    assert source.token() == source.token() == token
    assert runs(tmp_path) == 1
    assert jwt_expiry(token) == pytest.approx(time.time() + 3600, abs=5)


def test_a_token_near_expiry_is_replaced_before_it_expires(tmp_path: Path) -> None:
    token = jwt(time.time() + MARGIN - 60)  # inside the margin: renewed at once
    source = CommandTokenSource(counting_command(tmp_path, token), "[transport.imap]", floor=0)
    source.token()
    source.token()
    assert runs(tmp_path) == 2


def test_a_refused_token_runs_the_command_again(tmp_path: Path) -> None:
    token = jwt(time.time() + 3600)
    source = CommandTokenSource(counting_command(tmp_path, token), "[transport.imap]")
    source.refused(source.token(), "535")
    source.token()
    assert runs(tmp_path) == 2


def test_command_failures(tmp_path: Path) -> None:
    with pytest.raises(TransientError, match="exited with 3"):
        CommandTokenSource(f"{sys.executable} -c 'raise SystemExit(3)'", "[x]").token()
    with pytest.raises(PermanentError, match="printed no token"):
        CommandTokenSource(f"{sys.executable} -c 'pass'", "[x]").token()


@pytest.mark.parametrize(
    ("code", "fix"),
    [
        (90002, "tenant is unknown"),
        (700016, "client_id"),
        (7000215, "Value (not its Secret ID)"),
        (7000222, "expired"),
        (65001, "Grant admin consent"),
    ],
)
def test_each_refusal_names_its_fix(code: int, fix: str) -> None:
    result = {"error": "x", "error_codes": [code], "error_description": f"AADSTS{code}: no."}
    sentence = explain(result, "[transport.graph]")
    assert fix in sentence and sentence.endswith(f"(AADSTS{code})")


def test_an_unknown_refusal_is_quoted() -> None:
    result = {"error": "invalid_request", "error_description": "AADSTS1: odd.\r\nTrace ID: 1"}
    assert explain(result, "[g]") == "[g]: sign-in refused (invalid_request: AADSTS1: odd.)."
