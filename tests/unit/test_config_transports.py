"""The [transport.<name>] tables are checked against each transport's SETTINGS spec."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon import config
from daemon.errors import UserError
from daemon.transports.base import REGISTRY
from daemon.transports.settings import settings_spec

ROOT = Path(__file__).resolve().parents[2]


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as err:
        config.load(path)
    assert all(p.startswith(f"{path}: ") for p in err.value.problems), err.value.problems
    return err.value.problems


def test_imap_source_without_its_table_is_reported_with_the_file(tmp_path: Path) -> None:
    problems = _problems(tmp_path, '[transport]\nsource = "imap"\n')
    assert len(problems) == 1
    assert "[transport.imap] host: required" in problems[0] and "Fix:" in problems[0]


def test_unknown_missing_and_mistyped_settings_are_all_reported(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        '[transport]\nsink = "smtp"\n'
        '[transport.maildir]\ninboxx = "in"\n'
        '[transport.smtp]\nhost = ""\nport = "465"\nsecurity = "ssl"\npassword = "x"\n'
        "verify = 1\nsent_imap = { port = 0 }\n"
        '[transport.imap]\ndisable_extensions = "IDLE"\n',
    )
    joined = "\n".join(problems)
    for needle in (
        "[transport.maildir] inboxx: unknown key",
        "[transport.smtp] host: must not be empty",
        "[transport.smtp] port: must be a positive whole number",
        "[transport.smtp] security: must be one of tls, starttls, none",
        "[transport.smtp] password: a plain password is not allowed",
        "[transport.smtp] verify: must be true or false",
        "[transport.smtp] sent_imap host: required",
        "[transport.smtp] sent_imap port: must be a positive",
        "[transport.imap] disable_extensions: must be a list",
    ):
        assert needle in joined, needle
    assert len(problems) == 9, joined


def test_a_complete_imap_and_smtp_configuration_loads(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(
        '[transport]\nsource = "imap"\nsink = "smtp"\n'
        '[transport.imap]\nhost = "imap.corp.example"\nport = 993\nidle_seconds = 600.5\n'
        'password_env = "X"\ndisable_extensions = ["IDLE"]\n'
        '[transport.smtp]\nhost = "smtp.corp.example"\nsecurity = "starttls"\n',
        encoding="utf-8",
    )
    cfg = config.load(path)
    assert cfg.transports["imap"]["idle_seconds"] == 600.5
    assert cfg.transports["smtp"] == {"host": "smtp.corp.example", "security": "starttls"}


def test_example_shows_every_transport_setting() -> None:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    assert "\n[transport.maildir]\n" in text and "\n# [transport.imap]\n" in text
    for name in REGISTRY:
        for key, (kind, _req, _default, comment) in settings_spec(name).items():
            if kind == "table:imap":
                continue
            assert f"{key} = " in text and comment in text, (name, key)


def test_sent_imap_true_reuses_the_imap_account(tmp_path: Path) -> None:
    cfg = tmp_path / "m.toml"
    cfg.write_text(
        '[transport]\nsource = "imap"\nsink = "smtp"\n'
        '[transport.imap]\nhost = "imap.corp.example"\nusername = "m@corp.example"\n'
        'password_env = "P"\n'
        '[transport.smtp]\nhost = "smtp.corp.example"\nsent_imap = true\n',
        encoding="utf-8",
    )
    loaded = config.load(cfg)
    assert loaded.transports["smtp"]["sent_imap"]["host"] == "imap.corp.example"
    lone = tmp_path / "lone.toml"
    lone.write_text(
        '[transport]\nsink = "smtp"\n[transport.smtp]\nhost = "s"\nsent_imap = true\n',
        encoding="utf-8",
    )
    with pytest.raises(UserError) as err:
        config.load(lone)
    assert any("sent_imap = true needs a [transport.imap]" in p for p in err.value.problems)
