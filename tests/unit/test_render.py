"""Rendering of every mail kind (zh and en) and the headers compose() sets."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import re
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from daemon.domain.effects import KINDS
from daemon.domain.problems import problem
from daemon.outbound import filters as f
from daemon.outbound import render as r
from daemon.outbound.compose import compose, make_message_id, subject_tag
from tests.mails import body_text
from tests.unit.outbound_samples import (
    DEADLINES,
    NOW,
    SAMPLES,
    TZ,
    calendar_mail,
    context,
    meeting_file,
    outgoing,
)

LANGS = ("zh", "en")
TEMPLATES = Path(__file__).resolve().parents[2] / "mail_templates"


def test_samples_cover_every_kind() -> None:
    assert set(SAMPLES) == set(KINDS)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", KINDS)
def test_template_files_exist(kind: str, lang: str) -> None:
    assert (TEMPLATES / lang / f"{kind}.txt.j2").is_file()
    assert (TEMPLATES / lang / f"{kind}.html.j2").is_file()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders(kind: str, lang: str) -> None:
    msg = compose(outgoing(kind), meeting_file(), context(lang))
    text = body_text(msg)
    html = body_text(msg, "html")
    subject = str(msg["Subject"])
    assert subject.startswith("[MTG-7")
    assert len(subject) > len("[MTG-7] ") + 2
    assert "\n" not in subject
    # The body starts with the meeting title.
    assert text.lstrip().splitlines()[0].strip("【】").startswith("新产品上市跨部门协调会")
    assert "新产品上市跨部门协调会" in html
    assert "<html" in html and "</html>" in html
    for out in (text, html):
        assert "None" not in out, out
        assert "Undefined" not in out


@pytest.mark.parametrize("kind", KINDS)
def test_html_escapes(kind: str) -> None:
    f = meeting_file()
    f.meeting.title = "<b>A&B</b>"
    html = body_text(compose(outgoing(kind), f, context("en")), "html")
    assert "<b>A&B</b>" not in html
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in html


def test_call_for_topics_names_the_deadline_both_ways() -> None:
    zh = compose(outgoing("call_for_topics"), meeting_file(), context("zh"))
    text = body_text(zh)
    assert "2026年9月29日" in text and "9月29日" in text
    assert "2026-09-29" in text
    assert "9月29日" in str(zh["Subject"])
    for label in ("议题：", "背景：", "痛点：", "期望成果："):
        assert label in text
    en = compose(outgoing("call_for_topics"), meeting_file(), context("en"))
    en_text = body_text(en)
    assert "2026-09-29" in en_text
    for label in ("Topic:", "Background:", "Pain point:", "Expected outcome:"):
        assert label in en_text


def test_agenda_overflow_is_warned() -> None:
    out = outgoing("agenda")
    out.extra["overflow_minutes"] = 25
    out.extra["total_minutes"] = 145
    for lang in LANGS:
        text = body_text(compose(out, meeting_file(), context(lang)))
        assert "25" in text


def test_filters() -> None:
    d = dt.datetime(2026, 9, 29, 10, 0, tzinfo=dt.UTC)  # 18:00 in Shanghai
    assert f.fmt_date(d, "zh", TZ) == "2026年9月29日（周二）"
    assert f.fmt_date(dt.date(2026, 9, 29), "en") == "Tue 29 Sep 2026"
    assert f.fmt_dt(d, "zh", TZ) == "2026年9月29日（周二）18:00"
    assert f.fmt_dt(d, "en", TZ) == "Tue 29 Sep 2026 18:00"
    assert f.fmt_time(d, TZ) == "18:00"
    assert f.iso(dt.datetime(2026, 9, 29, 17, tzinfo=dt.UTC), TZ) == "2026-09-30"
    assert f.iso(dt.date(2026, 9, 29)) == "2026-09-29"
    end = dt.datetime(2026, 9, 29, 12, 0, tzinfo=dt.UTC)
    assert f.fmt_range(d, end, "zh", TZ) == "2026年9月29日（周二）18:00–20:00"
    assert f.fmt_size(183_500) == "179.2 KB"
    assert f.label("host", "zh") == "主持人" and f.label("host", "en") == "Host"


def test_text_to_html() -> None:
    html = str(f.text_to_html("a <x>\nb\n\n- one\n- two\n\nsee https://x.example/a?b=1"))
    assert "<p>a &lt;x&gt;<br>\nb</p>" in html
    assert "<ul><li>one</li><li>two</li></ul>" in html
    assert '<a href="https://x.example/a?b=1">' in html


def test_fallback_language_and_override_dir(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "hello.txt.j2").write_text(
        "{% block subject %}Hi {{ who }}{% endblock %}{% block body %}Body{% endblock %}"
    )
    (tmp_path / "en" / "_text.html.j2").write_text("<p>{{ body_text }}</p>")
    rendered = r.Renderer(tmp_path).render("hello", "zh", {"who": "<you>"})
    assert rendered.subject == "Hi <you>"
    assert rendered.html == "<p>Body</p>\n"
    with pytest.raises(FileNotFoundError):
        r.Renderer(tmp_path / "missing")


def test_strict_undefined(tmp_path: Path) -> None:
    import jinja2

    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "k.txt.j2").write_text("{% block subject %}{{ nope }}{% endblock %}")
    with pytest.raises(jinja2.UndefinedError):
        r.Renderer(tmp_path).render("k", "en", {})


# ----------------------------------------------------------------------------- compose


def _parse(msg: email.message.EmailMessage) -> email.message.EmailMessage:
    raw = msg.as_bytes(policy=email.policy.SMTP)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def test_headers() -> None:
    msg = _parse(compose(outgoing("rsvp_nudge"), meeting_file(), context("zh")))
    assert str(msg["Subject"]).startswith("[MTG-7] ")
    assert parsedate_to_datetime(str(msg["Date"])) == NOW
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Meetingd-Kind"] == "rsvp_nudge"
    assert msg["X-Meetingd-Ref"] == "MTG-7"
    assert msg["X-Auto-Response-Suppress"] == "OOF, AutoReply"
    assert msg["To"].addresses[0].addr_spec == "chen.jing@corp.example"
    assert msg["To"].addresses[0].display_name == "陈静"
    assert msg["From"].addresses[0].addr_spec == "meetings@corp.example"
    assert str(msg["Message-ID"]).startswith("<rsvp_nudge.7.")
    assert str(msg["Message-ID"]).endswith("@corp.example>")
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["Content-Language"] == "zh-CN"
    assert "In-Reply-To" not in msg


def test_action_tag_and_reply_headers() -> None:
    out = outgoing("action_reminder")
    out.in_reply_to = "<p18@mail.corp.example>"
    msg = _parse(compose(out, meeting_file(), context("zh")))
    assert str(msg["Subject"]).startswith("[MTG-7/A-1] ")
    assert msg["In-Reply-To"] == "<p18@mail.corp.example>"
    assert msg["References"] == "<p18@mail.corp.example>"
    assert subject_tag(7) == "[MTG-7]" and subject_tag(7, 3) == "[MTG-7/A-3]"


def test_message_ids_are_unique() -> None:
    f = meeting_file()
    ids = {str(compose(outgoing(k), f, context()).get("Message-ID")) for k in KINDS}
    assert len(ids) == len(KINDS)
    keys = ["", "a", "b", "a@b.example", "A-3#2", "x" * 100, "x" * 101, "长键"]
    mids = {make_message_id("invite", 7, k, None, NOW, "d") for k in keys}
    assert len(mids) == len(keys)
    assert make_message_id("x", 7, "k", 1, NOW, "d") != make_message_id("x", 7, "k", 2, NOW, "d")
    later = NOW + dt.timedelta(seconds=1)
    assert make_message_id("x", 7, "k", None, NOW, "d") != make_message_id(
        "x", 7, "k", None, later, "d"
    )
    # The same mail composed twice at the same instant keeps its Message-ID.
    assert make_message_id("x", 7, "k", None, NOW, "d") == make_message_id(
        "x", 7, "k", None, NOW, "d"
    )
    for mid in mids:
        assert mid.isascii() and " " not in mid
        assert len(f"Message-ID: {mid}") <= 78  # never folded


@pytest.mark.parametrize(
    "kind", ["invite", "invite_update", "cancel", "review_invite", "proxy_invite"]
)
def test_calendar_part_inside_alternative(kind: str) -> None:
    """The iMIP calendar puts its part into the alternative of the composed mail."""
    msg = calendar_mail(kind)
    assert msg.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html", "text/calendar"]
    cal = list(msg.iter_parts())[2]
    method = "CANCEL" if kind == "cancel" else "REQUEST"
    assert cal.get_param("method") == method
    assert cal.get_content_charset() == "utf-8"
    assert "X-Auto-Response-Suppress" not in msg
    from icalendar import Calendar

    payload = cal.get_payload(decode=True)
    assert isinstance(payload, bytes)
    parsed = Calendar.from_ical(payload)
    assert str(parsed["METHOD"]) == method
    (event,) = parsed.walk("VEVENT")
    # The invite DESCRIPTION is the plain-text body (which holds it with CRLF line ends).
    assert str(event["DESCRIPTION"]).strip() == body_text(msg).replace("\r\n", "\n").strip()


def test_materials_make_multipart_mixed() -> None:
    out = outgoing("materials")
    out.attachments = ["ab" * 32]
    loaded: list[str] = []

    def load(digest: str) -> tuple[str, str, bytes]:
        loaded.append(digest)
        return ("风险分析报告.pdf", "application/pdf", b"%PDF-1.4 test")

    msg = _parse(compose(out, meeting_file(), context("zh", load_material=load)))
    assert loaded == ["ab" * 32]
    assert msg.get_content_type() == "multipart/mixed"
    first, attachment = list(msg.iter_parts())
    assert first.get_content_type() == "multipart/alternative"
    assert attachment.get_filename() == "风险分析报告.pdf"
    assert attachment.get_content() == b"%PDF-1.4 test"
    assert msg["X-Meetingd-Kind"] == "materials"


def test_not_understood_without_meeting() -> None:
    msg = compose(outgoing("not_understood"), None, context("zh"))
    assert "X-Meetingd-Ref" not in msg
    assert msg["X-Meetingd-Kind"] == "not_understood"
    assert not str(msg["Subject"]).startswith("[MTG-")
    assert "回复: [MTG-7] 议题征集" in body_text(msg)


def test_compose_without_recipient_fails() -> None:
    out = outgoing("rsvp_nudge")
    out.to = []
    with pytest.raises(ValueError):
        compose(out, meeting_file(), context())


def test_deadlines_shown_in_company_zone() -> None:
    text = body_text(compose(outgoing("rsvp_nudge"), meeting_file(), context("zh")))
    assert f.fmt_dt(DEADLINES["replies_due"], "zh", TZ) in text


@pytest.mark.parametrize("lang", LANGS)
def test_not_understood_explains_problem_codes(lang: str) -> None:
    out = outgoing("not_understood")
    out.extra["problems"] = ["no_meeting", problem("date_header_unreadable", written="x")]
    text = body_text(compose(out, None, context(lang)))
    assert "no_meeting" not in text and "date_header" not in text
    assert "[MTG-" in text
    said = {"zh": "邮件的日期“x”无法读取。", "en": 'its Date header "x" could not be read.'}
    assert said[lang] in text


def test_review_subject_does_not_repeat_the_word() -> None:
    f = meeting_file()
    f.meeting.title = "复盘：新产品上市跨部门协调会"
    subject = str(compose(outgoing("review_invite"), f, context("zh"))["Subject"])
    assert subject.count("复盘") == 1


# ------------------------------------------------------------------------ wording checks


def _mail(
    kind: str,
    lang: str,
    now: dt.datetime = NOW,
    from_name: str | None = "",
    **extra: object,
) -> tuple[str, str, str]:
    """(subject, plain text, html with tags removed) of one sample mail; ``from_name``
    replaces the sample's sender name unless it is ``""``."""
    out = outgoing(kind)
    out.extra.update(extra)
    ctx = context(lang, now=now)
    if from_name != "":
        ctx = dataclasses.replace(ctx, from_name=from_name)
    f = None if kind == "not_understood" else meeting_file()
    msg = compose(out, f, ctx)
    html = body_text(msg, "html")
    html_text = re.sub(r"<[^>]+>", "", html)
    return str(msg["Subject"]), body_text(msg), html_text


