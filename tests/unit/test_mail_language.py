"""One language per mail, per recipient (issue 11, item 6): the recipient's ``lang`` picks the
language, names and departments follow it, and a mail to people of two languages becomes
one mail per language."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from daemon.config import Department, Person, load
from daemon.domain.directory import Directory
from daemon.domain.effects import KINDS, Outgoing
from daemon.errors import UserError
from daemon.outbound.compose import compose
from daemon.outbound.mailer import by_language, department_names, directory_names
from tests.mails import body_text, read_mail
from tests.unit.outbound_samples import (
    HOST,
    LEGAL,
    MKT,
    PROXY,
    RECORDER,
    SAMPLES,
    TECH,
    context,
    meeting_file,
    outgoing,
)

PEOPLE = [
    Person(HOST, "孙丽", "Sun Li", "总经办", None),
    Person(RECORDER, "陈静", "Chen Jing", "总经办", None),
    Person(TECH, "刘洋", "Liu Yang", "技术部", "en"),
    Person(MKT, "王芳", "Wang Fang", "市场部", "zh"),
    Person(PROXY, "周强", "Zhou Qiang", "市场部", None),
    Person(LEGAL, "黄敏", "Huang Min", "法务部", "en"),
    Person("zhao.lei@corp.example", "赵磊", "Zhao Lei", "技术部", None),
]
DEPARTMENTS = [
    Department("总经办", "General Office", HOST, (HOST, RECORDER)),
    Department("技术部", "Technology", TECH, (TECH,)),
    Department("市场部", "Marketing", MKT, (MKT, PROXY)),
    Department("法务部", "Legal", LEGAL, (LEGAL,)),
]
DIRECTORY = Directory.build(PEOPLE, DEPARTMENTS)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def _strings(value: Any) -> Iterator[str]:
    """Every string held by ``value`` (dataclasses, dicts, lists): the text people wrote."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name))


def _without_user_text(text: str, out: Outgoing) -> str:
    """``text`` without what people wrote (titles, topics, decisions, file names, the
    names as written): what is left is the daemon's own wording."""
    written = {s for s in (*_strings(meeting_file()), *_strings(out.extra)) if s.strip()}
    written |= {s.partition(":")[2] for s in written if s.startswith("participant:")}
    for s in sorted(written, key=len, reverse=True):
        text = text.replace(s, " ")
    return text


def _mail_for(kind: str, lang: str) -> tuple[Outgoing, str, str, str]:
    out = outgoing(kind)
    ctx = context(
        lang,
        names=directory_names(DIRECTORY, lang),
        departments=department_names(DIRECTORY, lang),
    )
    msg = read_mail(compose(out, meeting_file(), ctx).as_bytes())  # as a client reads it
    assert msg["Content-Language"] == ("zh-CN" if lang == "zh" else "en")
    html = msg.get_body(("html",))
    assert html is not None
    return out, str(msg["Subject"]), body_text(msg), html.get_content()


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_an_en_mail_holds_no_chinese_but_what_people_wrote(kind: str) -> None:
    out, subject, text, html = _mail_for(kind, "en")
    for part in (subject, text, re.sub(r"<[^>]+>", " ", html)):
        left = _without_user_text(part, out)
        found = CJK.findall(left)
        assert not found, (kind, "".join(found), left)


# Latin words a zh mail may hold: tags, our own and iCalendar names, addresses, units.
LATIN_OK = {"MTG", "A", "HH", "MM", "corp", "example", "min", "MB", "KB", "pdf", "PDF"}
LATIN_OK |= {"http", "https", "www", "meetingd", "assign"}  # links, the command line


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_a_zh_mail_holds_no_english_words_but_what_people_wrote(kind: str) -> None:
    out, subject, text, _html = _mail_for(kind, "zh")
    for part in (subject, text):
        left = _without_user_text(part, out)
        left = re.sub(r"[\w.+-]+@[\w.-]+", " ", left)  # addresses
        words = set(re.findall(r"[A-Za-z]{2,}", left)) - LATIN_OK
        assert not words, (kind, words, left)


def test_the_samples_cover_every_kind() -> None:
    assert set(SAMPLES) == set(KINDS)


@pytest.mark.parametrize(("lang", "greeting"), [("en", "Dear Liu Yang"), ("zh", "刘洋")])
def test_the_greeting_uses_the_name_in_the_recipient_language(lang: str, greeting: str) -> None:
    out = Outgoing("rsvp_nudge", [TECH], key="k")
    ctx = context(lang, names=directory_names(DIRECTORY, lang))
    text = body_text(compose(out, meeting_file(), ctx))
    assert greeting in text
    if lang == "en":
        assert "刘洋" not in text


def test_owners_and_departments_are_named_in_english_for_an_en_recipient() -> None:
    _out, _subject, text, html = _mail_for("minutes", "en")
    assert "owner: Liu Yang" in text and "owner: Zhao Lei" in text and "刘洋" not in text
    _out, _subject, text, _html = _mail_for("invite", "en")
    assert "Sun Li (General Office)" in text and "Technology" in text
    assert "总经办" not in text


@pytest.mark.parametrize(
    ("lang", "line"),
    [("zh", "- 记录人：陈静"), ("en", "- Recorder: Chen Jing")],
)
def test_uncovered_roles_are_named_in_the_host_language(lang: str, line: str) -> None:
    _out, _subject, text, _html = _mail_for("attendance_report", lang)
    assert line in text.splitlines()


def test_an_uncovered_department_is_named_in_english() -> None:
    out = outgoing("attendance_report")
    out.extra["uncovered"] = [{"role": "department", "who": "法务部"}]
    ctx = context("en", departments=department_names(DIRECTORY, "en"))
    assert "- Department: Legal" in body_text(compose(out, meeting_file(), ctx)).splitlines()


