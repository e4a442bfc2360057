"""The EWS mail source: the inbox read with ``SyncFolderItems`` (its state in SQLite), each
message handed on as its MIME content, acknowledged by marking it read and moving it to
the processed folder.

* :meth:`EwsSource.fetch` first syncs the inbox: every item the sync reports as created is
  added to the ``pending`` list (:mod:`.state`) before the new sync state is stored, so a
  crash, a dropped connection or throttling in the middle of a (paged) sync loses nothing:
  the next sync starts from the last stored state and reports those items again (the list
  keeps each once). Then it returns up to ``limit`` pending items, oldest first, keyed by
  their EWS item id.
* A meeting response to one of our meetings, when the EWS calendar is configured, is an
  answer Exchange recorded: it is stored with the answers (:mod:`.answers`) and then
  acknowledged here, instead of being passed on as mail (it reaches the daemon once, through
  the calendar's ``responses``). A meeting forward notification on one of our meetings is
  recorded the same way, as one forward notice per person it added (:mod:`.answers`), then
  filed; one about a meeting that is not ours goes on as mail.
* Everything else (mail, meeting requests from others, responses to meetings that are not
  ours) goes through the same inbound parsers as every transport, as its MIME.
* :meth:`EwsSource.ack` marks the item read and moves it (the pipeline stored it first);
  an item that is gone already (moved by someone) is a no-op.
* An unusable sync state (``ErrorInvalidSyncStateData``) starts a full sync: the inbox holds
  exactly the unacknowledged mail, and the pipeline stores each source key once.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from exchangelib.errors import ErrorItemNotFound  # type: ignore[import-untyped]
from exchangelib.items.calendar_item import (  # type: ignore[import-untyped]
    BaseMeetingItem,
    MeetingResponse,
)
from exchangelib.properties import ItemId  # type: ignore[import-untyped]

from daemon import clock
from daemon.errors import PermanentError, TransientError
from daemon.transports.base import FetchedMessage
from daemon.transports.ews import answers, props
from daemon.transports.ews.account import Connection
from daemon.transports.ews.errors import translated
from daemon.transports.ews.state import State, SyncBook
from daemon.transports.ews.sync import sync_folder

log = logging.getLogger(__name__)

FORWARD_CLASS = "IPM.Schedule.Meeting.Notification.Forward"
#: What is read of an inbox item: its MIME, and what a meeting response says.
READ_FIELDS = [
    "mime_content",
    "item_class",
    "subject",
    "author",
    "message_id",
    "text_body",
    "body",
    "response_type",
    "associated_calendar_item_id",
    "proposed_start",
    "proposed_end",
]
#: What is read of the organizer's item a response is about.
MEETING_FIELDS = ["mtgd_uid", "required_attendees", "optional_attendees", "resources"]


class EwsSource:
    """A :class:`~daemon.transports.base.MailSource` over the Exchange inbox."""

    def __init__(self, conn: Connection, state: State) -> None:
        props.register()
        self.conn = conn
        self.book = SyncBook(state)
        self._synced_at = -float("inf")  # time.monotonic() of the last sync

    # -- MailSource ------------------------------------------------------------------------
    def fetch(self, limit: int = 100) -> list[FetchedMessage]:
        """Sync the inbox, then up to ``limit`` unacknowledged messages, oldest first.

        Raises:
            TransientError: Exchange cannot be reached, throttles beyond ``max_wait``, or
                the connection dropped (nothing is lost: see the module docstring).
            PermanentError: Exchange refused the login.
        """
        with translated("fetch", login_permanent=True):
            self._sync()
            out: list[FetchedMessage] = []
            pending = self.book.pending()
            for start in range(0, len(pending), self.conn.cfg.page_size):
                if len(out) >= limit:
                    break
                out += self._read(pending[start : start + self.conn.cfg.page_size])
        log.info("ews: fetched %d message(s), %d pending", len(out), len(self.book.pending()))
        return out[:limit]

    def ack(self, source_key: str) -> None:
        """Mark the item read and move it to the processed folder. A key that is not
        pending (acknowledged before, or never fetched) is a no-op.

        Raises:
            TransientError, PermanentError: as :meth:`fetch`.
        """
        if source_key not in self.book.pending():
            log.info("ews: ack of %s: not pending (acknowledged before); nothing to do", source_key)
            return
        with translated(f"ack {source_key}", login_permanent=True):
            self._file(source_key)

    def wait(self, timeout: float) -> bool:
        """Up to ``timeout`` seconds for new mail: True as soon as unacknowledged mail is
        known (at once if some is), False at the timeout; True also when Exchange cannot
        be asked now (the fetch that follows says why). The inbox is synced at most every
        ``poll_seconds``, however the caller slices its waiting."""
        deadline = time.monotonic() + max(timeout, 0)
        while True:
            if self.book.pending():
                return True
            now = time.monotonic()
            if now - self._synced_at >= self.conn.cfg.poll_seconds:
                try:
                    with translated("wait", login_permanent=True):
                        self._sync()
                except (TransientError, PermanentError):
                    return True
                if self.book.pending():
                    return True
                now = time.monotonic()
            next_sync = self._synced_at + self.conn.cfg.poll_seconds
            if now >= deadline:
                return False
            time.sleep(max(min(deadline, next_sync) - now, 0.01))

    def close(self) -> None:
        """Close the shared connection's sessions."""
        self.conn.close()

    # -- internals -------------------------------------------------------------------------
    def _sync(self) -> None:
        pending = self.book.pending()

        def on_change(kind: str, item: Any) -> None:
            if kind == "create" and item.id not in pending:
                pending.append(item.id)
            elif kind == "delete" and item.id in pending:
                pending.remove(item.id)

        sync_folder(
            self.conn.account.inbox,
            self.book,
            "inbox",
            only_fields=["item_class"],
            page_size=self.conn.cfg.page_size,
            on_change=on_change,
            before_store=lambda: self.book.set_pending(pending),
        )
        self._synced_at = time.monotonic()

    def _read(self, ids: list[str]) -> list[FetchedMessage]:
        account = self.conn.account
        out = []
        found = list(account.fetch(ids=[ItemId(id=i) for i in ids], only_fields=READ_FIELDS))
        if len(found) != len(ids):
            raise TransientError(f"ews: GetItem answered {len(found)} of {len(ids)} items")
        for item_id, item in zip(ids, found, strict=True):
            if isinstance(item, ErrorItemNotFound):
                log.info("ews: %s left the inbox before it was read; dropped", item_id)
                self._forget(item_id)
                continue
            if isinstance(item, Exception):  # this item only: the others still come
                log.warning(
                    "ews: %s cannot be read now (%s); left for the next fetch", item_id, item
                )
                continue
            if self._handled_as_calendar(item):
                continue
            raw = item.mime_content
            if not raw:
                log.warning("ews: %s (%s) has no MIME content; filed", item_id, item.item_class)
                self._file(item_id)
                continue
            out.append(FetchedMessage(item_id, bytes(raw)))
        return out

    def _handled_as_calendar(self, item: Any) -> bool:
        """A meeting response or forward notification the EWS calendar takes: recorded,
        then filed. False for everything that goes on as mail."""
        if not self.conn.calendar_attached or not isinstance(item, BaseMeetingItem):
            return False
        if str(item.item_class or "").startswith(FORWARD_CLASS):
            return self._forward(item)
        if not isinstance(item, MeetingResponse):
            return False
        meeting = self._meeting_of(item)
        sender = str(item.author.email_address if item.author else "")
        booking = answers.room_answer(meeting, sender)
        if booking is not None and meeting is not None:  # the room's booking, no answer
            level = logging.WARNING if booking == "DECLINED" else logging.INFO
            log.log(level, "ews: room %s answered %s for %s", sender, booking, meeting.mtgd_uid)
            self._file(item.id)
            return True
        answer = answers.from_response(item, meeting, clock.now())
        if answer is None:
            return False  # not one of ours: read as mail (its iTIP part)
        if self.book.add_answer(answer, clock.now()):
            log.info(
                "ews: %s answered %s (%s)%s",
                answer.attendee,
                answer.partstat,
                answer.uid,
                " with a new time" if answer.proposed_start else "",
            )
        self._file(item.id)
        return True

    def _forward(self, note: Any) -> bool:
        """Record the forward notices of ``note`` and file it; False (read as mail) when it
        is not about one of our meetings."""
        meeting = self._meeting_of(note)
        uid = getattr(meeting, "mtgd_uid", None) if meeting is not None else None
        if not uid:
            log.info("ews: forward notification %s is not about our meetings", note.message_id)
            return False
        now = clock.now()
        written = self.book.written(str(uid))
        known = self.book.forwarded(str(uid)) | (written or set())
        notices = [
            n
            for n in answers.forward_notices(note, meeting, written, now)
            if n.attendee not in known
        ]
        for notice in notices:
            self.book.add_forwarded(notice.uid, notice.attendee)
            if self.book.add_answer(notice, now):
                log.info(
                    "ews: %s forwarded %s to %s", notice.forwarded_by, notice.uid, notice.attendee
                )
        if not notices:
            log.info("ews: forward notification %s names nobody new; filed", note.message_id)
        self._file(note.id)
        return True

    def _meeting_of(self, response: Any) -> Any | None:
        """The organizer's item a response is about, read fresh; None if gone."""
        ref = response.associated_calendar_item_id
        if ref is None:
            return None
        [meeting] = self.conn.account.fetch(ids=[ItemId(id=ref.id)], only_fields=MEETING_FIELDS)
        return None if isinstance(meeting, Exception) else meeting

    def _file(self, item_id: str) -> None:
        account = self.conn.account
        [item] = account.fetch(ids=[ItemId(id=item_id)], only_fields=["is_read"])
        if isinstance(item, ErrorItemNotFound):
            log.info("ews: %s is not in the inbox any more (acknowledged before)", item_id)
        elif isinstance(item, Exception):
            raise item
        else:
            if not item.is_read:
                item.is_read = True
                item.save(update_fields=["is_read"])
            item.move(self.conn.processed_folder())
            log.info("ews: %s read and moved to %s", item_id, self.conn.cfg.processed_folder)
        self._forget(item_id)

    def _forget(self, item_id: str) -> None:
        self.book.set_pending([p for p in self.book.pending() if p != item_id])
