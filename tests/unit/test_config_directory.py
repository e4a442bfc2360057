"""``[[people]]``, ``[[departments]]`` and ``password_env``: every problem named with the file,
the key and the fix, by ``load`` and by ``meetingd check-config`` (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from daemon import config
from daemon.cli import main
from daemon.errors import UserError

GOOD = """
[[departments]]
name = "技术部"
name_en = "Technology"
head = "liu.yang@corp.example"
members = ["liu.yang@corp.example", "Zhou.Qiang@corp.example"]

[[people]]
address = "liu.yang@corp.example"
name = "刘洋"
name_en = "Liu Yang"
department = "技术部"
"""


def problems_of(tmp_path: Path, text: str, check_env: bool = False) -> list[str]:
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as err:
        config.load(path, check_env=check_env)
    assert all(p.startswith(f"{path}: ") for p in err.value.problems), err.value.problems
    return err.value.problems


def check_config(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", "-c", str(path)], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_a_good_directory_loads(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(GOOD, encoding="utf-8")
    cfg = config.load(path)
    (dept,) = cfg.departments
    assert dept.members == ("liu.yang@corp.example", "zhou.qiang@corp.example")
    assert cfg.people[0].department == "技术部"


def test_unknown_keys_of_people_and_departments_are_named(tmp_path: Path) -> None:
    text = GOOD.replace('name_en = "Technology"', 'name_en = "Technology"\ncolour = "red"')
    text = text.replace('name = "刘洋"', 'name = "刘洋"\nphone = "123"')
    problems = problems_of(tmp_path, text)
    assert len(problems) == 2, problems
    assert "[[departments]] 技术部: colour: unknown key. Fix: remove it" in problems[0]
    assert "[[people]] liu.yang@corp.example: phone: unknown key. Fix: remove it" in problems[1]


def test_a_person_in_a_department_that_does_not_exist(tmp_path: Path) -> None:
    (problem,) = problems_of(
        tmp_path, GOOD.replace('department = "技术部"', 'department = "技朮部"')
    )
    assert "[[people]] liu.yang@corp.example: department:" in problem
    assert "'技朮部'" in problem and "known: 技术部" in problem and "Fix:" in problem


def test_a_person_in_a_department_when_none_is_configured(tmp_path: Path) -> None:
    text = '[[people]]\naddress = "a@corp.example"\ndepartment = "市场部"\n'
    (problem,) = problems_of(tmp_path, text)
    assert "no [[departments]] table is named '市场部' (known: none is configured)" in problem


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ('head = "liu.yang@corp.example"', 'head = "liu yang"', "head: must be an email address"),
        ('head = "liu.yang@corp.example"', "head = 7", "head: must be an email address"),
        (
            'members = ["liu.yang@corp.example", "Zhou.Qiang@corp.example"]',
            'members = ["liu.yang@corp.example", "周强"]',
            "members: must be a list of email addresses",
        ),
        (
            'members = ["liu.yang@corp.example", "Zhou.Qiang@corp.example"]',
            'members = "liu.yang@corp.example"',
            "members: must be a list of email addresses",
        ),
        ('name_en = "Technology"', "name_en = 1", "name_en: must be a string"),
    ],
)
def test_a_malformed_department_is_named(tmp_path: Path, old: str, new: str, needle: str) -> None:
    (problem,) = problems_of(tmp_path, GOOD.replace(old, new))
    assert f"[[departments]] 技术部: {needle}" in problem


def test_a_department_named_twice_and_one_without_name(tmp_path: Path) -> None:
    text = GOOD + '\n[[departments]]\nname = "技术部"\n\n[[departments]]\nhead = "a@b.example"\n'
    problems = problems_of(tmp_path, text)
    assert len(problems) == 2, problems
    assert "[[departments]] 技术部: name: used by two departments" in problems[0]
    assert "[[departments]] #3: name is required" in problems[1]


def test_a_person_without_an_address(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, '[[people]]\nname = "刘洋"\naddress = "liu"\n')
    assert "[[people]] #1: address is required (an email). Fix:" in problem


IMAP = """
[transport]
source = "imap"
[transport.imap]
host = "imap.corp.example"
username = "meetings"
password_env = "MEETINGD_TEST_UNSET_IMAP"
[transport.smtp]
host = "smtp.corp.example"
password_env = "MEETINGD_TEST_UNSET_SMTP"
sent_imap = true
"""


def test_check_config_names_every_unset_password_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MEETINGD_TEST_UNSET_IMAP", raising=False)
    monkeypatch.delenv("MEETINGD_TEST_UNSET_SMTP", raising=False)
    code, output = check_config(tmp_path, IMAP)
    assert code == 2
    lines = output.splitlines()
    assert len(lines) == 2, lines  # the IMAP account reused by sent_imap is named once
    path = tmp_path / "m.toml"
    assert lines[0] == (
        f"meetingd: {path}: [transport.imap] password_env: environment variable "
        "MEETINGD_TEST_UNSET_IMAP is not set. Fix: export MEETINGD_TEST_UNSET_IMAP=<the "
        "password> where meetingd runs, or use password_command."
    )
    # [transport.smtp] is not used (sink = maildir) and still checked.
    assert (
        "[transport.smtp] password_env: environment variable MEETINGD_TEST_UNSET_SMTP" in lines[1]
    )


def test_check_config_passes_once_the_variables_are_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEETINGD_TEST_UNSET_IMAP", "pw")
    monkeypatch.setenv("MEETINGD_TEST_UNSET_SMTP", "pw")
    code, output = check_config(tmp_path, IMAP + '[daemon]\nvar_dir = "var"\n')
    assert (code, output) == (0, f"{tmp_path / 'm.toml'}: OK\n")


def test_check_config_reports_the_directory_with_exit_2(tmp_path: Path) -> None:
    code, output = check_config(tmp_path, GOOD.replace('department = "技术部"', 'department = "x"'))
    assert code == 2 and output.startswith(f"meetingd: {tmp_path / 'm.toml'}: [[people]] ")
    assert "Traceback" not in output
