"""Parse a message with its MIME nesting bounded, so that no deep structure can recurse.

The ``email`` package's feed parser reads a nested entity (a ``multipart/*`` part, or the
message inside ``message/rfc822``) with one nested generator per level, and ``walk()``,
``get_payload()`` and the generator recurse the same way: a message nested 1,000 levels deep
raises ``RecursionError`` and 5,000 levels can exhaust the C stack. :func:`parse_bounded`
parses with the same parser and the same results, except that an entity opened deeper than
:data:`MAX_DEPTH` levels is read as one opaque ``application/octet-stream`` leaf holding its
whole content (RFC 2046 §5: its inner boundaries are then plain lines of that leaf; the
boundaries of the enclosing multiparts still end it). Such a leaf carries the header
:data:`OPAQUE_HEADER` with the content type it declared.
"""

from __future__ import annotations

from email.feedparser import BytesFeedParser
from email.message import Message
from email.policy import compat32

MAX_DEPTH = 20  # levels of nesting below the top message; deeper containers become leaves
OPAQUE_HEADER = "X-Meetingd-Opaque"


class _BoundedParser(BytesFeedParser):
    """``BytesFeedParser`` that turns entities deeper than ``MAX_DEPTH`` into opaque leaves.

    It hooks ``_parse_headers``, which the feed parser calls once per entity right after
    reading that entity's header block and before deciding from its Content-Type how to read
    the body; ``_msgstack`` then holds the entity and every entity enclosing it.
    """

    def __init__(self) -> None:
        super().__init__(policy=compat32)
        self.cut = 0  # entities read as opaque leaves

    def _parse_headers(self, lines: list[str]) -> None:
        super()._parse_headers(lines)  # type: ignore[misc]
        if len(getattr(self, "_msgstack", ())) <= MAX_DEPTH:
            return
        part: Message = self._cur  # type: ignore[attr-defined]
        declared = part.get_content_type()
        if part.get_content_maintype() not in ("multipart", "message"):
            return  # a leaf already: nothing nests below it
        del part["content-type"]
        part["Content-Type"] = "application/octet-stream"
        part[OPAQUE_HEADER] = declared
        self.cut += 1


def parse_bounded(raw: bytes) -> tuple[Message, int]:
    """Parse ``raw`` (RFC 5322 / MIME bytes) like ``email.message_from_bytes`` (compat32).

    Args:
        raw: the message's bytes.

    Returns:
        ``(message, cut)``: the parsed message, at most :data:`MAX_DEPTH` entities deep, and
        how many entities were read as opaque leaves because they were nested deeper. Never
        recurses deeper than :data:`MAX_DEPTH` levels; raises nothing the ``email`` parser
        itself does not.
    """
    parser = _BoundedParser()
    parser.feed(raw)
    msg = parser.close()
    return msg, parser.cut


def is_opaque(part: Message) -> bool:
    """True when ``part`` is an entity :func:`parse_bounded` cut off for its depth."""
    return OPAQUE_HEADER in part
