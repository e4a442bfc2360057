"""The one error the rules raise on purpose: a command that does not fit the meeting."""

from __future__ import annotations

from daemon.domain.problems import Problem, problem


class CommandRefused(Exception):
    """A command (from the CLI, or the host's reply) that does not fit the meeting's state or
    its sender's role; ``str(exc)`` says why in the operator's words.

    Raise it with a :class:`~daemon.domain.problems.Problem` when the reason may reach a
    person by mail (``raise CommandRefused(problem("no_late_topic", ref=m.ref))``): the
    mail then says it in the recipient's language (:attr:`problem`). A plain string is for
    the command line only.

    Only this is turned into a polite refusal: any other exception is a bug and is not
    dressed up as "command refused".
    """

    @property
    def problem(self) -> Problem | None:
        """The reason as a :class:`Problem`, or None when it was given as plain text."""
        first = self.args[0] if self.args else None
        return first if isinstance(first, Problem) else None


def refused_reason(exc: CommandRefused) -> Problem:
    """The quarantine reason for a refused command: ``command_refused`` with the refusal's
    :class:`Problem` (its operator text reads ``command_refused: <why>``)."""
    return problem("command_refused", reason=exc.problem or str(exc))
