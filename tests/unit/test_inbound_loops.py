"""The loop guard: automatic mail is recognised and never answered (issue 9, RFC 3834 §2).

Every loop class is classified ``auto_reply`` or ``bounce`` (the daemon answers neither)
and marked ``auto_submitted``; the phrases are data in ``daemon.inbound.loop_phrases``.
"""

from __future__ import annotations

import pytest

from daemon.inbound.inspect import inspect_bytes
from daemon.inbound.loop_phrases import AUTO_REPLY_SUBJECTS, DELAY_SUBJECTS
from daemon.inbound.loops import auto_reply_subject, delay_notice, subject_key
from tests.mails import INSPECT_NOW
from tests.unit.inbound_helpers import make_mail

BODY = "我参加"  # what a person's RSVP would say: loop mail must not be read as one


def _check(raw: bytes, kind: str, rule: str) -> None:
    insp = inspect_bytes(raw, now=INSPECT_NOW)
    assert (insp.kind, insp.rule_hits) == (kind, [rule]), insp.problems
    assert insp.auto_submitted is True


def _no_answer(headers: str, sign: str) -> None:
    """A header that only asks for no answer: the mail is marked automatic (never
    answered), its content is still read, and with no content it is an auto-reply."""
    insp = inspect_bytes(make_mail(BODY, extra_headers=headers), now=INSPECT_NOW)
    assert insp.kind == "rsvp" and insp.auto_submitted is True, insp.rule_hits
    assert insp.rule_hits == [sign, "rsvp.text"]
    empty = inspect_bytes(make_mail("", extra_headers=headers), now=INSPECT_NOW)
    assert (empty.kind, empty.rule_hits, empty.auto_submitted) == ("auto_reply", [sign], True)


@pytest.mark.parametrize("value", ["junk", "list", "bulk", "Bulk", " JUNK "])
def test_precedence(value):
    _no_answer(f"Precedence: {value}\n", "no_answer.precedence")


def test_precedence_auto_reply_is_an_auto_reply():
    raw = make_mail(BODY, extra_headers="Precedence: auto_reply\n")
    _check(raw, "auto_reply", "auto_reply.precedence")


def test_precedence_list_on_a_list_post_too():
    _no_answer("Precedence: list\nList-Id: <dept.corp.example>\n", "no_answer.precedence")


@pytest.mark.parametrize("value", ["<>", "< >", ""])
def test_null_return_path(value):
    _no_answer(f"Return-Path: {value}\n", "no_answer.null_return_path")


def test_ordinary_return_path_is_a_person():
    raw = make_mail(BODY, extra_headers="Return-Path: <tester@example.org>\n")
    assert inspect_bytes(raw, now=INSPECT_NOW).kind == "rsvp"


@pytest.mark.parametrize("value", ["All", "OOF", "AutoReply", "DR, RN, NRN, OOF, AutoReply", "oof"])
def test_auto_response_suppress(value):
    _no_answer(f"X-Auto-Response-Suppress: {value}\n", "no_answer.suppress_header")


def test_auto_response_suppress_receipts_only_is_a_person():
    raw = make_mail(BODY, extra_headers="X-Auto-Response-Suppress: DR, RN, NRN\n")
    assert inspect_bytes(raw, now=INSPECT_NOW).kind == "rsvp"


@pytest.mark.parametrize("header", ["X-Autoreply: yes", "X-Autorespond: x", "X-Auto-Reply: 1"])
def test_autoreply_headers(header):
    _check(make_mail(BODY, extra_headers=header + "\n"), "auto_reply", "auto_reply.x_autoreply")


AUTO_SUBJECTS = [
    # zh
    "[自动回复] Re: [MTG-7] 邀请",
    "休假自动回复：Re: [MTG-7] 邀请",
    "自动答复: [MTG-7] 邀请",
    "自动回复：[MTG-7] 邀请",
    "【自动回复】[MTG-7] 邀请",
    "自動回覆：[MTG-7] 邀請",
    # en
    "Auto: Re: [MTG-7] invitation",
    "Automatic reply: [MTG-7] invitation",
    "Out of Office: [MTG-7] invitation",
    "OUT OF OFFICE Re: [MTG-7] invitation",
    "RE: Auto-Reply: [MTG-7] invitation",
    # de
    "Automatische Antwort: [MTG-7] Einladung",
    "AW: Automatische Antwort: [MTG-7] Einladung",
    "Abwesenheitsnotiz: [MTG-7] Einladung",
    # pt
    "Resposta automática: [MTG-7] convite",
    "RES: Resposta automática: [MTG-7] convite",
    # ja
    "自動応答: [MTG-7] 招待",
    "自動返信：[MTG-7] 招待",
    # fr
    "Réponse automatique : [MTG-7] invitation",
    "Réponse automatique: [MTG-7] invitation",
]


