"""The host's agenda edits, zh and en, one change per line (table-driven)."""

from __future__ import annotations

import pytest

from daemon.domain.messages import AgendaEdit
from daemon.inbound.parse.agenda_edit import parse_agenda_edits


@pytest.mark.parametrize(
    ("line", "want"),
    [
        ("删除议题2", [AgendaEdit("drop", n=2)]),
        ("去掉第2项", [AgendaEdit("drop", n=2)]),
        ("2 删除", [AgendaEdit("drop", n=2)]),
        ("drop 2", [AgendaEdit("drop", n=2)]),
        ("remove topic 2", [AgendaEdit("drop", n=2)]),
        ("议题3 改为30分钟", [AgendaEdit("time", n=3, minutes=30)]),
        ("第3项 30分钟", [AgendaEdit("time", n=3, minutes=30)]),
        ("topic 3: 30 min", [AgendaEdit("time", n=3, minutes=30)]),
        ("give 3 30 minutes", [AgendaEdit("time", n=3, minutes=30)]),
        ("议题3 移到第1", [AgendaEdit("move", n=3, to=1)]),
        ("把第3项提前到第1位", [AgendaEdit("move", n=3, to=1)]),
        ("move 3 to 1", [AgendaEdit("move", n=3, to=1)]),
        ("topic 3 first", [AgendaEdit("move", n=3, to=1)]),
        (
            "顺序：3,1,2",
            [
                AgendaEdit("move", n=3, to=1),
                AgendaEdit("move", n=1, to=2),
                AgendaEdit("move", n=2, to=3),
            ],
        ),
        ("order: 2, 1", [AgendaEdit("move", n=2, to=1), AgendaEdit("move", n=1, to=2)]),
        ("增加议题：供应商评估（20分钟）", [AgendaEdit("add", title="供应商评估", minutes=20)]),
        ("add: supplier review (20 min)", [AgendaEdit("add", title="supplier review", minutes=20)]),
    ],
)
def test_one_edit_per_line(line: str, want: list[AgendaEdit]) -> None:
    edits, unread = parse_agenda_edits([line])
    assert (edits, unread) == (want, [])


def test_a_line_that_reads_as_no_edit_spoils_the_set_and_looks_are_reported() -> None:
    edits, unread = parse_agenda_edits(["删除议题2", "议题3放后面一点吧"])
    assert [e.op for e in edits] == ["drop"] and unread == ["议题3放后面一点吧"]
    edits, unread = parse_agenda_edits(["谢谢", "议题3挪到后面"])
    assert edits == [] and unread == ["议题3挪到后面"]
    assert parse_agenda_edits(["好的，没问题"]) == ([], [])
