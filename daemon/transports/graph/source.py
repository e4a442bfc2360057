"""The Graph mail source: the watched folder read through its delta query.

* **Delta** (https://learn.microsoft.com/graph/delta-query-messages):
  ``GET /users/{mailbox}/mailFolders/{folder}/messages/delta`` is followed through its
  ``@odata.nextLink`` pages to the ``@odata.deltaLink``, which is stored whole in SQLite
  (transport state ``delta:<folder id>``) and used for the next round.
* **Pending**: delta tells each message once, but a message is acknowledged only after the
  pipeline stored it; so every message delta reported and not yet acknowledged is kept in
  the state (``pending:<folder id>``, written **before** the new delta link). A crash between
  the pipeline's commit and the move leaves it pending: the next fetch returns the same key,
  the pipeline finds it stored and the ack is repeated.
* **Stale link** (410 ``syncStateNotFound``): the link is dropped and a full round lists the
  folder again; the pending set becomes exactly what the folder holds. Keys are Graph's
  message ids, which do not change while a message stays in the folder, so whatever was
  stored already is found stored: nothing is processed again.
* **MIME**: ``GET /messages/{id}/$value``, the same bytes the inbound parsers read from IMAP.
* **Ack**: ``POST /messages/{id}/move`` to ``processed_folder`` (a child of the watched
  folder, created when missing); a message already gone (404) is a no-op.
* **Meeting answers**: an ``eventMessageResponse`` about a meeting of ours becomes the iTIP
  REPLY/COUNTER its attendee's client would have sent (:mod:`.answers`), under the key
  ``calendar:graph-message:<id>`` (the backend vouches for it, as for the calendar's answers).
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from daemon.errors import PermanentError, TransientError
from daemon.inbound.calendar_answers import PREFIX
from daemon.transports.base import FetchedMessage
from daemon.transports.graph import answers
from daemon.transports.graph.http import GraphError, GraphHttp, StaleDelta
from daemon.transports.graph.settings import GraphSettings

log = logging.getLogger(__name__)

ANSWER_PREFIX = f"{PREFIX}graph-message:"
RESPONSE_TYPE = "#microsoft.graph.eventMessageResponse"
PAGE_SIZE = 50


class State(Protocol):
    """Where the delta link and the pending ids live (``daemon.store.transport_state``)."""

    def get(self, key: str) -> Any: ...

    def put(self, key: str, value: Any) -> None: ...


class GraphSource:
    """A :class:`~daemon.transports.base.MailSource` over one Graph mail folder.

    Args:
        http: the shared Graph client.
        cfg: mailbox, folder, processed folder, poll interval.
        state: keeps ``delta:<folder id>`` (the whole delta link) and ``pending:<folder id>``
            (``{message id: @odata.type}`` in arrival order).
    """

    def __init__(self, http: GraphHttp, cfg: GraphSettings, state: State) -> None:
        self.http, self.cfg, self.state = http, cfg, state
        self.user = f"/users/{cfg.mailbox}"
        self._folder_id: str | None = None
        self._processed_id: str | None = None
        self._checked = float("-inf")  # time.monotonic() of the last delta round in wait()

    # -- folders -----------------------------------------------------------------------------

    def folder_id(self) -> str:
        """The watched folder's id (looked up once)."""
        if self._folder_id is None:
            found = self.http.call("GET", f"{self.user}/mailFolders/{self.cfg.folder}").json()
            self._folder_id = str(found["id"])
        return self._folder_id

    def processed_id(self) -> str:
        """The processed folder's id: found among the watched folder's children, or made."""
        if self._processed_id is not None:
            return self._processed_id
        children = f"{self.user}/mailFolders/{self.folder_id()}/childFolders"
        name = self.cfg.processed_folder
        lookup = {"$filter": f"displayName eq '{name.replace(chr(39), chr(39) * 2)}'"}
        found = self.http.call("GET", children, params=lookup).json()["value"]
        if not found:
            try:
                found = [self.http.call("POST", children, json={"displayName": name}).json()]
                log.info("graph: created folder %r under %s", name, self.cfg.folder)
            except GraphError as exc:
                if exc.status != 409:  # made meanwhile by another process
                    raise
                found = self.http.call("GET", children, params=lookup).json()["value"]
        self._processed_id = str(found[0]["id"])
        return self._processed_id

    # -- delta -------------------------------------------------------------------------------

    def _pending(self) -> dict[str, str]:
        return dict(self.state.get(f"pending:{self.folder_id()}") or {})

    def sync(self) -> dict[str, str]:
        """One delta round (a full one after a stale link); returns the pending messages."""
        folder = self.folder_id()
        link = self.state.get(f"delta:{folder}")
        try:
            return self._round(folder, link, self._pending())
        except StaleDelta:
            log.warning("graph: delta link of %s is stale (410); reading the folder again", folder)
            self.state.put(f"delta:{folder}", None)
            return self._round(folder, None, None)

    def _round(
        self, folder: str, link: str | None, pending: dict[str, str] | None
    ) -> dict[str, str]:
        url = link or (
            f"{self.user}/mailFolders/{folder}/messages/delta"
            "?$select=id,internetMessageId,receivedDateTime"
        )
        full = pending is None
        found: dict[str, str] = {} if full else dict(pending or {})
        prefer = {"Prefer": f"odata.maxpagesize={PAGE_SIZE}"}
        while True:
            page = self.http.call("GET", url, headers=prefer).json()
            for item in page.get("value", []):
                if "@removed" in item:
                    if found.pop(str(item["id"]), None) is not None:
                        log.info("graph: %s left %s before it was acked", item["id"], folder)
                else:
                    found[str(item["id"])] = str(item.get("@odata.type", ""))
            if "@odata.deltaLink" in page:
                self.state.put(f"pending:{folder}", found)  # before the link: see docstring
                self.state.put(f"delta:{folder}", page["@odata.deltaLink"])
                return found
            url = page["@odata.nextLink"]

    # -- MailSource --------------------------------------------------------------------------

    def fetch(self, limit: int = 100) -> list[FetchedMessage]:
        """Up to ``limit`` messages not yet acknowledged, oldest first.

        Raises:
            TransientError: Graph cannot be reached or keeps throttling.
            PermanentError: the sign-in or a permission is refused (the message says which).
        """
        self.processed_id()
        pending = self.sync()
        out: list[FetchedMessage] = []
        for message_id, kind in list(pending.items())[:limit]:
            fetched = self._one(message_id, kind)
            if fetched is not None:
                out.append(fetched)
        log.info("graph: fetched %d of %d pending message(s)", len(out), len(pending))
        return out

    def _one(self, message_id: str, kind: str) -> FetchedMessage | None:
        try:
            if kind == RESPONSE_TYPE:
                answer = answers.read(self.http, self.user, message_id, self.state)
                if isinstance(answer, answers.Taken):
                    log.info(
                        "graph: %s: the answer of %s was taken from the event's status "
                        "already; moving the message without a second answer",
                        message_id,
                        answer.attendee,
                    )
                    self.ack(message_id)
                    return None
                if answer is not None:
                    return FetchedMessage(ANSWER_PREFIX + message_id, answer)
            raw = self.http.call("GET", f"{self.user}/messages/{message_id}/$value").content
        except GraphError as exc:
            if exc.status != 404:
                raise
            log.info("graph: %s is gone from the mailbox; forgetting it", message_id)
            self._forget(message_id)
            return None
        return FetchedMessage(message_id, raw)

    def ack(self, source_key: str) -> None:
        """Move the message to the processed folder; a message already gone is a no-op."""
        message_id = source_key.removeprefix(ANSWER_PREFIX)
        try:
            self.http.call(
                "POST",
                f"{self.user}/messages/{message_id}/move",
                json={"destinationId": self.processed_id()},
            )
            log.info("graph: acked %s -> %s", message_id, self.cfg.processed_folder)
        except GraphError as exc:
            if exc.status != 404 and exc.code != "ErrorInvalidIdMalformed":
                raise
            log.info("graph: ack %s: not in the mailbox (any more); no-op", message_id)
        self._forget(message_id)

    def _forget(self, message_id: str) -> None:
        pending = self._pending()
        if pending.pop(message_id, None) is not None:
            self.state.put(f"pending:{self.folder_id()}", pending)

    def wait(self, timeout: float) -> bool:
        """Up to ``timeout`` seconds; a delta round (cheap when nothing changed) at most
        every ``poll_seconds`` returns at once when mail is waiting. True: fetch now."""
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            now = time.monotonic()
            if now - self._checked >= self.cfg.poll_seconds:
                self._checked = now
                try:
                    if self.sync():
                        return True
                except (TransientError, PermanentError) as exc:
                    log.warning("graph: checking for new mail failed: %s", exc)
                    return True  # the fetch reports it
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            time.sleep(min(remaining, max(0.0, self._checked + self.cfg.poll_seconds - now)))

    def close(self) -> None:
        """Release the shared client."""
        from daemon.transports.graph.settings import release

        release(self.http)