def test_clause_filter() -> None:
    assert f.clause("项目调整，取消会议。。") == "项目调整，取消会议"
    assert f.clause("Room change, sorry!! ") == "Room change, sorry"
    assert f.clause("  改期；\n") == "改期"
    assert f.clause("已完成") == "已完成"
    assert f.clause(None) == ""


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("code", ["agenda", "late_topic", "rescheduled"])
def test_invite_update_reason_codes_become_sentences(code: str, lang: str) -> None:
    old = dt.datetime(2026, 10, 8, 6, 0, tzinfo=dt.UTC)  # 14:00 Shanghai
    extra: dict[str, Any] = {"reason": code}
    if code == "rescheduled":
        extra["old_start"] = old
    _, text, html = _mail("invite_update", lang, **extra)
    for out in (text, html):
        if code != "agenda":  # "agenda" is also an English word
            assert code not in out
        assert "：agenda" not in out and ": agenda" not in out
    expected = {
        ("zh", "agenda"): "会议议程已确定",
        ("zh", "late_topic"): "逾期提交的议题纳入本次会议",
        ("zh", "rescheduled"): f"由原定的{f.fmt_dt(old, 'zh', TZ)}改为",
        ("en", "agenda"): "the agenda is now set",
        ("en", "late_topic"): "added a late topic to the agenda",
        ("en", "rescheduled"): f"moved from {f.fmt_dt(old, 'en', TZ)} to",
    }[(lang, code)]
    assert expected in text and expected in html
    if code == "rescheduled":
        assert ("请重新确认是否出席" if lang == "zh" else "confirm your attendance again") in text


