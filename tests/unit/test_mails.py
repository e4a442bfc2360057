"""The test mails of :mod:`tests.mails` are the same bytes in every run."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
from pathlib import Path

from tests.mails import default_message_id, mail

ROOT = Path(__file__).resolve().parents[2]


def test_default_message_id_is_a_fixed_digest() -> None:
    assert default_message_id("a@corp.example", "Hi", "body") == (
        "<968b2271e840cc6da543dee1@client.example>"
    )
    assert default_message_id("a@corp.example", "Hi", "body ") != default_message_id(
        "a@corp.example", "Hi", "body"
    )


def test_mail_uses_the_default_message_id_unless_given_one() -> None:
    parsed = email.message_from_bytes(
        mail("a@corp.example", "Hi", "body"), policy=email.policy.default
    )
    assert parsed["Message-ID"] == default_message_id("a@corp.example", "Hi", "body")
    given = email.message_from_bytes(
        mail("a@corp.example", "Hi", "body", message_id="<x@y>"), policy=email.policy.default
    )
    assert given["Message-ID"] == "<x@y>"


def test_mail_is_the_same_whatever_the_hash_seed() -> None:
    code = (
        "import sys; from tests.mails import mail; sys.stdout.buffer.write(mail('a@x', 's', 'b'))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(runs) == 1
