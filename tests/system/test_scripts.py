"""``scripts/setup`` and ``scripts/demo`` are quiet: installer output goes to .venv-setup.log
and is shown (its last 30 lines) only when the set-up fails.

Runs the real scripts in a scratch copy of the repository with a fake ``python3`` on PATH, so
nothing is installed and no network is needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTING_UP = "setting up .venv … (installer output: .venv-setup.log)"

# `python3 -m venv --clear .venv` makes a fake venv whose python "installs" noisily.
FAKE_PYTHON3 = """#!/bin/sh
[ "$1 $2" = "-m venv" ] || exit 9
echo "venv: creating" ; mkdir -p .venv/bin
cat > .venv/bin/python <<'EOS'
#!/bin/sh
[ "$1" = "-c" ] && exit 0
i=1; while [ $i -le 40 ]; do echo "pip noise $i $*"; i=$((i+1)); done
echo "pip warning on stderr" >&2
[ -n "$FAKE_PIP_FAIL" ] && case "$*" in *-e*) echo "ERROR: no matching distribution"; exit 1;; esac
exit 0
EOS
printf '#!/bin/sh\\necho "timeline: $*"\\n' > .venv/bin/meetingd
chmod +x .venv/bin/python .venv/bin/meetingd
"""


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A scratch repository: the real scripts, a pyproject.toml, a fake python3 on PATH."""
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    for name in ("setup", "demo"):
        shutil.copy2(ROOT / "scripts" / name, root / "scripts" / name)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python3").write_text(FAKE_PYTHON3, encoding="utf-8")
    (fake / "python3").chmod(0o755)
    return root


def run(repo: Path, *args: str, fail: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "FAKE_PIP_FAIL")}
    env["PATH"] = f"{repo.parent / 'bin'}:/usr/bin:/bin"
    if fail:
        env["FAKE_PIP_FAIL"] = "1"
    return subprocess.run(
        ["bash", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=60
    )


def test_setup_prints_one_line_and_keeps_the_installer_output_in_the_log(repo: Path) -> None:
    first = run(repo, "scripts/setup")
    assert first.returncode == 0, first.stderr
    assert first.stdout == ""
    assert first.stderr.splitlines() == [SETTING_UP, ".venv ready"]
    log = (repo / ".venv-setup.log").read_text(encoding="utf-8")
    assert "venv: creating" in log and "pip noise 40" in log and "pip warning" in log
    again = run(repo, "scripts/setup", "--quiet")
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")


def test_setup_installs_again_when_pyproject_changes(repo: Path) -> None:
    run(repo, "scripts/setup")
    stamp = (repo / ".venv" / ".meetingd-installed").stat().st_mtime
    os.utime(repo / "pyproject.toml", (stamp + 10, stamp + 10))
    again = run(repo, "scripts/setup", "--quiet")
    assert again.returncode == 0 and again.stderr.splitlines() == [SETTING_UP]


def test_a_failed_setup_shows_the_last_lines_and_names_the_log(repo: Path) -> None:
    result = run(repo, "scripts/setup", fail=True)
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    log = repo / ".venv-setup.log"
    assert lines[0] == SETTING_UP
    assert lines[1] == (
        f"meetingd: setting up .venv failed (pip install -e .[test]). Last lines of {log}:"
    )
    assert lines[-1] == f"meetingd: the full installer output is in {log}"
    shown = lines[2:-1]
    assert shown == log.read_text(encoding="utf-8").splitlines()[-30:]
    assert shown[-1] == "ERROR: no matching distribution"
    assert not (repo / ".venv" / ".meetingd-installed").exists(), "retried next time"


def test_demo_prints_progress_then_only_the_timeline(repo: Path) -> None:
    fresh = run(repo, "scripts/demo", "--workdir", "d")
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stderr.splitlines() == [SETTING_UP, "running the demo …"]
    assert fresh.stdout == "timeline: demo --workdir d\n"
    again = run(repo, "scripts/demo", "--workdir", "d")
    assert again.stderr == "running the demo …\n" and again.stdout == fresh.stdout


def test_demo_stops_when_the_setup_fails(repo: Path) -> None:
    result = run(repo, "scripts/demo", fail=True)
    assert result.returncode == 1 and result.stdout == ""
    assert "running the demo" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("meetingd: the full installer output is in")
