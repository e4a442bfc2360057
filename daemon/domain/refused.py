"""The one error the rules raise on purpose: a command that does not fit the meeting."""

from __future__ import annotations


class CommandRefused(Exception):
    """A command (from the CLI, or the host's reply) that does not fit the meeting's state or
    its sender's role; ``str(exc)`` says why, in a sentence for the person who gave it.

    Only this is turned into a polite refusal: any other exception is a bug and is not
    dressed up as "command refused".
    """