@pytest.mark.parametrize("lang", LANGS)
def test_invite_update_free_text_reason_is_quoted_once(lang: str) -> None:
    reason = "会议室改到5楼。" if lang == "zh" else "We moved to room 5."
    _, text, html = _mail("invite_update", lang, reason=reason)
    quoted = (
        "主持人的说明：“会议室改到5楼”。"
        if lang == "zh"
        else "Note from the host: “We moved to room 5”."
    )
    assert quoted in text and quoted in html
    for out in (text, html):
        assert "。。" not in out and ".”." not in out


def test_host_words_are_escaped_in_html() -> None:
    out = outgoing("invite_update")
    out.extra["reason"] = "<b>x</b> & y"
    html = body_text(compose(out, meeting_file(), context("en")), "html")
    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in html


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", ["cancel", "request_rejected"])
def test_free_text_reason_punctuation_not_doubled(kind: str, lang: str) -> None:
    reason = "项目调整，取消会议。。" if lang == "zh" else "Project cancelled!."
    _, text, html = _mail(kind, lang, reason=reason)
    want = "原因：项目调整，取消会议。" if lang == "zh" else "Reason: Project cancelled."
    assert want in text and want in html
    for out in (text, html):
        assert "。。" not in out and ".." not in out and "!." not in out


