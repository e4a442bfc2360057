"""Who may change what: one table, enforced by the rules for every state change.

A mail (or a CLI command) that asks for a change is checked against :data:`TABLE` before
anything is touched. A sender who holds none of the listed roles changes nothing: the rules
log the refusal and answer with one polite ``change_refused`` mail that names who may make
the change (subject to the reply policy of :mod:`daemon.domain.replies`). ``docs/security.md``
documents the same table.

Pure: the roles are read from the :class:`~daemon.domain.model.MeetingFile` and the
:class:`~daemon.domain.directory.Directory`; nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from daemon.domain.directory import Directory
from daemon.domain.model import MeetingFile
from daemon.domain.roster import core_departments


class Change(StrEnum):
    """A state change somebody may ask for."""

    APPROVE = "approve"  # approve or reject a meeting request
    RESCHEDULE = "reschedule"  # move the meeting
    CANCEL = "cancel"  # cancel the meeting
    LATE_TOPIC = "late_topic"  # take or leave a topic sent after the topic deadline
    AGENDA = "agenda"  # change the agenda
    REQUEST_FORM = "request_form"  # a request form for an existing meeting
    TOPICS = "topics"  # submit agenda topics
    MATERIALS = "materials"  # send background material
    RSVP = "rsvp"  # answer an invitation (calendar response or plain reply)
    FORWARD = "forward"  # forward one's invitation (the calendar backend's notice of it)
    MINUTES = "minutes"  # send or correct the minutes
    ACTION_UPDATE = "action_update"  # report on an action item
    ADMIN = "admin"  # operations (replay, reassign by hand): the command line only


class Who(StrEnum):
    """A role a sender can hold with respect to one meeting (and one change)."""

    OPERATOR = "operator"  # the command line (`meetingd approve …`), never a mail
    HOST = "host"
    REQUESTER = "requester"
    RECORDER = "recorder"
    CORE = "core"  # a core participant (核心参会人)
    MEMBER = "member"  # a member of a core participant's department
    PROXY = "proxy"  # a proxy (代理人) named by a decliner
    SELF = "self"  # the attendee the answer (or forward) is about, writing themself
    OWNER = "owner"  # the owner of the action item


# The table. The operator may make every change; a mail's sender needs one of the roles.
TABLE: dict[Change, tuple[Who, ...]] = {
    Change.APPROVE: (Who.HOST,),
    Change.RESCHEDULE: (Who.HOST,),
    Change.CANCEL: (Who.HOST,),
    Change.LATE_TOPIC: (Who.HOST,),
    Change.AGENDA: (Who.HOST,),
    Change.REQUEST_FORM: (Who.REQUESTER,),
    Change.TOPICS: (Who.HOST, Who.RECORDER, Who.CORE, Who.MEMBER, Who.PROXY),
    Change.MATERIALS: (Who.HOST, Who.RECORDER, Who.CORE, Who.MEMBER, Who.PROXY),
    Change.RSVP: (Who.SELF,),
    Change.FORWARD: (Who.SELF,),
    Change.MINUTES: (Who.RECORDER, Who.HOST),
    Change.ACTION_UPDATE: (Who.OWNER, Who.HOST),
    Change.ADMIN: (),
}


@dataclass(frozen=True)
class Refusal:
    """Why ``actor`` may not make ``change``: ``allowed`` are the roles that may, in the
    table's order; ``about`` names what the change was about (an attendee's address for an
    RSVP, ``A-k`` for an action item), or None."""

    change: Change
    actor: str
    allowed: tuple[Who, ...]
    about: str | None = None

    def log_line(self, ref: str) -> str:
        """One line for the event log and the operator's log."""
        who = ", ".join(self.allowed) or "the operator (command line)"
        about = f" ({self.about})" if self.about else ""
        return f"{ref}: refused {self.change}{about} from {self.actor}: only {who} may"


def roles_of(
    actor: str,
    file: MeetingFile,
    directory: Directory,
    *,
    attendee: str | None = None,
    owner: str | None = None,
) -> set[Who]:
    """Every role ``actor`` (a lower-case address, or ``"operator"``) holds in ``file``.

    Args:
        attendee: for an RSVP, the attendee the answer is about; for a forward, the
            attendee who forwarded (``SELF`` when it is the actor).
        owner: for an action update, the item's owner (``OWNER`` when it is the actor).
    """
    if actor == Who.OPERATOR:
        return {Who.OPERATOR}
    m = file.meeting
    roles: set[Who] = set()
    if actor == m.host:
        roles.add(Who.HOST)
    if actor == m.requester:
        roles.add(Who.REQUESTER)
    if actor == m.recorder:
        roles.add(Who.RECORDER)
    person = file.person(actor)
    if person is not None and person.role == "core":
        roles.add(Who.CORE)
    if person is not None and person.role == "proxy":
        roles.add(Who.PROXY)
    department = directory.department_of(actor)
    if department is not None and department in core_departments(file, directory):
        roles.add(Who.MEMBER)
    if attendee is not None and attendee == actor:
        roles.add(Who.SELF)
    if owner is not None and owner == actor:
        roles.add(Who.OWNER)
    return roles


def check(
    change: Change,
    actor: str,
    file: MeetingFile,
    directory: Directory,
    *,
    attendee: str | None = None,
    owner: str | None = None,
    about: str | None = None,
) -> Refusal | None:
    """None when ``actor`` may make ``change`` to ``file``; else the :class:`Refusal`.

    The operator (``actor == "operator"``) may make every change. ``attendee`` and ``owner``
    are as in :func:`roles_of`; ``about`` is carried into the refusal for the log and mail.
    """
    roles = roles_of(actor, file, directory, attendee=attendee, owner=owner)
    if Who.OPERATOR in roles or roles.intersection(TABLE[change]):
        return None
    return Refusal(change, actor, TABLE[change], about)