@pytest.mark.parametrize("subject", AUTO_SUBJECTS)
def test_auto_reply_subjects(subject):
    assert auto_reply_subject(subject)
    _check(make_mail(BODY, subject=subject), "auto_reply", "auto_reply.subject")


@pytest.mark.parametrize(
    "subject",
    [
        "Re: [MTG-7] 关于自动回复功能的讨论",
        "Re: [MTG-7] Automatic replies are annoying",
        "Re: [MTG-7] autoreplying robots",
        "Re: [MTG-7] out of officers",
        "Re: [MTG-7] 邀请",
        "Automobile fleet meeting",
    ],
)
def test_people_writing_about_auto_replies_are_people(subject):
    assert auto_reply_subject(subject) is None
    assert delay_notice(subject) is None


def test_every_table_phrase_matches_as_a_subject_start():
    for table in (AUTO_REPLY_SUBJECTS, DELAY_SUBJECTS):
        for phrases in table.values():
            for phrase in phrases:
                found = auto_reply_subject(phrase + " x") or delay_notice(phrase + " x")
                assert found, phrase


def test_subject_key():
    assert subject_key("RE: [自动回复]：休假") == "自动回复]:休假"
    assert subject_key("  Re:  AW:  Out  of   Office") == "out of office"


DELAY_SUBJECTS_SEEN = [
    "Delivery Status Notification (Delay)",
    "Warning: message 1AbCdE-000Xyz-1A delayed 24 hours",
    "Warning: could not send message for past 4 hours",
    "Delayed Mail (still being retried)",
    "Delivery delayed: [MTG-7] invitation",
    "延迟投递通知：[MTG-7] 邀请",
    "[延迟投递] [MTG-7] 邀请",
    "Zustellung verzögert: [MTG-7] Einladung",
    "Remise différée : [MTG-7] invitation",
    "Entrega atrasada: [MTG-7] convite",
    "配信遅延: [MTG-7] 招待",
]


@pytest.mark.parametrize("subject", DELAY_SUBJECTS_SEEN)
def test_delay_notice_subjects(subject):
    raw = make_mail(
        "This is an automatically generated Delivery Status Notification.\n"
        "Delivery to the following recipient has been delayed.",
        subject=subject,
        sender="Mail Relay <relay@mx.corp.example>",
    )
    _check(raw, "bounce", "bounce.delay_notice")


def _dsn(action: str, report: bool) -> bytes:
    outer = "multipart/report; report-type=delivery-status" if report else "multipart/mixed"
    return (
        "From: relay@mx.corp.example\r\nTo: meetings@corp.example\r\n"
        "Subject: Re: [MTG-7] invitation\r\nDate: Mon, 07 Dec 2026 09:00:00 +0800\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: {outer}; boundary=r\r\n\r\n"
        "--r\r\nContent-Type: text/plain\r\n\r\nStill trying.\r\n"
        "--r\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.corp.example\r\n\r\n"
        "Final-Recipient: rfc822; li.na@corp.example\r\n"
        f"Action: {action}\r\nStatus: 4.4.7\r\n\r\n"
        "--r--\r\n"
    ).encode()


def test_delay_dsn_in_a_report():
    _check(_dsn("delayed", True), "bounce", "bounce.multipart_report")


def test_delay_dsn_outside_a_report():
    _check(_dsn("delayed", False), "bounce", "bounce.delay_notice")
    assert inspect_bytes(_dsn("delivered", False), now=INSPECT_NOW).kind != "bounce"


def test_auto_submitted_field_for_all_loop_mail():
    person = inspect_bytes(make_mail(BODY), now=INSPECT_NOW)
    assert person.kind == "rsvp" and person.auto_submitted is False
    oof = inspect_bytes(make_mail(BODY, subject="Out of Office: x"), now=INSPECT_NOW)
    assert oof.auto_submitted is True
