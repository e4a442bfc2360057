"""``[transport.graph]``: the keys, and the one shared client per mailbox they describe."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from daemon.errors import UserError
from daemon.transports import oauth
from daemon.transports.graph.http import GraphHttp
from daemon.transports.oauth.entra import ssl_context

log = logging.getLogger(__name__)

WHERE = "[transport.graph]"
GRAPH_URL = "https://graph.microsoft.com/v1.0"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"

# The keys of [transport.graph]: name -> (type, required, default, comment). daemon.config
# validates the table with it and prints it in the example. The OAuth keys are shared with
# the IMAP/SMTP tables (daemon.transports.oauth.SETTINGS).
SETTINGS: dict[str, tuple[str | tuple[str, ...], bool, Any, str]] = {
    "mailbox": ("str", True, "meetings@contoso.com", "The meetings mailbox (required)."),
    **oauth.SETTINGS,
    "graph_url": ("str", False, GRAPH_URL, "Graph's root (national clouds differ)."),
    "folder": ("str", False, "inbox", "Folder watched for new mail (well-known name or id)."),
    "processed_folder": ("str", False, "meetingd processed", "Handled mail moves here."),
    "verify": ("bool", False, True, "Check the server certificates."),
    "ca_file": ("str", False, None, "CA bundle file; unset: the system store."),
    "timeout": ("number", False, 60, "Seconds per request."),
    "retries": ("int", False, 6, "Tries per request when throttled or cut off."),
    "backoff_seconds": ("number", False, 1, "First wait without Retry-After."),
    "backoff_max": ("number", False, 60, "Longest wait without Retry-After."),
    "max_wait": ("number", False, 300, "Longer Retry-After: give up now, retry later."),
    "concurrency": ("int", False, 4, "Requests in flight per mailbox (at most 4)."),
    "poll_seconds": ("number", False, 30, "How often the watched folder is read."),
}


@dataclass(frozen=True)
class GraphSettings:
    """The checked values of ``[transport.graph]`` the transport parts read."""

    mailbox: str
    folder: str = "inbox"
    processed_folder: str = "meetingd processed"
    poll_seconds: float = 30.0


def parse(settings: dict[str, Any]) -> GraphSettings:
    """The settings parts read (the config check validated the types).

    Raises:
        UserError: ``mailbox`` is missing.
    """
    if not settings.get("mailbox"):
        raise UserError(f'{WHERE} mailbox: required. Fix: mailbox = "meetings@contoso.com".')
    return GraphSettings(
        mailbox=str(settings["mailbox"]).lower(),
        folder=str(settings.get("folder", "inbox")),
        processed_folder=str(settings.get("processed_folder", "meetingd processed")),
        poll_seconds=float(settings.get("poll_seconds", 30)),
    )


class _Shared:
    def __init__(self, http: GraphHttp) -> None:
        self.http, self.users = http, 0


_CLIENTS: dict[str, _Shared] = {}
_LOCK = threading.Lock()


def _key(settings: dict[str, Any]) -> str:
    return repr(sorted((k, repr(v)) for k, v in settings.items()))


def open_client(settings: dict[str, Any], var_dir: Path) -> GraphHttp:
    """The process's one :class:`GraphHttp` for these settings (source, sink and calendar
    share its token and its concurrency slots); release it with :func:`release`.

    Raises:
        UserError: the sign-in keys are incomplete (every problem at once).
    """
    key = _key(settings)
    with _LOCK:
        shared = _CLIENTS.get(key)
        if shared is None:
            verify = ssl_context(bool(settings.get("verify", True)), settings.get("ca_file"))
            tokens = oauth.token_source(
                settings,
                WHERE,
                var_dir,
                [GRAPH_SCOPE],
                verify=bool(settings.get("verify", True)),
                ca_file=settings.get("ca_file"),
            )
            http = GraphHttp(
                str(settings.get("graph_url", GRAPH_URL)),
                tokens,
                str(settings.get("mailbox", "")).lower(),
                verify=verify,
                timeout=float(settings.get("timeout", 60)),
                retries=int(settings.get("retries", 6)),
                backoff_seconds=float(settings.get("backoff_seconds", 1)),
                backoff_max=float(settings.get("backoff_max", 60)),
                max_wait=float(settings.get("max_wait", 300)),
                concurrency=int(settings.get("concurrency", 4)),
            )
            log.info("graph: client for %s (%s)", http.mailbox, tokens.describe())
            shared = _CLIENTS[key] = _Shared(http)
        shared.users += 1
        return shared.http


def release(http: GraphHttp) -> None:
    """One part is done with ``http``; the last one closes it."""
    with _LOCK:
        for key, shared in list(_CLIENTS.items()):
            if shared.http is http:
                shared.users -= 1
                if shared.users <= 0:
                    del _CLIENTS[key]
                    http.close()
                    close = getattr(http.tokens, "close", None)
                    if close is not None:
                        close()
                return
