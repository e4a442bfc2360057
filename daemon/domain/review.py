"""The review meeting (复盘会议) as a meeting of its own (PROCESS.md §3, last row).

When its invite falls due, the meeting spawns a new ``MTG-n`` that records the meeting it
reviews (``review_of``); the reviewed meeting records it back (``review_number``). The
review has its own iCalendar UID, RSVPs, proxies and deadlines (no call for topics: its
agenda is the action items), and it invites the host, the recorder and every owner. A
reply to it links to it alone, so it never touches the reviewed meeting.

Pure: the service allocates the number (:class:`Effects.spawn_review`).
"""

from __future__ import annotations

import dataclasses
import hashlib

from daemon.domain.context import RuleContext
from daemon.domain.effects import Effects, Outgoing
from daemon.domain.followup import review_extra
from daemon.domain.model import Meeting, MeetingFile, Role
from daemon.domain.roster import add_participant, everyone
from daemon.domain.timed import review_window


def open_review(
    number: int, reviewed: MeetingFile, ctx: RuleContext
) -> tuple[MeetingFile, Effects]:
    """Open review meeting ``number`` of ``reviewed`` and invite its people.

    Returns the new file and its effects (``review_invite`` with a calendar REQUEST of its
    own UID to the host, the recorder and the owners of live action items).
    """
    m = reviewed.meeting
    start, end = review_window(reviewed, ctx)
    seed = f"{number}:{m.uid}:review".encode()
    domain = ctx.daemon_address.rpartition("@")[2] or "meetingd.local"
    meeting = Meeting(
        number=number,
        title=("复盘：" if m.lang == "zh" else "Review: ") + m.title,
        status="scheduled",
        requester=m.host or m.requester,
        lang=m.lang,
        expected_outcome=m.expected_outcome,
        start_utc=start,
        end_utc=end,
        location=m.location,
        host=m.host,
        recorder=m.recorder,
        uid=f"meetingd-{number}-{hashlib.sha256(seed).hexdigest()[:12]}@{domain}",
        review_of=m.number,
        created_utc=ctx.now,
        approved_utc=ctx.now,
    )
    file = MeetingFile(meeting)
    owners = sorted({a.owner for a in reviewed.actions if a.owner and a.status != "cancelled"})
    people: list[tuple[str | None, Role]] = [(m.host, "host"), (m.recorder, "recorder")]
    people += [(o, "core") for o in owners]
    for address, role in people:
        if address is None or file.person(address) is not None:
            continue
        known = reviewed.person(address)
        if known is not None:  # keep the name and department the meeting knew
            file.participants.append(dataclasses.replace(known, role=role, delegate_of=None))
        else:
            add_participant(file, address, role, ctx.directory)
    file.actions = [dataclasses.replace(a) for a in reviewed.actions if a.status != "cancelled"]
    m.review_number = number
    fx = Effects()
    fx.outgoing.append(
        Outgoing(
            "review_invite",
            everyone(file),
            calendar="REQUEST",
            extra=review_extra(reviewed, ctx),
        )
    )
    fx.log.append(
        f"{meeting.ref}: review of {m.ref} opened for {start:%Y-%m-%d %H:%M} UTC with "
        f"{len(everyone(file))} people"
    )
    return file, fx