def test_fixed_agenda_boxes_are_in_the_mail_language() -> None:
    out = outgoing("agenda")
    out.extra["agenda"] = [
        {"start": "14:00", "end": "14:10", "minutes": 10, "title": "开场与议程确认",
         "presenter": None, "part": "opening"},
        {"start": "14:10", "end": "14:30", "minutes": 20, "title": "功能开发排期",
         "presenter": TECH, "part": "topic"},
    ]  # fmt: skip
    text = body_text(compose(out, meeting_file(), context("en")))
    assert "Opening and agenda" in text and "开场与议程确认" not in text
    assert "功能开发排期" in text  # a topic's title is what its submitter wrote


# --------------------------------------------------------------------- grouping


def test_one_language_keeps_the_intent_as_it_is() -> None:
    out = Outgoing("rsvp_nudge", [HOST, RECORDER], key="k", cc=[PROXY])
    assert by_language(out, DIRECTORY, "zh") == [("zh", out)]


def test_two_languages_make_one_mail_each() -> None:
    out = Outgoing("invite", [HOST, TECH, MKT, LEGAL], key="k", calendar="REQUEST")
    groups = by_language(out, DIRECTORY, "zh")
    assert [(lang, part.to) for lang, part in groups] == [
        ("zh", [HOST, MKT]),
        ("en", [TECH, LEGAL]),
    ]
    assert all(part.calendar == "REQUEST" and part.key == "k" for _, part in groups)


def test_the_default_language_goes_first() -> None:
    out = Outgoing("invite", [TECH, HOST, LEGAL, MKT], key="k", calendar="REQUEST")
    groups = by_language(out, DIRECTORY, "zh")
    assert [(lang, part.to) for lang, part in groups] == [
        ("zh", [HOST, MKT]),
        ("en", [TECH, LEGAL]),
    ]
    assert [lang for lang, _ in by_language(out, DIRECTORY, "en")] == ["en", "zh"]


def test_cc_goes_with_its_language_or_becomes_its_own_mail() -> None:
    out = Outgoing("call_for_topics", [HOST], key="k", cc=[TECH, RECORDER])
    groups = by_language(out, DIRECTORY, "zh")
    assert [(lang, part.to, part.cc) for lang, part in groups] == [
        ("zh", [HOST], [RECORDER]),
        ("en", [TECH], []),
    ]


def test_the_instance_default_decides_for_people_without_lang() -> None:
    out = Outgoing("rsvp_nudge", [HOST, "stranger@else.example"], key="k")
    assert by_language(out, DIRECTORY, "en") == [("en", out)]


def test_display_names_follow_the_language() -> None:
    assert DIRECTORY.display_name(TECH, "en") == "Liu Yang"
    assert DIRECTORY.display_name(TECH, "zh") == "刘洋"
    only_en = Directory.build([Person("a@x.example", None, "Ann Lee", None, None)], [])
    assert only_en.display_name("a@x.example", "zh") == "Ann Lee"
    assert DIRECTORY.display_department("技术部", "en") == "Technology"
    assert DIRECTORY.display_department("技术部", "zh") == "技术部"
    assert DIRECTORY.display_department("不存在", "en") == "不存在"
    assert DIRECTORY.lang_of(TECH, "zh") == "en" and DIRECTORY.lang_of(HOST, "zh") == "zh"
    with pytest.raises(ValueError):
        DIRECTORY.configure(HOST, name_en=None, lang="fr")


# --------------------------------------------------------------------- config


def _config(tmp_path: Path, person: str) -> Path:
    path = tmp_path / "meetingd.toml"
    path.write_text(
        '[daemon]\nvar_dir = "var"\n\n[[people]]\naddress = "liu.yang@corp.example"\n' + person,
        encoding="utf-8",
    )
    return path


def test_a_person_lang_is_read_from_the_config(tmp_path: Path) -> None:
    config = load(_config(tmp_path, 'name = "刘洋"\nname_en = "Liu Yang"\nlang = "en"\n'))
    assert config.people[0].lang == "en"
    directory = Directory.build(config.people, config.departments)
    assert directory.lang_of("liu.yang@corp.example", "zh") == "en"


def test_a_wrong_person_lang_names_file_key_and_fix(tmp_path: Path) -> None:
    path = _config(tmp_path, 'lang = "english"\n')
    with pytest.raises(UserError) as exc:
        load(path)
    (problem,) = exc.value.problems
    assert str(path) in problem and "liu.yang@corp.example" in problem
    assert "lang" in problem and "'english'" in problem and 'lang = "en"' in problem


def test_directory_names_are_looked_up_not_copied() -> None:
    """A name the directory learns after the mail's context was made is used; an address
    it knows no name for falls back to the name written on the meeting."""
    directory = Directory.build(PEOPLE, DEPARTMENTS)
    names = directory_names(directory, "zh")
    newcomer = "new.hire@corp.example"
    assert newcomer not in names and names.get(newcomer) is None
    directory.add(newcomer, "钱新")
    assert names[newcomer] == "钱新" and newcomer in set(names)
    out = Outgoing("rsvp_nudge", [newcomer], key="k")
    text = body_text(compose(out, meeting_file(), context("zh", names=names)))
    assert "钱新" in text
    written = meeting_file()
    someone = written.participants[0]
    bare = Directory.build([], [])
    out = Outgoing("rsvp_nudge", [someone.address], key="k")
    text = body_text(compose(out, written, context("zh", names=directory_names(bare, "zh"))))
    assert someone.name and someone.name in text
