"""Error types shared by the whole package.

``UserError`` carries problems a person must fix (config, CLI input); the CLI prints them
without a traceback. ``TransientError`` means "try again later" (network, 4xx SMTP);
``PermanentError`` means retrying cannot help (5xx SMTP, auth failure). ``ParseError`` is
raised by inbound parsers for a message they cannot read; the pipeline quarantines it.
``CommandRefused`` (defined in the pure domain, re-exported here) is a command that does not
fit the meeting; the CLI and the host's replies turn only it into a polite refusal.
"""

from __future__ import annotations

from daemon.domain.refused import CommandRefused

__all__ = [
    "CommandRefused",
    "MeetingdError",
    "ParseError",
    "PermanentError",
    "TransientError",
    "UserError",
]


class MeetingdError(Exception):
    """Base class of every error meetingd raises on purpose."""


class UserError(MeetingdError):
    """One or more problems a person must fix, each a full sentence.

    Args:
        problems: list of ``str``; each names the file, the key and the fix where known.
    """

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class TransientError(MeetingdError):
    """A failure that may go away on retry (connection reset, SMTP 4xx, server restart)."""


class PermanentError(MeetingdError):
    """A failure that retrying will not fix (SMTP 5xx, authentication refused)."""


class ParseError(MeetingdError):
    """An inbound message could not be understood; ``str(exc)`` is the quarantine reason."""
