"""The one rule against refresh loops: a token fetched because the last one was refused,
and refused again soon after, means the sign-in itself is wrong (exchangelib #1090/#1345
retried such tokens forever)."""

from __future__ import annotations

import time

#: A replacement token refused within this many seconds of being fetched is permanent.
WINDOW = 120.0


class RefusalGuard:
    """Remembers the replacement token fetched after a refusal."""

    def __init__(self) -> None:
        self._after_refusal = False
        self._replacement: tuple[str, float] | None = None

    def fetched(self, token: str) -> None:
        """A new token was fetched (call for every new token)."""
        if self._after_refusal:
            self._replacement = (token, time.monotonic())
        self._after_refusal = False

    def refused(self, token: str) -> bool:
        """Record a refusal of ``token``; True when it was a replacement refused again
        within :data:`WINDOW` (the caller raises ``PermanentError``)."""
        replacement, self._replacement = self._replacement, None
        self._after_refusal = True
        return (
            replacement is not None
            and replacement[0] == token
            and time.monotonic() - replacement[1] < WINDOW
        )
