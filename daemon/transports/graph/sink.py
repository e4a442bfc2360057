"""The Graph mail sink: ``POST /users/{mailbox}/sendMail`` with the MIME, base64-encoded.

Sending the daemon's own MIME (``Content-Type: text/plain``, the body base64, as in
https://learn.microsoft.com/graph/api/user-sendmail "send a message in MIME format") keeps its
Message-ID and every header; Graph files a copy in Sent Items. A mail is settled by its
Message-ID there: ``$filter=internetMessageId eq '<…>'``. Sent Items is asked before every
send (a mail found there is not sent again) and, when the connection drops during a
``sendMail`` (it may or may not have been carried out), before it is sent again. Graph files
the copy a moment after it accepts a mail, so within that moment a repeat is not caught.
"""

from __future__ import annotations

import base64
import logging
import re

from daemon.errors import PermanentError, TransientError
from daemon.transports.base import OutgoingMail
from daemon.transports.graph.events import quoted
from daemon.transports.graph.http import Ambiguous, GraphHttp
from daemon.transports.graph.settings import GraphSettings, release

log = logging.getLogger(__name__)

SEND_TRIES = 3
#: Graph refuses a request body over 4 MB (https://learn.microsoft.com/graph/api/user-sendmail).
MAX_BODY = 4 * 1024 * 1024


class GraphSink:
    """A :class:`~daemon.transports.base.MailSink` through one mailbox's ``sendMail``."""

    def __init__(self, http: GraphHttp, cfg: GraphSettings) -> None:
        self.http, self.cfg = http, cfg
        self.user = f"/users/{cfg.mailbox}"

    def send(self, mail: OutgoingMail) -> None:
        """Send ``mail`` as MIME (recipients come from its To/Cc/Bcc headers), unless Sent
        Items holds its Message-ID already.

        Raises:
            TransientError: throttled or unreachable (the outbox retries with back-off).
            PermanentError: Graph refused the mail, the permission ``Mail.Send`` is missing,
                or the mail is over Graph's 4 MB request limit.
        """
        if self.find_sent(mail.message_id):
            log.info("graph: %s is in Sent Items already; not sent again", mail.message_id)
            return
        body = base64.b64encode(re.sub(rb"\r?\n", b"\r\n", mail.raw))
        if len(body) > MAX_BODY:
            raise PermanentError(
                f"graph: {mail.message_id} is {len(mail.raw)} bytes, {len(body)} in base64: "
                "over Graph's 4 MB limit of sendMail. Fix: lower [process] max_material_bytes "
                "(about 2800000 keeps a mail with one attachment under it) so later mails "
                "fit; send this one's attachments another way."
            )
        last: Exception | None = None
        for _ in range(SEND_TRIES):
            try:
                self.http.call(
                    "POST",
                    f"{self.user}/sendMail",
                    content=body,
                    headers={"Content-Type": "text/plain"},
                    replay_safe=False,
                )
            except Ambiguous as exc:
                last = exc
                if self.find_sent(mail.message_id):
                    log.info("graph: %s went out although the answer was lost", mail.message_id)
                    return
                log.warning(
                    "graph: %s not in Sent Items after %s; sending again", mail.message_id, exc
                )
                continue
            log.info("graph: sent %s to %d recipient(s)", mail.message_id, len(mail.recipients))
            return
        raise TransientError(f"graph: {mail.message_id} not sent: {last}")

    def find_sent(self, message_id: str) -> bool | None:
        """True if Sent Items holds a message with this Message-ID, else False.

        Raises:
            TransientError, PermanentError: Graph cannot answer now.
        """
        found = self.http.call(
            "GET",
            f"{self.user}/mailFolders/sentitems/messages",
            params={
                "$filter": f"internetMessageId eq '{quoted(message_id)}'",
                "$select": "id,internetMessageId",
            },
        ).json()["value"]
        log.info("graph: %s %s in Sent Items", message_id, "found" if found else "not found")
        return bool(found)

    def close(self) -> None:
        """Release the shared client."""
        release(self.http)
