"""The EWS mail roles as one object: :class:`EwsMailbox` is the source and the sink of one
mailbox (``[transport] source = "ews"`` and ``sink = "ews"`` share its account)."""

from __future__ import annotations

from daemon.transports.ews.account import connection_for
from daemon.transports.ews.settings import EwsSettings
from daemon.transports.ews.sink import EwsSink
from daemon.transports.ews.source import EwsSource
from daemon.transports.ews.state import State


class EwsMailbox(EwsSource, EwsSink):
    """:class:`~.source.EwsSource` and :class:`~.sink.EwsSink` over the shared account of
    ``cfg``; ``state`` is the transport state of scope ``ews``."""

    def __init__(self, cfg: EwsSettings, state: State) -> None:
        EwsSource.__init__(self, connection_for(cfg), state)

    def close(self) -> None:
        """Close the shared connection's sessions."""
        self.conn.close()