@pytest.mark.parametrize("lang", LANGS)
def test_request_question_unknown_participants(lang: str) -> None:
    _, text, html = _mail("request_question", lang, missing=["host", "participant:陈"])
    want = (
        "参会人“陈”无法确定是谁，请写明邮箱"
        if lang == "zh"
        else "participant “陈” could not be identified; please give their email address"
    )
    assert want in text and want in html
    for out in (text, html):
        assert "participant:" not in out
    form = [ln for ln in text.splitlines() if ln.startswith(("参会人员：", "Participants:"))]
    assert len(form) == 1 and "陈" in form[0]


#: Each deadline and how its time must never appear once it has passed.
def _asked_by(lang: str, when: dt.datetime) -> list[str]:
    shown = f.fmt_dt(when, lang, TZ)
    if lang == "zh":
        iso = f.iso(when, TZ)
        return [f"{shown}前", f"{shown} 前", f"{shown}（{iso}）前", f"截止时间：{shown}"]
    return [f"by {shown}"]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("key", sorted(DEADLINES))
def test_never_asks_by_a_passed_deadline(kind: str, lang: str, key: str) -> None:
    for now in (DEADLINES[key], DEADLINES[key] + dt.timedelta(hours=1)):
        subject, text, html = _mail(kind, lang, now=now)
        for out in (subject, text, html):
            for phrase in _asked_by(lang, DEADLINES[key]):
                assert phrase not in out, (kind, key, phrase)


@pytest.mark.parametrize("lang", LANGS)
def test_invite_asks_for_topics_only_before_the_deadline(lang: str) -> None:
    phrase = "请按议题征集邮件提交议题" if lang == "zh" else "send your topics"
    due = DEADLINES["topics_due"]
    for kind in ("invite", "invite_update"):
        _, before, before_html = _mail(kind, lang, now=due - dt.timedelta(minutes=1))
        assert phrase in before and phrase in before_html
        _, after, after_html = _mail(kind, lang, now=due)
        assert phrase not in after and phrase not in after_html


