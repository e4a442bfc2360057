"""Questions about a meeting's people: roles, departments, who answered, who is covered."""

from __future__ import annotations

from daemon.domain.directory import Directory
from daemon.domain.model import MeetingFile, Participant, Role

ANSWERED = {"ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED"}


def with_role(file: MeetingFile, *roles: Role) -> list[str]:
    """Addresses of the participants having one of ``roles``, in invitation order."""
    return [p.address for p in file.participants if p.role in roles]


def everyone(file: MeetingFile) -> list[str]:
    """Every attendee: host, recorder, core, observers and proxies."""
    return [p.address for p in file.participants]


def add_participant(
    file: MeetingFile,
    address: str,
    role: Role,
    directory: Directory,
    delegate_of: str | None = None,
    name: str | None = None,
) -> Participant:
    """Add ``address`` with ``role`` unless present (a present person keeps the stronger
    role: host > recorder > core > proxy > observer). Returns the participant."""
    address = address.lower()
    existing = file.person(address)
    if existing is not None:
        if _RANK[role] > _RANK[existing.role]:
            existing.role = role
        if delegate_of and existing.delegate_of is None and existing.role == "proxy":
            existing.delegate_of = delegate_of
        return existing
    person = Participant(
        address,
        role,
        directory.name_of(address) or name,
        directory.department_of(address),
        delegate_of,
    )
    file.participants.append(person)
    return person


_RANK: dict[Role, int] = {"observer": 0, "proxy": 1, "core": 2, "recorder": 3, "host": 4}


def department_key(file: MeetingFile, address: str, directory: Directory) -> str:
    """The department a person speaks for (their own address when none is known)."""
    person = file.person(address)
    return (person.department if person else None) or directory.department_of(address) or address


def core_departments(file: MeetingFile, directory: Directory) -> dict[str, list[str]]:
    """Department → its core participants' addresses (topics are asked per department)."""
    out: dict[str, list[str]] = {}
    for address in with_role(file, "core"):
        out.setdefault(department_key(file, address, directory), []).append(address)
    return out


def unanswered(file: MeetingFile) -> list[str]:
    """Attendees with no calendar response or plain reply yet."""
    answered = {r.address for r in file.rsvps if r.partstat in ANSWERED}
    return [a for a in everyone(file) if a not in answered]


def proxy_of(file: MeetingFile, address: str) -> str | None:
    """The last proxy in ``address``'s delegation chain (A → B → C gives C), or None."""
    seen = {address}
    current = address
    while True:
        rsvp = file.rsvp(current)
        if rsvp is None or not rsvp.delegate or rsvp.delegate in seen:
            return None if current == address else current
        seen.add(rsvp.delegate)
        current = rsvp.delegate


def is_covered(file: MeetingFile, address: str) -> bool:
    """True if ``address`` comes, or someone in their proxy chain accepted."""
    seen: set[str] = set()
    current: str | None = address
    while current and current not in seen:
        seen.add(current)
        rsvp = file.rsvp(current)
        if rsvp is None:
            return False
        if rsvp.partstat in ("ACCEPTED", "TENTATIVE"):
            return True
        current = rsvp.delegate
    return False


def delegated_to(file: MeetingFile, address: str) -> list[str]:
    """Whom ``address`` delegated to (RFC 5545 DELEGATED-TO): from their answer, else from
    proxies recorded with ``delegate_of``."""
    rsvp = file.rsvp(address)
    if rsvp is not None and rsvp.delegate and rsvp.partstat in ("DECLINED", "DELEGATED"):
        return [rsvp.delegate]
    return [p.address for p in file.participants if p.delegate_of == address]


def delegated_from(file: MeetingFile, address: str) -> list[str]:
    """Everyone who delegated to ``address`` (RFC 5545 DELEGATED-FROM); a proxy may stand
    in for several people."""
    found = [a for a in (p.address for p in file.participants) if address in delegated_to(file, a)]
    return found
