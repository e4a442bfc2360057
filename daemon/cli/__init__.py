"""The ``meetingd`` command line: :mod:`daemon.cli.commands` (the verbs),
:mod:`daemon.cli.context` (configuration, logging, clock and service for a verb) and the
plain-text views (:mod:`daemon.cli.views`, :mod:`daemon.cli.inspect_view`)."""

from daemon.cli.commands import main

__all__ = ["main"]
