"""Read a reply as the answer to the question our mail asked (see
:mod:`daemon.domain.questions`).

The reply is read in the question's own terms first: a reply to ``proxy_request`` that
says only "李娜 li.na@example.com" names the proxy; a reply to ``owner_question`` that
says only "张三" names the owner of the one item asked about; "维持原时间" answers a
``counter_proposal``. What the reader cannot place is left out of the :class:`Answer`
(never guessed): :mod:`daemon.domain.answering` then asks again, quoting the question.

Input is the :class:`~daemon.domain.messages.Inspection` of the reply (its ``fresh_text``:
quotes and signature already stripped). Never raises on any text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from daemon.domain import questions
from daemon.domain.events import Incoming
from daemon.domain.messages import Inspection
from daemon.domain.model import MeetingFile, Question
from daemon.domain.problems import problem
from daemon.domain.questions import Answer
from daemon.inbound.parse.agenda_edit import parse_agenda_edits
from daemon.inbound.parse.commands import parse_command
from daemon.inbound.parse.minutes import parse_minutes
from daemon.inbound.parse.request import REQUEST_LABELS, parse_request
from daemon.inbound.parse.topics import TOPIC_LABELS, parse_topics
from daemon.inbound.phrases import Phrases
from daemon.inbound.phrases.answers import (
    AGREE_PHRASES,
    CANCEL_MEETING_PHRASES,
    CONFIRM_WORD,
    HOLD_PHRASES,
    KEEP_TIME_PHRASES,
    LEAVE_TOPIC_PHRASES,
    OPINION_LABEL_LINE,
    PROXY_LABEL_LINE,
    REFUSE_PHRASES,
    TAKE_TOPIC_PHRASES,
    THANKS_LINE,
    UNDECIDED_PHRASES,
)
from daemon.inbound.phrases.letter import GREETING_START

log = logging.getLogger(__name__)

_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_CJK_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_EN_NAME = re.compile(r"^[A-Z][a-z]+(?:[ .][A-Z][a-z]+){1,2}$")
_ITEM = re.compile(r"(?<![A-Za-z])(?:A\s*-?\s*|a-)(?P<k>\d{1,3})(?!\d)")
_OWNER_OF = re.compile(
    r"^(?:的)?\s*(?:负责人|負責人|owner)?\s*(?:是|为|為|[:：=]|is|->|→)?\s*(?P<v>.+?)\s*"
    r"(?:负责|負責)?\s*[。.]?$",
    re.I,
)
_OWNER_BY = re.compile(r"^(?:由|by)\s*(?P<v>.+?)\s*(?:负责|負責|处理|處理)?\s*[。.]?$", re.I)
_OWNER_LABEL = re.compile(r"^\s*(?:负责人|負責人|owner)\s*[:：]\s*(?P<v>.+)$", re.I)


def _confirms(line: str) -> bool:
    """True when ``line`` says nothing but a confirmation ("确认，可以发送。", "OK, send it")."""
    if not CONFIRM_WORD.search(line):
        return False
    rest = CONFIRM_WORD.pattern.sub("", line)
    return not re.sub(r"[\s,，.。!！~、;；:：]+", "", rest)


def _greeting_only(line: str) -> bool:
    m = GREETING_START.pattern.match(line)
    return m is not None and not line[m.end() :].strip(" ,，:：!！。.")


def substance(fresh: str) -> list[str]:
    """The lines of ``fresh`` that say something: greetings ("王总好，", "Hi Li,") and thanks
    ("谢谢！", "Thanks") dropped, whitespace trimmed."""
    lines = []
    for line in fresh.splitlines():
        line = line.strip()
        if line and not _greeting_only(line) and not THANKS_LINE.search(line):
            lines.append(line)
    return lines


def attach_answer(inc: Incoming, file: MeetingFile, question_id: int | None) -> None:
    """When ``inc`` answers an open question of ``file`` (the one our mail carried, see
    :func:`daemon.domain.questions.answered_by`), set ``inc.question_id`` and read
    ``inc.answer``."""
    q = questions.answered_by(file, question_id, inc.sender, inc.msg.kind)
    if q is not None:
        inc.question_id, inc.answer = q.id, read_answer(q, inc.msg)
        log.info("%s read as the answer to question %s (%s)", inc.key, q.id, q.kind)


def read_answer(q: Question, msg: Inspection) -> Answer:
    """What ``msg`` says as the answer to question ``q`` (empty when nothing fits)."""
    reader = _READERS.get(q.kind)
    answer = Answer(q.kind)
    if reader is not None:
        try:
            reader(q, msg, answer)
        except Exception as exc:  # noqa: BLE001 - a reader bug must not lose the mail
            answer = Answer(
                q.kind, problems=[problem("answer_unreadable", error=type(exc).__name__)]
            )
    return answer


# ----------------------------------------------------------------- proxy and written input
def _proxy(q: Question, msg: Inspection, a: Answer) -> None:
    sender = (msg.sender or "").lower()
    reply = msg.rsvp
    if reply is not None and reply.partstat in ("ACCEPTED", "TENTATIVE"):
        return  # they changed their answer: an RSVP, not a proxy
    if reply is not None:
        if reply.delegate:
            a.values["delegate"] = reply.delegate.lower()
        if reply.delegate_name:
            a.values["delegate_name"] = reply.delegate_name
        if reply.written_opinion:
            a.values["written_opinion"] = reply.written_opinion
    lines = substance(msg.fresh_text)
    rest: list[str] = []
    opinion: list[str] = []
    in_opinion = False
    for line in lines:
        if (m := OPINION_LABEL_LINE.pattern.match(line)) is not None:
            in_opinion = True
            if m.group("v").strip():
                opinion.append(m.group("v").strip())
            continue
        if in_opinion and not PROXY_LABEL_LINE.pattern.match(line):
            opinion.append(line)
            continue
        in_opinion = False
        label = PROXY_LABEL_LINE.pattern.match(line)
        value = label.group("v").strip() if label else line
        if "delegate" not in a.values and "delegate_name" not in a.values:
            name, address = _person(value, sender)
            if address or name:
                if address:
                    a.values["delegate"] = address
                if name:
                    a.values["delegate_name"] = name
                continue
        if not label:
            rest.append(line)
    if opinion:
        a.values["written_opinion"] = "\n".join(opinion)
    elif _rest_is_opinion(q, a, rest):
        a.values["written_opinion"] = "\n".join(rest)


def _rest_is_opinion(q: Question, a: Answer, rest: list[str]) -> bool:
    """Unlabelled text is the written input only when that is what is still asked for and
    the proxy is settled (named now, or not asked), and it is not a hedge or a bare
    decline."""
    proxy_settled = (
        "delegate" not in q.wanted or "delegate" in a.values or ("delegate_name" in a.values)
    )
    return (
        "written_opinion" in q.wanted
        and "written_opinion" not in a.values
        and bool(rest)
        and proxy_settled
        and not _looks_like_rsvp_only(rest)
        and not any(UNDECIDED_PHRASES.search(line) for line in rest)
    )


def _looks_like_rsvp_only(lines: list[str]) -> bool:
    text = " ".join(lines)
    return len(text) <= 12 and bool(
        re.search(r"不参加|不參加|无法参加|無法參加|decline|can'?t attend|not attend", text, re.I)
    )


def _person(value: str, sender: str) -> tuple[str | None, str | None]:
    """(name, address) when ``value`` is just a person: "李娜 li.na@x", "<li.na@x>", "李娜",
    "Sara Ortiz"; (None, None) otherwise (a sentence is not a name)."""
    value = value.strip().strip("。.;；,，")
    found = [x.lower() for x in _EMAIL.findall(value) if x.lower() != sender]
    remainder = _EMAIL.sub(" ", value)
    remainder = re.sub(r"[<>()（）\[\]【】\"'“”,，;；:：]", " ", remainder)
    remainder = re.sub(r"\s+", " ", remainder).strip()
    remainder = re.sub(r"^(?:由|请|請|让|讓|委托|委託)", "", remainder).strip()
    remainder = re.sub(
        r"(?:代为参加|代為參加|代我参加|代我參加|替我参加|替我參加|参加|參加|出席|"
        r"will attend(?: for me| on my behalf| in my place)?|instead)$",
        "",
        remainder,
    ).strip()
    name = remainder if _CJK_NAME.match(remainder) or _EN_NAME.match(remainder) else None
    if len(found) == 1 and (name or not remainder):
        return name, found[0]
    if not found and name:
        return name, None
    return None, None


# ----------------------------------------------------------------- owners of action items
def _owner(q: Question, msg: Inspection, a: Answer) -> None:
    asked = [k for k in q.about.split(",") if k.startswith("A-")]
    for line in substance(msg.fresh_text):
        found = list(_ITEM.finditer(line))
        items = [f"A-{int(m.group('k'))}" for m in found]
        if len(items) == 1 and items[0] in asked:
            tail, head = line[found[0].end() :].strip(), line[: found[0].start()].strip()
            value = _owner_value(tail) or _owner_value_before(head)
            if value:
                a.values[items[0]] = value
            else:
                a.problems.append(problem("owner_unreadable", item=items[0]))
        elif not items and len(asked) == 1 and asked[0] not in a.values:
            label = _OWNER_LABEL.match(line)
            value = label.group("v").strip() if label else line
            name, address = _person(value, "")
            by = _OWNER_BY.match(value)
            if address or name:
                a.values[asked[0]] = address or name or ""
            elif by and _person(by.group("v"), "")[0]:
                a.values[asked[0]] = by.group("v").strip()
            elif _department_like(value):
                a.values[asked[0]] = value.strip("。.")


def _owner_value(tail: str) -> str | None:
    tail = tail.strip(" ：:，,")
    by = _OWNER_BY.match(tail)
    m = by or _OWNER_OF.match(tail)
    if m is None:
        return None
    value = m.group("v").strip()
    name, address = _person(value, "")
    if address or name:
        return address or name
    return value if _department_like(value) else None


def _owner_value_before(head: str) -> str | None:
    """ "张三负责 A-3" / "张三：A-3"."""
    head = re.sub(r"(?:负责|負責|来做|來做|跟进|跟進|owns|takes)\s*$", "", head).strip(" ：:，,")
    name, address = _person(head, "")
    return address or name


def _department_like(value: str) -> bool:
    return bool(re.fullmatch(r"[\u4e00-\u9fff]{1,10}(?:部|中心|组|組|处|處|科|室)", value.strip()))


# ----------------------------------------------------------------- request and goal fields
_REQUEST_LABEL_OF = {
    "title": "会议主题",
    "core_problem": "核心问题",
    "expected_outcome": "期望成果",
    "time": "时间",
    "start": "时间",
    "duration": "时长",
    "location": "地点",
    "host": "主持人",
    "recorder": "记录人",
    "participants": "参会人",
}


def _request(q: Question, msg: Inspection, a: Answer) -> None:
    wanted = ["expected_outcome"] if q.kind == "goal" else list(q.wanted)
    lines = substance(msg.fresh_text)
    labelled = any(REQUEST_LABELS.match(line) for line in lines)
    text = "\n".join(lines)
    if not labelled and lines:
        plain = [w for w in wanted if not w.startswith("participant:")]
        if len(plain) == 1 and plain[0] in _REQUEST_LABEL_OF:
            text = f"{_REQUEST_LABEL_OF[plain[0]]}：" + " ".join(lines)
        else:
            return
    ref = msg.date
    if ref is None:
        return
    problems: list[str] = []
    form = parse_request("", text, ref, problems)
    a.problems += problems
    a.form = form
    for name in ("title", "core_problem", "expected_outcome", "location", "host", "recorder"):
        value = getattr(form, name)
        if value:
            a.values[name] = value
    if form.start is not None:
        a.values["start"] = form.start.isoformat()
    if form.participants or form.unresolved_names:
        a.values["invitees"] = ", ".join(form.participants + form.unresolved_names)


# ----------------------------------------------------------------- topic fields
_TOPIC_LABEL_OF = {
    "title": "议题",
    "background": "背景",
    "pain_point": "痛点",
    "expected_outcome": "期望成果",
}


def _topic(q: Question, msg: Inspection, a: Answer) -> None:
    lines = substance(msg.fresh_text)
    if not lines:
        return
    labelled = any(TOPIC_LABELS.match(line) for line in lines)
    text = "\n".join(lines)
    if not labelled:
        if len(q.wanted) == 1 and "," not in q.about and q.wanted[0] in _TOPIC_LABEL_OF:
            text = f"{_TOPIC_LABEL_OF[q.wanted[0]]}：" + " ".join(lines)
        else:
            return
    found = parse_topics(text)
    if len(found) != 1 and "," not in q.about:
        found = found[:1]
    for topic in found:
        for name in ("title", "background", "pain_point", "expected_outcome"):
            value = getattr(topic, name)
            if value and name in q.wanted:
                a.values[name] = value
        break


# ----------------------------------------------------------------- choices
def _move(msg: Inspection, a: Answer) -> bool:
    if msg.date is None:
        return False
    command = parse_command(msg.fresh_text, msg.date, a.problems)
    if command is not None and command.verb == "reschedule" and command.start is not None:
        a.decision = "move"
        a.start = command.start
        a.duration_minutes = command.duration_minutes
        return True
    return False


def _first_line_choice(msg: Inspection, order: list[tuple[str, Phrases]]) -> str | None:
    for line in substance(msg.fresh_text):
        if UNDECIDED_PHRASES.search(line):
            return None
        for decision, pattern in order:
            if pattern.search(line):
                return decision
    return None


def _counter(q: Question, msg: Inspection, a: Answer) -> None:
    if _move(msg, a):
        return
    a.decision = _first_line_choice(
        msg, [("keep", KEEP_TIME_PHRASES), ("keep", REFUSE_PHRASES), ("accept", AGREE_PHRASES)]
    )


def _late_topic(q: Question, msg: Inspection, a: Answer) -> None:
    choice = _first_line_choice(
        msg, [("exclude", LEAVE_TOPIC_PHRASES), ("include", TAKE_TOPIC_PHRASES)]
    )
    a.decision = choice


def _empty_agenda(q: Question, msg: Inspection, a: Answer) -> None:
    if _move(msg, a):
        return
    a.decision = _first_line_choice(
        msg, [("cancel", CANCEL_MEETING_PHRASES), ("hold", HOLD_PHRASES)]
    )


def _minutes_confirm(q: Question, msg: Inspection, a: Answer) -> None:
    doc = msg.minutes
    if doc is None and msg.date is not None:
        doc = parse_minutes(msg.fresh_text, msg.date.date())
    if doc is not None and (doc.decisions or doc.action_items or doc.risks):
        a.decision = "correct"
        a.minutes = doc
        return
    lines = substance(msg.fresh_text)
    if lines and _confirms(lines[0]) and not UNDECIDED_PHRASES.search(lines[0]):
        a.decision = "confirm"


def _agenda(q: Question, msg: Inspection, a: Answer) -> None:
    lines = _without_intro_and_name(substance(msg.fresh_text), msg.sender_name)
    edits, unread = parse_agenda_edits(lines)
    if unread:
        a.problems += [problem("agenda_line_unread", line=line) for line in unread]
    elif edits:
        a.edits = edits
    elif lines and _confirms(lines[0]) and len(lines) <= 2:
        a.decision = "keep"  # "好的" / "OK": the agenda stays as it is


def _without_intro_and_name(lines: list[str], sender_name: str | None) -> list[str]:
    """``lines`` without an introduction ("收到，调整两处：", "Two changes:") and without a
    closing line that is only the sender's name (a signature the reader left)."""
    out = [line for line in lines if not re.search(r"[:：]\s*$", line)]
    if out and (out[-1] == (sender_name or "").strip() or _CJK_NAME.match(out[-1])):
        out = out[:-1]
    return out


_READERS: dict[str, Callable[[Question, Inspection, Answer], None]] = {
    "proxy": _proxy,
    "owner": _owner,
    "goal": _request,
    "request_fields": _request,
    "topic_fields": _topic,
    "counter": _counter,
    "late_topic": _late_topic,
    "empty_agenda": _empty_agenda,
    "minutes_confirm": _minutes_confirm,
    "agenda": _agenda,
}
