"""Access tokens from ``token_command``: any OAuth2 provider (Google, Keycloak, a vault).

The command prints one access token on stdout (a trailing newline is stripped). The token is
kept until it is refused or is about to expire: a JWT's ``exp`` claim is read when present
(refreshed :data:`MARGIN` before it), other tokens are kept :data:`OPAQUE_LIFETIME`.
"""

from __future__ import annotations

import base64
import json
import logging
import subprocess
import time

from daemon.errors import PermanentError, TransientError

log = logging.getLogger(__name__)

MARGIN = 300.0  # seconds before ``exp`` a token is replaced
OPAQUE_LIFETIME = 600.0  # seconds an opaque (non-JWT) token is kept
TIMEOUT = 60.0


def jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim (POSIX seconds) of a JWT, unverified; None for other tokens."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        return float(claims["exp"]) if isinstance(claims, dict) and "exp" in claims else None
    except (ValueError, TypeError, KeyError):
        return None


class CommandTokenSource:
    """A :class:`~daemon.transports.oauth.TokenSource` running ``command`` (a shell line).

    Args:
        command: the shell command printing the token.
        where: the settings table, for messages.
        floor: seconds a token is kept at least (a command printing short-lived tokens is
            not run on every request).
    """

    def __init__(self, command: str, where: str, floor: float = 30.0) -> None:
        self.command = command
        self.where = where
        self.floor = floor
        self._token: str | None = None
        self._renew_at = 0.0

    def token(self) -> str:
        """The kept token, or a new one from the command (see the module docstring).

        Raises:
            TransientError: the command failed or timed out.
            PermanentError: it printed nothing.
        """
        if self._token is not None and time.time() < self._renew_at:
            return self._token
        try:
            done = subprocess.run(
                self.command, shell=True, capture_output=True, text=True, timeout=TIMEOUT
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TransientError(f"{self.where} token_command failed: {exc}") from exc
        if done.returncode != 0:
            raise TransientError(
                f"{self.where} token_command exited with {done.returncode}: "
                f"{done.stderr.strip()[:200]}"
            )
        token = done.stdout.strip()
        if not token:
            raise PermanentError(
                f"{self.where} token_command printed no token. Fix: make it print the "
                "access token on stdout."
            )
        expiry = jwt_expiry(token)
        now = time.time()
        self._renew_at = (expiry - MARGIN) if expiry else now + OPAQUE_LIFETIME
        self._renew_at = max(self._renew_at, now + self.floor)
        self._token = token
        log.info("oauth: new token from token_command (%s)", self.where)
        return token

    def refused(self, token: str, detail: str) -> None:
        """Forget ``token``: the next :meth:`token` runs the command again."""
        if token == self._token:
            self._token, self._renew_at = None, 0.0
        log.warning("oauth: token refused (%s); fetching a new one", detail)

    def describe(self) -> str:
        return f"token_command of {self.where}"
