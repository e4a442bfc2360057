"""Each person reads the daemon in their own language (issue 11, item 6): the real service over
Maildirs and SQLite, a directory with zh and en people, mails read back with ``email`` and
their calendar parts with ``icalendar``, and answers written in English read as answers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest

from daemon import clock
from daemon.config import load
from daemon.service import Service
from daemon.store import meetings
from tests.mails import REQUEST_ZH, body_text, mail
from tests.system.test_service import drop, outbox

NOW = dt.datetime(2026, 9, 14, 1, 0, tzinfo=dt.UTC)  # Mon 14 Sep 2026 09:00 Shanghai
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
# What the requester wrote (REQUEST_ZH), which an en mail may quote as it was written, and
# the daemon's own name as configured ([mailbox] name, default "会议助手 Meeting Assistant").
WRITTEN = (
    "仓储系统切换协调会",
    "新旧仓储系统切换期间出入库数据不一致",
    "2楼会议室",
    "确定切换日期、回退方案及各环节责任人",
    "会议助手",
)

CONFIG = """
[daemon]
var_dir = "var"
lang = "zh"

[[departments]]
name = "技术部"
name_en = "Technology"
head = "wei.dong@corp.example"
members = ["wei.dong@corp.example", "feng.tao@corp.example"]

[[people]]
address = "qian.feng@corp.example"
name = "钱峰"
name_en = "Qian Feng"

[[people]]
address = "wu.qian@corp.example"
name = "吴倩"
name_en = "Wu Qian"
lang = "en"

[[people]]
address = "wei.dong@corp.example"
name = "卫东"
name_en = "Wei Dong"
department = "技术部"
lang = "en"

