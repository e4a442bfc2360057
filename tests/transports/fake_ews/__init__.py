"""A fake Exchange 2016 EWS endpoint that real exchangelib can talk to.

* :mod:`.server` - :class:`FakeEwsServer` (HTTP on loopback, Basic auth, fault injection);
* :mod:`.mailbox` - the in-memory mailbox and helpers that play the other people;
* :mod:`.operations` - one handler per SOAP operation;
* :mod:`.codec` - items to and from EWS XML, driven by one field table;
* :mod:`.soap` - envelope, fault and namespace helpers;
* :mod:`.fixture` - the ``ews_server`` pytest fixture and :func:`~.fixture.make_account`.
"""

from .mailbox import Address, Attendee, CalendarItem, Mailbox, MeetingResponse, Message
from .server import DEFAULT_PASSWORD, DEFAULT_USER, FakeEwsServer, Fault

__all__ = [
    "DEFAULT_PASSWORD",
    "DEFAULT_USER",
    "Address",
    "Attendee",
    "CalendarItem",
    "FakeEwsServer",
    "Fault",
    "Mailbox",
    "MeetingResponse",
    "Message",
]
