"""``meetingd run --once`` against a real IMAP server that refuses the login: exit 3, fast."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.transports.servers import Dovecot

ROOT = Path(__file__).resolve().parents[2]


def test_run_once_exits_3_when_the_imap_login_is_refused(mail_user: str, tmp_path: Path) -> None:
    # A private Dovecot: its auth penalty must not slow the shared one down.
    dovecot = Dovecot().start()
    try:
        cfg = tmp_path / "meetingd.toml"
        cfg.write_text(
            '[daemon]\nvar_dir = "var"\n[transport]\nsource = "imap"\n[transport.imap]\n'
            f'host = "127.0.0.1"\nport = {dovecot.port}\nsecurity = "none"\n'
            f'username = "{mail_user}"\npassword_env = "MEETINGD_TEST_WRONG_PW"\nretries = 6\n',
            encoding="utf-8",
        )
        env = {**os.environ, "MEETINGD_TEST_WRONG_PW": "not-the-password"}
        started = time.monotonic()
        run = subprocess.run(
            [sys.executable, "-m", "daemon", "run", "--once", "-c", str(cfg)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        dovecot.close()
    assert run.returncode == 3, run.stderr
    assert time.monotonic() - started < 15, "a refused login is not retried"
    assert "meetingd: the mail source refused us:" in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""
