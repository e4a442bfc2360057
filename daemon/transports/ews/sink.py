"""The EWS mail sink: each mail is sent from its own MIME with ``send_and_save`` (a copy in
Sent Items), carrying our Message-ID and headers.

Once and only once: before sending, Sent Items is searched for the Message-ID (or the
``mtgd_message_id`` extended property, in case Exchange replaced the header); a mail found
there is not sent again. So a retry after a dropped connection, a 503 or throttling in the
middle of a send (the server may have sent it before the answer was lost) sends nothing
twice, and :meth:`EwsSink.find_sent` settles a mail a crash left ``sending``.
"""

from __future__ import annotations

import email.policy
import email.utils
import logging
from email.parser import BytesHeaderParser

from exchangelib import Mailbox, Message, Q  # type: ignore[import-untyped]

from daemon.transports.base import OutgoingMail
from daemon.transports.ews import props
from daemon.transports.ews.account import Connection
from daemon.transports.ews.errors import translated

log = logging.getLogger(__name__)


class EwsSink:
    """A :class:`~daemon.transports.base.MailSink` through one Exchange mailbox."""

    def __init__(self, conn: Connection) -> None:
        props.register()
        self.conn = conn

    def send(self, mail: OutgoingMail) -> None:
        """Send ``mail`` unless Sent Items holds it already.

        Raises:
            TransientError: Exchange cannot be reached, throttles, or refused the login.
            PermanentError: Exchange refused the mail (e.g. an invalid recipient).
        """
        with translated(f"send {mail.message_id}"):
            if self._in_sent(mail.message_id):
                log.info("ews: %s is in Sent Items already, not sent again", mail.message_id)
                return
            account = self.conn.account
            msg = Message(
                account=account,
                folder=account.sent,
                mime_content=mail.raw,
                mtgd_message_id=mail.message_id,
            )
            hidden = blind_recipients(mail)
            if hidden:
                msg.bcc_recipients = [Mailbox(email_address=a) for a in hidden]
            msg.send_and_save()
        log.info("ews: sent %s to %s", mail.message_id, ", ".join(mail.recipients))

    def find_sent(self, message_id: str) -> bool | None:
        """True if Sent Items holds a mail with this Message-ID (header or our property),
        else False (never None: Sent Items is authoritative).

        Raises:
            TransientError, PermanentError: the question cannot be asked now.
        """
        with translated(f"find_sent {message_id}"):
            return self._in_sent(message_id)

    def _in_sent(self, message_id: str) -> bool:
        sent = self.conn.account.sent
        query = Q(message_id=message_id) | Q(mtgd_message_id=message_id)
        return bool(sent.filter(query).count())

    def close(self) -> None:
        """Close the shared connection's sessions."""
        self.conn.close()


def blind_recipients(mail: OutgoingMail) -> list[str]:
    """The envelope recipients that no To/Cc header names (Bcc: Exchange sends to the
    header addresses of the MIME, so these are given as ``BccRecipients``)."""
    headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(mail.raw)
    listed = {
        address.lower()
        for _name, address in email.utils.getaddresses(
            [str(v) for h in ("To", "Cc") for v in headers.get_all(h, [])]
        )
    }
    return [r for r in mail.recipients if r.lower() not in listed]
