"""Secrets of the transports, never from the TOML: ``<name>_env`` names an environment
variable holding the secret, ``<name>_command`` a shell command printing it (``password``
of IMAP/SMTP, ``client_secret`` of an OAuth2 app registration)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from typing import Any

TIMEOUT = 30  # seconds a ``<name>_command`` may take


def read_secret(
    settings: Mapping[str, Any], name: str, where: str, problems: list[str]
) -> str | None:
    """The secret from ``<name>_env`` or ``<name>_command`` (stdout, newline stripped).

    Appends a sentence to ``problems`` instead of raising; None when neither key is set or
    the secret cannot be had.
    """
    env, command = settings.get(f"{name}_env"), settings.get(f"{name}_command")
    if env:
        value = os.environ.get(str(env))
        if value is None:
            problems.append(f"{where}: {name}_env: environment variable {env} is not set.")
        return value
    if command:
        try:
            done = subprocess.run(
                str(command), shell=True, capture_output=True, text=True, timeout=TIMEOUT
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            problems.append(f"{where}: {name}_command failed: {exc}.")
            return None
        if done.returncode != 0:
            problems.append(
                f"{where}: {name}_command exited with {done.returncode}: "
                f"{done.stderr.strip()[:200]}"
            )
            return None
        return done.stdout.rstrip("\r\n")
    return None
