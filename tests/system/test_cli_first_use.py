"""What a first user hits: ``init`` makes every folder, ``inspect`` speaks plainly, a missing
file is an error not a traceback, and ``--now`` / ``MEETINGD_NOW`` move the clock loudly."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import json
import logging
import mailbox
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from daemon import clock
from daemon.cli import main
from daemon.inbound.inspect import inspect_path
from tests.mails import INSPECT_NOW, REQUEST_ZH, mail

WHO = "Liu Yang <liu.yang@corp.example>"
MINUTES = """会议纪要
一、决议
1. 市场部延迟活动启动时间3天。
2. 自12月14日起客服按新流程处理投诉。
二、行动项
1. 行动内容：完成功能开发；负责人：刘洋；完成时间：2026年12月18日；支持需求：市场部提供需求文档
三、后续安排
两周后复盘进展（12月22日）。
"""
DELEGATE = (
    "不参加。12月8日在外地出差。\n代理人：周强 zhou.qiang@corp.example\n书面意见：建议推迟一周。\n"
)
VAGUE = REQUEST_ZH.replace(
    "预期成果：确定切换日期、回退方案及各环节责任人。", "预期成果：讨论一下问题"
)


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    """``meetingd ARGS`` in this process; a traceback fails the test."""
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def folders(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_dir()}


def write(tmp_path: Path, name: str, raw: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(raw)
    return str(path)


# ------------------------------------------------------------------ init


def test_init_creates_every_folder_of_the_default(tmp_path: Path) -> None:
    assert invoke("init", "--dir", str(tmp_path)).exit_code == 0
    var = tmp_path / "var"
    made = folders(var)
    for box in ("inbox", "processed", "outbox"):
        assert {box, f"{box}/new", f"{box}/cur", f"{box}/tmp"} <= made
    assert "materials" in made


def test_a_first_pass_needs_no_folder_init_did_not_make(tmp_path: Path) -> None:
    invoke("init", "--dir", str(tmp_path))
    var = tmp_path / "var"
    made = folders(var)
    request = mail(WHO, "会议需求申请：仓储系统切换协调会", REQUEST_ZH)
    message = email.message_from_bytes(request, policy=email.policy.default)
    message.add_attachment(b"%PDF-1.4 x", maintype="application", subtype="pdf", filename="a.pdf")
    mailbox.Maildir(var / "inbox").add(message.as_bytes())
    result = invoke("run", "--once", "-c", str(tmp_path / "meetingd.toml"))
    assert result.exit_code == 0 and "processed 1" in result.stdout
    # Only the content-addressed subfolders of the materials store are new.
    new = folders(var) - made
    assert new and all(name.startswith("materials/") for name in new), new


# ------------------------------------------------------------------ inspect


def test_inspect_without_json_prints_a_readable_summary(tmp_path: Path) -> None:
    files = [
        write(tmp_path, "request.eml", mail(WHO, "会议需求申请：仓储系统切换协调会", REQUEST_ZH)),
        write(tmp_path, "vague.eml", mail(WHO, "会议需求申请：复盘", VAGUE)),
        write(tmp_path, "rsvp.eml", mail(WHO, "回复: [MTG-12] 请确认是否参会", DELEGATE)),
        write(tmp_path, "minutes.eml", mail(WHO, "[MTG-12] 会议纪要", MINUTES)),
        write(tmp_path, "done.eml", mail(WHO, "回复: [MTG-12/A-4] 行动项提醒", "已完成")),
    ]
    result = invoke("inspect", *files)
    assert result.exit_code == 0 and result.stderr == ""
    blocks = result.stdout.split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == files
    request, vague, rsvp, minutes, done = (dict(_rows(b)) for b in blocks)
    assert request["kind"] == "meeting_request" and request["sender"] == WHO
    assert request["meeting"].startswith("none")
    assert request["title"] == "仓储系统切换协调会"
    assert request["goal issues"] == "measurable (no issues)"
    assert request["host"] == "qian.feng@corp.example"
    assert request["participants"] == "feng.tao@corp.example, wei.dong@corp.example"
    assert request["start"] == "2026-10-09 14:00 +0800"
    assert "讨论一下问题" in vague["goal issues"]
    assert rsvp["kind"] == "rsvp" and rsvp["meeting"] == "MTG-12"
    assert rsvp["answer"].startswith("DECLINED")
    assert "zhou.qiang@corp.example" in rsvp["delegate"]
    assert rsvp["written opinion"] == "建议推迟一周。"
    assert minutes["decisions"].startswith("1. 市场部延迟活动启动时间3天")
    assert "完成功能开发 — owner 刘洋, due 2026-12-18" in minutes["action items"]
    assert minutes["review date"] == "2026-12-22"
    assert done["progress"] == "A-4: done" and done["action item"] == "A-4"
    for block in (request, rsvp, minutes, done):
        assert block["attachments"] == "none" and block["problems"] == "none"


def _rows(block: str) -> list[tuple[str, str]]:
    """``label: value`` rows of one summary (continuation lines joined to their value)."""
    rows: list[tuple[str, str]] = []
    for line in block.splitlines()[1:]:
        label, sep, value = line.strip().partition(":")
        if sep and line[2] != " " and value.startswith(" "):
            rows.append((label, value.strip()))
        else:
            rows[-1] = (rows[-1][0], rows[-1][1] + "\n" + line.strip())
    return rows


def test_inspect_summary_shows_attachments_and_problems(tmp_path: Path) -> None:
    message = email.message_from_bytes(
        mail(WHO, "Re: [MTG-3] 议题", "> 只有引用\n"), policy=email.policy.default
    )
    message.add_attachment(b"12345", maintype="application", subtype="pdf", filename="材料.pdf")
    path = write(tmp_path, "a.eml", message.as_bytes())
    rows = dict(_rows(invoke("inspect", path).stdout))
    assert rows["attachments"] == "材料.pdf (application/pdf, 5 bytes)"
    assert rows["problems"] != "none" and "quoted" in rows["problems"]


def test_inspect_missing_file_is_an_error_and_the_others_are_shown(tmp_path: Path) -> None:
    good = write(tmp_path, "rsvp.eml", mail(WHO, "Re: [MTG-3] 邀请", "参加"))
    missing = str(tmp_path / "nope.eml")
    result = invoke("inspect", missing, good, str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"meetingd: {missing}: no such file. Fix: check the path (a saved .eml file).",
        f"meetingd: {tmp_path}: is a folder. Fix: give the mail files in it, "
        f"e.g. {tmp_path}/*.eml.",
    ]
    assert result.stdout.splitlines()[0] == good and "Traceback" not in result.output


def test_inspect_json_keeps_one_line_per_file_unchanged(tmp_path: Path) -> None:
    files = [
        write(tmp_path, "rsvp.eml", mail(WHO, "Re: [MTG-3] 邀请", "参加")),
        str(tmp_path / "nope.eml"),
        write(tmp_path, "minutes.eml", mail(WHO, "[MTG-12] 会议纪要", MINUTES)),
    ]
    result = invoke("inspect", "--json", *files)
    expected = [
        json.dumps(inspect_path(f, now=INSPECT_NOW).to_json(), ensure_ascii=False) for f in files
    ]
    assert result.stdout.splitlines() == expected
    assert json.loads(expected[1])["kind"] == "unknown"
    assert result.exit_code == 2 and "nope.eml: no such file" in result.stderr


# ------------------------------------------------------------------ --now


@pytest.fixture()
def cfg_file(tmp_path: Path) -> Path:
    path = tmp_path / "meetingd.toml"
    path.write_text('[daemon]\nvar_dir = "var"\n', encoding="utf-8")
    return path


NOTICE = (
    "meetingd: clock set to 2026-12-15 18:05 +08:00 by {source} "
    "(a testing aid; never use it in production)"
)


@pytest.mark.parametrize(
    "verb", [("status",), ("outbox",), ("actions",), ("check-config",), ("run", "--once")]
)
def test_now_is_announced_for_every_verb(
    cfg_file: Path, verb: tuple[str, ...], caplog: pytest.LogCaptureFixture
) -> None:
    before = clock.get_clock()
    with caplog.at_level(logging.WARNING, logger="daemon.cli"):
        result = invoke("--now", "2026-12-15 18:05", *verb, "-c", str(cfg_file))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [NOTICE.format(source="--now")]
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warned] == [NOTICE.format(source="--now")[10:]]
    assert clock.get_clock() is before, "the clock is put back after the command"


def test_now_moves_the_daemons_clock(cfg_file: Path) -> None:
    (cfg_file.parent / "var").mkdir()
    drop = mailbox.Maildir(cfg_file.parent / "var" / "inbox")
    drop.add(mail(WHO, "会议需求申请：仓储系统切换协调会", REQUEST_ZH))
    result = invoke("--now", "2026-12-15 18:05", "run", "--once", "-c", str(cfg_file))
    assert result.exit_code == 0 and "sent 1" in result.stdout, result.output
    (sent,) = mailbox.Maildir(cfg_file.parent / "var" / "outbox")
    date = email.utils.parsedate_to_datetime(sent["Date"])
    expected = dt.datetime(2026, 12, 15, 10, 5, tzinfo=dt.UTC)
    assert dt.timedelta(0) <= date - expected < dt.timedelta(minutes=1)


def test_meetingd_now_variable_takes_an_offset(cfg_file: Path) -> None:
    result = invoke("status", "-c", str(cfg_file), env={"MEETINGD_NOW": "2026-12-15T10:05Z"})
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [NOTICE.format(source="MEETINGD_NOW")]


def test_now_uses_the_configured_time_zone(cfg_file: Path) -> None:
    cfg_file.write_text('[calendar]\ntimezone = "Europe/Berlin"\n', encoding="utf-8")
    result = invoke("--now", "2026-12-15 18:05", "status", "-c", str(cfg_file))
    assert "clock set to 2026-12-15 18:05 +01:00 by --now" in result.stderr


@pytest.mark.parametrize(
    ("args", "env", "name"),
    [
        (["--now", "tomorrow"], None, "--now"),
        ([], {"MEETINGD_NOW": "15.12.2026"}, "MEETINGD_NOW"),
    ],
)
def test_a_malformed_now_names_the_option_and_the_fix(
    cfg_file: Path, args: list[str], env: dict[str, str] | None, name: str
) -> None:
    result = invoke(*args, "status", "-c", str(cfg_file), env=env)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"meetingd: {name} ") and "not a date and time. Fix:" in line
    assert result.stdout == ""


def test_without_now_the_clock_is_the_wall_clock(cfg_file: Path) -> None:
    result = invoke("status", "-c", str(cfg_file), env={"MEETINGD_NOW": ""})
    assert result.exit_code == 0 and "clock set" not in result.stderr


def test_demo_says_it_ignores_now(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import daemon.demo

    monkeypatch.setattr(daemon.demo, "run_demo", lambda *_args, **_kw: 0)
    result = invoke("--now", "2026-12-15 18:05", "demo", "--workdir", str(tmp_path / "d"))
    assert result.exit_code == 0
    assert result.stderr == (
        "meetingd: --now is ignored by demo: it runs its own simulated clock "
        "(choose the day with --meeting-date)\n"
    )
