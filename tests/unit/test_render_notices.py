"""Notices about mail the daemon could not act on: every reason code reads as a sentence."""

from __future__ import annotations

import pytest

from daemon.domain.effects import Outgoing
from daemon.domain.problems import problem
from daemon.domain.refused import CommandRefused, refused_reason
from daemon.outbound.compose import compose
from tests.mails import body_text
from tests.unit.outbound_samples import context, meeting_file

CODES = [
    "no_meeting",
    "unknown_meeting",
    "meeting_cancelled",
    "meeting_rejected",
    "approval_unclear",
    "action_ref",
    "not_understood",
    "processing_failed",
]


def body(kind: str, lang: str, **extra: object) -> str:
    out = Outgoing(kind, ["someone@corp.example"], key="k", extra=dict(extra))
    msg = compose(out, meeting_file(), context(lang))
    return body_text(msg)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("code", CODES)
def test_reason_codes_are_sentences_not_identifiers(lang: str, code: str) -> None:
    text = body("not_understood", lang, problems=[code], subject="Re: x")
    assert code not in text


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("zh", "未能执行您的指令：会议 MTG-1 已经是“已取消”状态。"),
        ("en", "MTG-1 is already cancelled."),
    ],
)
def test_refused_command_shows_the_reason_once_in_the_mail_language(lang: str, said: str) -> None:
    refused = CommandRefused(problem("already_status", ref="MTG-1", status="cancelled"))
    text = body("not_understood", lang, problems=[refused_reason(refused)], subject="Re: x")
    assert "command_refused" not in text and "already_status" not in text
    assert said in text and "cancelled.." not in text


@pytest.mark.parametrize(("lang", "shown"), [("zh", False), ("en", True)])
def test_a_refusal_in_plain_english_is_shown_only_in_english_mail(lang: str, shown: bool) -> None:
    plain = refused_reason(CommandRefused("MTG-1: refused reschedule from a@x: only host may"))
    text = body("not_understood", lang, problems=[plain], subject="Re: x")
    assert ("only host may" in text) is shown


@pytest.mark.parametrize(
    ("lang", "word"), [("zh", "出席答复"), ("en", "your answer was not recorded")]
)
def test_uninvited_answer_is_told_it_was_not_recorded(lang: str, word: str) -> None:
    assert word in body("not_a_participant", lang, what="rsvp")
    assert word not in body("not_a_participant", lang)