@pytest.mark.parametrize("lang", LANGS)
def test_proxy_request_at_the_reply_deadline_asks_before_the_start(lang: str) -> None:
    subject, text, _ = _mail("proxy_request", lang, now=DEADLINES["replies_due"])
    start_utc = meeting_file().meeting.start_utc
    assert start_utc is not None
    start = f.fmt_dt(start_utc, lang, TZ)
    if lang == "zh":
        assert "尽快" in text and f"会议开始（{start}）" in text
    else:
        assert "as soon as possible, before the meeting starts at " + start in text
    # Only the written input is missing: do not ask for a proxy.
    subject, text, _ = _mail("proxy_request", lang, missing=["written_opinion"])
    assert ("代理人" not in subject) if lang == "zh" else ("proxy" not in subject)
    assert ("代理人：" not in text) if lang == "zh" else ("Proxy:" not in text)


@pytest.mark.parametrize("lang", LANGS)
def test_agenda_mail_says_it_was_already_sent(lang: str) -> None:
    subject, text, html = _mail("agenda", lang)
    for out in (subject, text, html):
        assert "草案" not in out and "请您确认" not in out
        assert "Draft" not in out and "for your review" not in out
    want = (
        "已随更新后的会议通知同时发送给全体参会人" if lang == "zh" else "sent it to all attendees"
    )
    assert want in text and want in html
    # The reply grammar is shown, not a promise to pass it on to somebody.
    assert ("删除议题2" if lang == "zh" else "drop 2") in text
    assert "管理员" not in text and "administrator" not in text


@pytest.mark.parametrize("lang", LANGS)
def test_attendance_report_wording(lang: str) -> None:
    subject, text, html = _mail("attendance_report", lang)
    if lang == "zh":
        assert subject.endswith("1个关键角色尚未确认出席")
        assert "无人出席" not in subject + text + html
        assert "以下关键角色尚无人确认出席" in text and "以下关键角色尚无人确认出席" in html
        declined = next(ln for ln in text.splitlines() if ln.startswith("不参加："))
    else:
        assert subject.endswith("1 key role not yet confirmed")
        assert "Not yet confirmed:" in text and "Not yet confirmed:" in html
        declined = next(ln for ln in text.splitlines() if ln.startswith("Not attending:"))
    # 王芳 sent a proxy: listed with the proxies, not as not attending.
    assert "王芳" not in declined


def test_one_name_for_the_daemon() -> None:
    for kind in KINDS:
        _, text, html = _mail(kind, "zh", from_name=None)
        assert "会议助理" not in text + html
        assert "会议助手" in text and "会议助手" in html
    for path in (TEMPLATES / "zh").iterdir():
        assert "会议助理" not in path.read_text(), path


@pytest.mark.parametrize("lang", LANGS)
def test_review_invite_states_its_own_purpose(lang: str) -> None:
    _, text, html = _mail("review_invite", lang)
    original_goal = meeting_file().meeting.expected_outcome or ""
    for out in (text, html):
        assert original_goal not in out
        assert ("记录人" not in out) if lang == "zh" else ("Recorder" not in out)
    goal = (
        "会议目标：复盘行动项进展"
        if lang == "zh"
        else "Goal: review the progress of the action items"
    )
    assert goal in text
    assert "A-1" in text and "A-2" in text
    assert ("未开始" if lang == "zh" else "open") in text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", KINDS)
def test_no_internal_identifiers_or_doubled_punctuation(kind: str, lang: str) -> None:
    subject, text, html = _mail(kind, lang)
    for out in (subject, text, html):
        for bad in (
            "expected_outcome",
            "written_opinion",
            "participant:",
            "pain_point",
            "late_topic",
            "None",
            "[]",
            "['",
            "{'",
            "。。",
            "，。",
            "。，",
            "（（",
            "))",
            "..",
        ):
            assert bad not in out, (kind, bad)


@pytest.mark.parametrize("lang", LANGS)
def test_the_attendance_report_lists_the_uninvited_apart(lang: str) -> None:
    text = body_text(compose(outgoing("attendance_report"), meeting_file(), context(lang)))
    [line] = [ln for ln in text.splitlines() if "zhao.lei@partner.example" in ln]
    assert ("刘洋" in line or "liu.yang" in line) and ("出席" in line or "attending" in line)
    forwarded = compose(outgoing("attendee_forwarded"), meeting_file(), context(lang))
    assert "zhao.lei@partner.example" in body_text(forwarded)
