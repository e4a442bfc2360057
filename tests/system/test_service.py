"""The daemon's own pass over real Maildirs and a real SQLite file: bad input, auto-replies,
restarts, and the CLI on the embedded default."""

from __future__ import annotations

import datetime as dt
import mailbox
import subprocess
import sys
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from daemon import clock
from daemon.config import load
from daemon.service import Service
from daemon.store import meetings, queries
from tests.mails import REQUEST_ZH as REQUEST
from tests.mails import body_text, mail, read_mail

TZ_NOW = dt.datetime(2026, 9, 14, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen_clock(freeze_clock: Callable[[dt.datetime], clock.FrozenClock]) -> clock.FrozenClock:
    """The shared frozen clock (``tests/conftest.py``), at ``TZ_NOW`` in this module."""
    return freeze_clock(TZ_NOW)


@pytest.fixture()
def service(tmp_path: Path, frozen_clock: clock.FrozenClock) -> Iterator[Service]:
    cfg_file = tmp_path / "meetingd.toml"
    cfg_file.write_text('[daemon]\nvar_dir = "var"\n', encoding="utf-8")
    svc = Service(load(cfg_file))
    yield svc
    svc.close()


def drop(svc: Service, raw: bytes) -> None:
    mailbox.Maildir(svc.config.var_dir / "inbox", create=True).add(raw)


def outbox(svc: Service) -> list[EmailMessage]:
    box = mailbox.Maildir(svc.config.var_dir / "outbox", create=True)
    return [read_mail(box.get_bytes(k)) for k in box.iterkeys()]


def test_garbage_is_kept_quarantined_and_the_sender_is_told(service: Service) -> None:
    drop(service, b"From: someone@corp.example\r\nSubject: ?\r\n\r\n\xff\xfe\x00garbage")
    service.run_once()
    rows = queries.inbox_list(service.db)
    assert [r.state for r in rows] == ["quarantined"]
    assert rows[0].raw.endswith(b"garbage") and rows[0].error
    replies = outbox(service)
    assert [m["X-Meetingd-Kind"] for m in replies] == ["not_understood"]
    assert replies[0]["To"] == "someone@corp.example"
    assert replies[0]["Auto-Submitted"] == "auto-generated"
    # the original is moved, never deleted
    assert len(list(mailbox.Maildir(service.config.var_dir / "processed").iterkeys())) == 1


def test_auto_replies_and_bounces_are_never_answered(service: Service) -> None:
    drop(
        service,
        mail("a@corp.example", "自动回复: 休假中", "我正在休假", Auto_Submitted="auto-replied"),
    )
    drop(service, mail("MAILER-DAEMON@corp.example", "Undelivered Mail", "bounce"))
    drop(service, mail("b@corp.example", "Out of Office: back Monday", "away"))
    service.run_once()
    assert {r.state for r in queries.inbox_list(service.db)} == {"ignored"}
    assert outbox(service) == []


def test_request_flow_and_restart_safety(service: Service, frozen_clock: clock.FrozenClock) -> None:
    drop(service, mail("feng.tao@corp.example", "会议需求申请：仓储系统切换协调会", REQUEST))
    service.run_once()
    kinds = sorted(m["X-Meetingd-Kind"] for m in outbox(service))
    assert kinds == ["approval_request", "request_received"]
    approval = next(m for m in outbox(service) if m["X-Meetingd-Kind"] == "approval_request")
    drop(
        service,
        mail(
            "qian.feng@corp.example",
            "回复: " + approval["Subject"],
            "同意。",
            In_Reply_To=approval["Message-ID"],
        ),
    )
    service.run_once()
    file = meetings.load_file(service.db, 1)
    assert file.meeting.status == "scheduled"
    sent_before = len(outbox(service))
    # A restart: a new Service on the same files, with the clock past several deadlines.
    service.close()
    frozen_clock.set(dt.datetime(2026, 9, 30, 1, 0, tzinfo=dt.UTC))  # Sep 30 09:00 local
    again = Service(service.config)
    again.run_once()
    again.run_once()
    fired = [d for d in queries.deadlines_list(again.db) if d.state == "fired"]
    assert {d.kind for d in fired} == {"topic_reminder", "topics_due"}
    kinds_after = [m["X-Meetingd-Kind"] for m in outbox(again)][sent_before:]
    # No topic came: the host is asked what to do, once (caught up once, not twice).
    assert kinds_after.count("empty_agenda") == 1 and "agenda" not in kinds_after
    again.close()


def test_cli_run_once_on_the_embedded_default(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "daemon", "run", "--once"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "processed 0" in run.stdout
    assert (tmp_path / "var" / "meetingd.db").exists()
    assert (tmp_path / "var" / "inbox").is_dir()


def test_a_bot_answering_our_notices_gets_one_notice_not_a_loop(service: Service) -> None:
    drop(service, mail("bot@tickets.example", "[Ticket #1] received", "Your ticket is open."))
    service.run_once()
    for round_ in range(3):
        notice = [m for m in outbox(service) if m["X-Meetingd-Kind"] == "not_understood"][-1]
        drop(
            service,
            mail(
                "bot@tickets.example",
                f"[Ticket #1] Re: {notice['Subject']}",
                f"Ticket updated ({round_})",
                In_Reply_To=notice["Message-ID"],
            ),
        )
        service.run_once()
    kinds = [m["X-Meetingd-Kind"] for m in outbox(service)]
    assert kinds == ["not_understood"]
    assert [r.state for r in queries.inbox_list(service.db)] == ["quarantined"] * 4


def test_notices_to_one_sender_are_capped_per_day(
    service: Service, frozen_clock: clock.FrozenClock
) -> None:
    for i in range(5):
        drop(service, mail("chatty@corp.example", f"hello {i}", "?"))
    service.run_once()
    assert len(outbox(service)) == 3
    frozen_clock.advance(dt.timedelta(days=1, minutes=1))
    drop(service, mail("chatty@corp.example", "hello again", "?"))
    service.run_once()
    assert len(outbox(service)) == 4


def test_unknown_meeting_number_is_named_as_such(service: Service) -> None:
    drop(service, mail("a@corp.example", "Re: [MTG-99] 议题征集", "议题：x"))
    service.run_once()
    (row,) = queries.inbox_list(service.db)
    assert row.state == "quarantined" and row.error and row.error.startswith("unknown_meeting")


@pytest.mark.usefixtures("frozen_clock")
def test_an_attachment_over_the_limit_is_refused_and_the_sender_told(tmp_path: Path) -> None:
    cfg_file = tmp_path / "meetingd.toml"
    cfg_file.write_text(
        '[daemon]\nvar_dir = "var"\n[process]\nmax_material_bytes = 1000\n', encoding="utf-8"
    )
    svc = Service(load(cfg_file))
    try:
        drop(svc, mail("feng.tao@corp.example", "会议需求申请：仓储系统切换协调会", REQUEST))
        svc.run_once()
        approval = next(m for m in outbox(svc) if m["X-Meetingd-Kind"] == "approval_request")
        drop(
            svc,
            mail(
                "qian.feng@corp.example",
                "Re: " + approval["Subject"],
                "同意",
                In_Reply_To=approval["Message-ID"],
            ),
        )
        svc.run_once()
        call = next(m for m in outbox(svc) if m["X-Meetingd-Kind"] == "call_for_topics")
        topic = EmailMessage()
        topic["From"] = "wei.dong@corp.example"
        topic["To"] = "meetings@corp.example"
        topic["Subject"] = "Re: " + call["Subject"]
        topic["Date"] = "Mon, 14 Sep 2026 10:00:00 +0800"
        topic["Message-ID"] = "<topic-big@client.example>"
        topic["In-Reply-To"] = call["Message-ID"]
        topic.set_content(
            "议题：库存盘点\n背景：两套系统数据不一致\n痛点：无法对账\n期望成果：确定盘点口径"
        )
        topic.add_attachment(
            b"x" * 5000, maintype="application", subtype="pdf", filename="盘点数据.pdf"
        )
        topic.add_attachment(b"y" * 500, maintype="text", subtype="csv", filename="small.csv")
        drop(svc, topic.as_bytes())
        svc.run_once()
        kinds = [m["X-Meetingd-Kind"] for m in outbox(svc)]
        assert "topic_receipt" in kinds
        refused = next(m for m in outbox(svc) if m["X-Meetingd-Kind"] == "attachment_refused")
        assert refused["To"] == "wei.dong@corp.example"
        assert "盘点数据.pdf" in body_text(refused)
        kept = meetings.load_file(svc.db, 1).materials
        assert [m.filename for m in kept] == ["small.csv"]
    finally:
        svc.close()


def scheduled(svc: Service) -> EmailMessage:
    """MTG-1 requested and approved by its host; returns the invite."""
    drop(svc, mail("feng.tao@corp.example", "会议需求申请：仓储系统切换协调会", REQUEST))
    svc.run_once()
    approval = next(m for m in outbox(svc) if m["X-Meetingd-Kind"] == "approval_request")
    drop(
        svc,
        mail(
            "qian.feng@corp.example",
            "回复: " + approval["Subject"],
            "同意。",
            In_Reply_To=approval["Message-ID"],
        ),
    )
    svc.run_once()
    return next(m for m in outbox(svc) if m["X-Meetingd-Kind"] == "invite")


@pytest.mark.parametrize(
    "header",
    ["Precedence: list", "Precedence: bulk", "X-Auto-Response-Suppress: All", "Return-Path: <>"],
)
def test_mail_asking_for_no_answer_is_read_but_never_answered(
    service: Service, header: str
) -> None:
    invite = scheduled(service)
    before = len(outbox(service))
    name, _, value = header.partition(": ")
    extra = {name.replace("-", "_"): value}
    subject = "回复: " + str(invite["Subject"])
    drop(
        service,
        mail(
            "wei.dong@corp.example", subject, "我参加。", In_Reply_To=invite["Message-ID"], **extra
        ),
    )
    drop(service, mail("list@lists.example", subject, "我参加。", **extra))
    service.run_once()
    file = meetings.load_file(service.db, 1)
    rsvp = file.rsvp("wei.dong@corp.example")
    assert rsvp is not None and rsvp.partstat == "ACCEPTED"  # what it says still counts
    assert len(outbox(service)) == before  # no receipt, no not_a_participant
    assert file.rsvp("list@lists.example") is None


@pytest.mark.usefixtures("frozen_clock")
def test_with_authserv_ids_only_a_vouched_for_sender_changes_state(tmp_path: Path) -> None:
    cfg_file = tmp_path / "meetingd.toml"
    cfg_file.write_text(
        '[daemon]\nvar_dir = "var"\n[security]\nauthserv_ids = ["mx.corp.example"]\n',
        encoding="utf-8",
    )
    svc = Service(load(cfg_file))
    try:
        ok = "mx.corp.example; spf=pass smtp.mailfrom=corp.example; dmarc=pass"
        forged = "mx.elsewhere.example; dmarc=pass header.from=corp.example"
        subject = "会议需求申请：仓储系统切换协调会"
        drop(svc, mail("feng.tao@corp.example", subject, REQUEST, Authentication_Results=forged))
        svc.run_once()
        first_error = queries.inbox_list(svc.db)[0].error
        assert first_error is not None and first_error.startswith("unverified_sender")
        assert outbox(svc) == []  # nobody told: the From may be forged
        drop(svc, mail("feng.tao@corp.example", subject, REQUEST + " ", Authentication_Results=ok))
        svc.run_once()
        assert sorted(m["X-Meetingd-Kind"] for m in outbox(svc)) == [
            "approval_request",
            "request_received",
        ]
    finally:
        svc.close()
