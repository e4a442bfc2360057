"""Every problem code has a sentence in every mail language, and a mail says it in the
recipient's language only (issue 11, item 6)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import pickle
import re
import string
from pathlib import Path
from typing import Any

import pytest

from daemon.domain.goals import check_goal
from daemon.domain.problems import OPERATOR, Problem, code_of, problem
from daemon.outbound.compose import compose
from daemon.outbound.render import find_template_dir, load_messages
from tests.mails import body_text
from tests.unit.outbound_samples import context, meeting_file, outgoing

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("zh", "en")
TABLES = load_messages(find_template_dir())
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
# Words a zh sentence may keep in Latin letters: tags, header and file names, iCalendar.
LATIN_OK = {"MTG", "A", "From", "Outlook", "winmail", "dat"}


def _fields(text: str | None) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text or "") if name}


def _sample(code: str) -> Problem:
    """The problem ``code`` with a value for each of its params."""
    values: dict[str, Any] = {}
    for name in _fields(OPERATOR[code]):
        if name == "start":
            values[name] = dt.datetime(2026, 12, 18, 6, 0, tzinfo=dt.UTC)
        elif name == "reason":
            values[name] = problem("no_late_topic", ref="MTG-3")
        elif name in ("count", "first", "last", "hours", "depth"):
            values[name] = 7
        else:
            values[name] = "«VALUE»"
    return problem(code, **values)


def test_every_code_has_a_sentence_in_every_language() -> None:
    for lang in LANGS:
        table = TABLES[lang]["problems"]
        assert set(table) == set(OPERATOR) | {"other"}, lang


@pytest.mark.parametrize("lang", LANGS)
def test_sentences_use_only_the_params_of_their_code(lang: str) -> None:
    for code, sentence in TABLES[lang]["problems"].items():
        if code != "other":
            assert _fields(sentence) <= _fields(OPERATOR[code]), (lang, code)


def test_every_code_the_daemon_produces_is_known() -> None:
    used = set()
    for path in (ROOT / "daemon").rglob("*.py"):
        used |= set(re.findall(r"\bproblem\(\s*\"(\w+)\"", path.read_text(encoding="utf-8")))
    assert used and used <= set(OPERATOR), used - set(OPERATOR)


def _words_outside_params(sentence: str) -> str:
    return re.sub(r"\{[^}]*\}", " ", sentence)


def test_zh_sentences_hold_no_english_words() -> None:
    for code, sentence in TABLES["zh"]["problems"].items():
        words = set(re.findall(r"[A-Za-z]+", _words_outside_params(sentence)))
        assert words <= LATIN_OK, (code, words - LATIN_OK)


def test_en_sentences_hold_no_chinese() -> None:
    for code, sentence in TABLES["en"]["problems"].items():
        assert not CJK.search(sentence), code


def _not_understood(lang: str, problems: list[str]) -> str:
    out = outgoing("not_understood")
    out.extra["problems"] = problems
    return body_text(compose(out, meeting_file(), context(lang)))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("code", sorted(OPERATOR))
def test_a_problem_is_said_in_the_recipient_language(lang: str, code: str) -> None:
    sample = _sample(code)
    text = _not_understood(lang, [sample])
    assert code not in text
    line = next(ln for ln in text.splitlines() if ln.startswith("- "))
    said = line.replace("«VALUE»", "")
    if lang == "en":
        assert not CJK.search(said), said
    else:
        assert CJK.search(said) and str(sample) not in text, said
        assert set(re.findall(r"[A-Za-z]{4,}", said)) <= LATIN_OK | {"2026"}, said


@pytest.mark.parametrize("lang", LANGS)
def test_a_date_in_a_problem_is_shown_in_the_company_zone(lang: str) -> None:
    start = dt.datetime(2026, 12, 18, 6, 0, tzinfo=dt.UTC)  # 14:00 in Shanghai
    text = _not_understood(lang, [problem("new_start_passed", start=start)])
    assert "14:00" in text and ("2026年12月18日" in text or "18 Dec 2026" in text)


@pytest.mark.parametrize(
    ("outcome", "code"),
    [
        ("讨论一下问题", "goal_activity"),
        ("解决相关问题", "goal_unsettled"),
        ("开会", "goal_too_short"),
        ("Discuss the issues", "goal_activity"),
        ("The current status", "goal_unsettled"),
        ("Meeting", "goal_too_short"),
        (None, "goal_empty"),
    ],
)
@pytest.mark.parametrize("lang", LANGS)
def test_goal_reasons_follow_the_recipient_not_the_outcome(
    outcome: str | None, code: str, lang: str
) -> None:
    reasons = check_goal(outcome)
    assert [r.code for r in reasons] == [code]
    out = outgoing("goal_rejected")
    out.extra["issues"] = reasons
    f = meeting_file()
    f.meeting.expected_outcome = outcome
    text = body_text(compose(out, f, context(lang)))
    reason_line = next(ln for ln in text.splitlines() if ln.startswith("- "))
    rest = reason_line.replace(outcome or "", "")
    if lang == "en":
        assert not CJK.search(rest), reason_line
        assert "expected outcome" in rest
    else:
        assert "预期成果" in rest and not re.search(r"[A-Za-z]{3,}", rest), reason_line


def test_plain_codes_and_the_old_refusal_form_are_read_as_codes() -> None:
    assert code_of("no_meeting") == ("no_meeting", {})
    assert code_of("command_refused: MTG-1 is cancelled.") == (
        "command_refused",
        {"reason": "MTG-1 is cancelled."},
    )
    assert code_of("某个句子") is None


def test_a_problem_is_still_the_operator_sentence() -> None:
    p = problem("date_out_of_range", written="99999年1月5日", first=1970, last=2199)
    assert p == (
        "the date 99999年1月5日 is not a usable date (years 1970-2199): please write the real date"
    )
    assert p.code == "date_out_of_range" and p.params["written"] == "99999年1月5日"
    with pytest.raises(KeyError):
        problem("date_out_of_range")
    with pytest.raises(KeyError):
        problem("no_such_code")


def test_a_problem_survives_json_copy_and_pickle() -> None:
    p = problem("date_out_of_range", written="x", first=1970, last=2199)
    assert json.loads(json.dumps({"problems": [p]})) == {"problems": [str(p)]}
    for again in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert isinstance(again, Problem) and again == p
        assert again.code == p.code and again.params == p.params