[[people]]
address = "feng.tao@corp.example"
name = "冯涛"
name_en = "Feng Tao"
department = "技术部"
"""


@pytest.fixture
def service(
    tmp_path: Path, freeze_clock: Callable[[dt.datetime], clock.FrozenClock]
) -> Iterator[Service]:
    freeze_clock(NOW)
    path = tmp_path / "meetingd.toml"
    path.write_text(CONFIG, encoding="utf-8")
    svc = Service(load(path))
    yield svc
    svc.close()


def of(svc: Service, kind: str) -> list[EmailMessage]:
    return [m for m in outbox(svc) if m["X-Meetingd-Kind"] == kind]


def reply(svc: Service, sender: str, to_msg: EmailMessage, body: str) -> None:
    """``sender`` answers ``to_msg`` with ``body`` (In-Reply-To set), then one pass."""
    subject = "Re: " + str(to_msg["Subject"])
    drop(svc, mail(sender, subject, body, In_Reply_To=str(to_msg["Message-ID"])))
    svc.run_once()


def to(msg: EmailMessage) -> set[str]:
    return {a.addr_spec for a in msg["To"].addresses}


def own_words(text: str) -> str:
    """``text`` without what the requester wrote."""
    for s in WRITTEN:
        text = text.replace(s, " ")
    return text


def approved(svc: Service) -> None:
    drop(svc, mail("feng.tao@corp.example", "会议需求申请：仓储系统切换协调会", REQUEST_ZH))
    svc.run_once()
    (approval,) = of(svc, "approval_request")
    reply(svc, "qian.feng@corp.example", approval, "同意。")


def calendar_of(msg: EmailMessage) -> icalendar.Event:
    part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    event = icalendar.Calendar.from_ical(payload).walk("VEVENT")[0]
    assert isinstance(event, icalendar.Event)
    return event


def sequence(event: icalendar.Event) -> int:
    return int(str(event["SEQUENCE"]))


def test_an_invite_to_two_languages_is_one_mail_each_with_one_calendar_object(
    service: Service,
) -> None:
    approved(service)
    invites = of(service, "invite")
    by_lang = {str(m["Content-Language"]): m for m in invites}
    assert len(invites) == 2 and set(by_lang) == {"zh-CN", "en"}
    zh, en = by_lang["zh-CN"], by_lang["en"]
    assert to(en) == {"wu.qian@corp.example", "wei.dong@corp.example"}
    assert to(zh) == {"qian.feng@corp.example", "feng.tao@corp.example"}
    text = body_text(en)
    assert not CJK.search(own_words(text + str(en["Subject"]))), own_words(text)
    assert "Wei Dong (Technology)" in text and "Wu Qian" in text and "Qian Feng" in text
    assert "冯涛" in body_text(zh) and "Feng Tao" not in body_text(zh)
    # One meeting in everyone's calendar: same UID and SEQUENCE, every attendee listed.
    zh_event, en_event = calendar_of(zh), calendar_of(en)
    assert str(zh_event["UID"]) == str(en_event["UID"])
    assert sequence(zh_event) == sequence(en_event) == 0
    everyone = {str(a).lower().removeprefix("mailto:") for a in en_event.get("ATTENDEE")}
    assert everyone == to(zh) | to(en)
    assert not CJK.search(own_words(str(en_event["DESCRIPTION"])))


def test_an_update_to_two_languages_raises_the_sequence_once(service: Service) -> None:
    approved(service)
    (approval,) = of(service, "approval_request")
    reply(service, "qian.feng@corp.example", approval, "改期到2026年10月10日 14:00")
    updates = of(service, "invite_update")
    assert {str(m["Content-Language"]) for m in updates} == {"zh-CN", "en"}
    assert {sequence(calendar_of(m)) for m in updates} == {1}
    en = next(m for m in updates if m["Content-Language"] == "en")
    text = body_text(en)
    assert "Sat 10 Oct 2026 14:00" in text
    # The host's own words are quoted as written; everything else is English.
    assert "“改期到2026年10月10日 14:00”" in text
    assert not CJK.search(own_words(text.replace("“改期到2026年10月10日 14:00”", ""))), text


def test_an_answer_in_english_to_the_en_mail_is_read(service: Service) -> None:
    approved(service)
    en = next(m for m in of(service, "invite") if m["Content-Language"] == "en")
    reply(service, "wei.dong@corp.example", en, "Accept, I will attend.")
    file = meetings.load_file(service.db, 1)
    assert {r.address: r.partstat for r in file.rsvps}["wei.dong@corp.example"] == "ACCEPTED"
    (receipt,) = of(service, "rsvp_receipt")
    assert receipt["Content-Language"] == "en" and to(receipt) == {"wei.dong@corp.example"}
    assert "Dear Wei Dong" in body_text(receipt)


def test_a_problem_is_told_in_the_sender_language(service: Service) -> None:
    approved(service)
    call = next(m for m in of(service, "call_for_topics") if m["Content-Language"] == "en")
    drop(service, mail("feng.tao@corp.example", "Re: [MTG-9] 议题", "议题：x"))
    reply(service, "wei.dong@corp.example", call, "> quoted only\n")
    notices = {next(iter(to(m))): m for m in of(service, "not_understood")}
    en = body_text(notices["wei.dong@corp.example"])
    zh = body_text(notices["feng.tao@corp.example"])
    assert not CJK.search(own_words(en)) and "Dear Wei Dong" in en
    assert "没有对应的会议" in zh and not re.search(r"\b[a-z]{3,} [a-z]{3,}\b", zh)


def test_a_vague_goal_is_explained_in_the_requester_language(service: Service) -> None:
    vague = REQUEST_ZH.replace("确定切换日期、回退方案及各环节责任人。", "讨论一下问题")
    drop(service, mail("wei.dong@corp.example", "会议需求申请：仓储系统切换协调会", vague))
    service.run_once()
    (rejected,) = of(service, "goal_rejected")
    text = body_text(rejected)
    assert rejected["Content-Language"] == "en"
    reason = next(ln for ln in text.splitlines() if ln.startswith("- "))
    assert "讨论一下问题" in reason and "describes an activity" in reason
    assert not CJK.search(reason.replace("讨论一下问题", ""))


def test_a_topic_in_the_form_the_en_call_shows_is_read_and_receipted_in_english(
    service: Service,
) -> None:
    approved(service)
    call = next(m for m in of(service, "call_for_topics") if m["Content-Language"] == "en")
    assert "Topic:" in body_text(call) and "Expected outcome:" in body_text(call)
    topic = (
        "Topic: Inventory count rules\nBackground: the two systems disagree\n"
        "Pain point: stock cannot be reconciled\nExpected outcome: agree on one counting rule\n"
    )
    reply(service, "wei.dong@corp.example", call, topic)
    file = meetings.load_file(service.db, 1)
    assert [t.title for t in file.topics] == ["Inventory count rules"]
    (receipt,) = of(service, "topic_receipt")
    text = body_text(receipt)
    assert receipt["Content-Language"] == "en" and "Inventory count rules" in text
    assert not CJK.search(own_words(text))


def test_a_cancellation_to_two_languages_is_one_cancel_in_each(service: Service) -> None:
    approved(service)
    (approval,) = of(service, "approval_request")
    reply(service, "qian.feng@corp.example", approval, "取消会议，项目延期。")
    cancels = of(service, "cancel")
    assert {str(m["Content-Language"]) for m in cancels} == {"zh-CN", "en"}
    events = [calendar_of(m) for m in cancels]
    assert {sequence(e) for e in events} == {1} and {str(e["STATUS"]) for e in events} == {
        "CANCELLED"
    }
    en = next(m for m in cancels if m["Content-Language"] == "en")
    text = body_text(en).replace("取消会议，项目延期", "")  # the host's words, quoted
    assert not CJK.search(own_words(text)), text
