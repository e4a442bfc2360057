"""Transport ``graph``: Microsoft 365 mail and calendar through Microsoft Graph v1.0.

Plain HTTP (``httpx``) with ``msal`` sign-in (:mod:`daemon.transports.oauth`), since the
Graph SDK cannot send MIME. One module per job:

======================  ==============================================================
:mod:`.settings`        ``[transport.graph]`` keys; one shared client per mailbox
:mod:`.http`            throttling (Retry-After, back-off), ≤ 4 requests per mailbox, 401
:mod:`.permissions`     a refusal → the missing permission or the access policy
:mod:`.source`          mail in: delta query, ``/$value``, move to the processed folder
:mod:`.sink`            mail out: ``sendMail`` with base64 MIME, settled in Sent Items
:mod:`.events`          snapshot → event JSON; the extended properties
:mod:`.calendar`        meetings: POST / PATCH / cancel, ``find_applied``, statuses
:mod:`.answers`         ``eventMessageResponse`` → RSVP / counter-proposal, taken once
:mod:`.preflight`       ``meetingd check-config``: token, mailbox, permissions
======================  ==============================================================
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from daemon.errors import UserError
from daemon.transports.graph.settings import SETTINGS, open_client, parse

__all__ = ["SETTINGS", "create", "create_calendar", "probe"]


class GraphMail:
    """The source and the sink of one mailbox in one object (the registry's ``create``)."""

    def __init__(self, settings: dict[str, Any], var_dir: Path, state: Any) -> None:
        from daemon.transports.graph.sink import GraphSink
        from daemon.transports.graph.source import GraphSource

        cfg = parse(settings)
        self.http = open_client(settings, var_dir)
        self.sink = GraphSink(self.http, cfg)
        self.source = GraphSource(self.http, cfg, state) if state is not None else None

    def _source(self) -> Any:
        if self.source is None:
            raise UserError("[transport.graph]: the mail source needs the daemon's state.")
        return self.source

    def fetch(self, limit: int = 100) -> Any:
        """See :meth:`GraphSource.fetch <daemon.transports.graph.source.GraphSource.fetch>`."""
        return self._source().fetch(limit)

    def ack(self, source_key: str) -> None:
        """See :meth:`GraphSource.ack <daemon.transports.graph.source.GraphSource.ack>`."""
        self._source().ack(source_key)

    def wait(self, timeout: float) -> bool:
        """See :meth:`GraphSource.wait <daemon.transports.graph.source.GraphSource.wait>`."""
        return bool(self._source().wait(timeout))

    def send(self, mail: Any) -> None:
        """See :meth:`GraphSink.send <daemon.transports.graph.sink.GraphSink.send>`."""
        self.sink.send(mail)

    def find_sent(self, message_id: str) -> bool | None:
        """See :meth:`GraphSink.find_sent <daemon.transports.graph.sink.GraphSink.find_sent>`."""
        return self.sink.find_sent(message_id)

    def close(self) -> None:
        """Release the shared client (once)."""
        self.sink.close()


def create(settings: dict[str, Any], var_dir: Path, state: Any = None) -> GraphMail:
    """Registry factory (``keeps_state``): source and sink of ``[transport.graph]``;
    ``state`` (the daemon's transport state of scope ``graph``) keeps the delta link and the
    pending messages.

    Raises:
        UserError: the sign-in keys are incomplete. Nothing is fetched yet.
    """
    return GraphMail(settings, var_dir, state)


def create_calendar(settings: dict[str, Any], var_dir: Path, sink: Any, state: Any) -> Any:
    """Registry factory: the calendar of ``[transport.graph]`` (``sink`` unused: Graph sends
    its own invitations)."""
    from daemon.transports.graph.calendar import GraphCalendar

    return GraphCalendar(open_client(settings, var_dir), parse(settings), state)


def probe(
    settings: dict[str, Any], var_dir: Path = Path("."), roles: list[str] | None = None
) -> str | None:
    """``meetingd check-config``: sign in, read the mailbox, and say in one line what is
    missing (None: all fine). ``roles``: what ``graph`` is configured as (default: all
    three). See :mod:`.preflight`."""
    from daemon.transports.graph.preflight import check_mailbox

    problems = check_mailbox(settings, var_dir, roles or ["source", "sink", "calendar"])
    return "; ".join(problems) or None
