"""One pass of the daemon: mail in, deadlines, mail out, repeated until nothing is left.

``meetingd run --once``, the tests and the demo run it; the unattended loop
(:mod:`daemon.runner`) runs its steps on its own schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from daemon.service import Service


@dataclass
class PassReport:
    """What one :meth:`Service.run_once` did (counts)."""

    fetched: int = 0
    processed: int = 0
    quarantined: int = 0
    fired: int = 0
    sent: int = 0
    failed: int = 0

    def busy(self) -> bool:
        return bool(self.fetched or self.processed or self.fired or self.sent)


def run_once(service: Service, max_rounds: int = 20) -> PassReport:
    """Ingest, process, fire due deadlines and dispatch until idle (at most
    ``max_rounds`` rounds). Never raises for a bad message; transport errors are
    logged and retried on the next pass.

    Raises:
        PermanentError: the mail source refused us (e.g. its login): retrying cannot
            help, so the caller stops (``meetingd run --once`` exits with 3).
    """
    total = PassReport()
    service.settle()
    for _ in range(max_rounds):
        step = service.ingest_and_process()
        step.fired = service.fire_deadlines()
        step.sent, step.failed = service.dispatch()
        for name in ("fetched", "processed", "quarantined", "fired", "sent", "failed"):
            setattr(total, name, getattr(total, name) + getattr(step, name))
        if not step.busy():
            break
    return total
