"""A mail queued before it is composed: the rules' intent and the mail's language.

Deadlines fire in bursts (every topic reminder of a morning at 09:30), and composing a mail
(templates, MIME, header encoding) costs several times what firing its deadline does. So
:class:`~daemon.outbound.mailer.Mailer` queues a plain mail as a :class:`Draft`, in the
transaction of the state change that caused it, with its idempotency key, Message-ID,
envelope recipients and due time fixed then; the dispatcher composes it just before it is
sent (:func:`daemon.outbound.outbox.dispatch`), from the meeting as it is at that moment,
dated when it was queued. Calendar intents are composed when queued: their snapshot carries
the mail's text; so is a mail with a template value of a type a draft cannot hold (logged).

Stored as tagged JSON (:mod:`daemon.store.tagged`) in ``outbox.draft``.
"""

from __future__ import annotations

from dataclasses import dataclass

from daemon.domain.effects import Outgoing
from daemon.store import tagged


@dataclass(frozen=True)
class Draft:
    """What composing a queued mail needs besides the meeting and the configuration.

    Attributes:
        out: the intent, its ``key`` already the full idempotency key (the Message-ID is
            made from it).
        lang: the mail's language (``zh``/``en``), chosen when it was queued.
    """

    out: Outgoing
    lang: str

    def to_text(self) -> str:
        """The draft as tagged JSON text.

        Raises:
            TypeError: a template value in ``out.extra`` that cannot be stored.
        """
        return tagged.dumps({"out": self.out, "lang": self.lang})

    @classmethod
    def from_text(cls, text: str) -> Draft:
        """The draft :meth:`to_text` wrote.

        Raises:
            ValueError: the text is not a draft (or names a type no longer there).
        """
        value = tagged.loads(text)
        out = value.get("out") if isinstance(value, dict) else None
        if not isinstance(out, Outgoing) or not isinstance(value.get("lang"), str):
            raise ValueError("not a mail draft")
        return cls(out=out, lang=value["lang"])
