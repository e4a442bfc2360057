"""Tagged JSON (a draft's storage): values come back equal and of the same types, nested
ones too; a value it cannot bring back is refused when stored, not changed."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from daemon.domain.agenda import build_agenda
from daemon.domain.effects import Outgoing
from daemon.domain.model import ActionItem
from daemon.domain.problems import Problem, problem
from daemon.store import tagged

SHANGHAI = ZoneInfo("Asia/Shanghai")


def same(a: Any, b: Any) -> bool:
    """Equal and of the same type, all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, Problem):
        return str(a) == str(b) and a.code == b.code and same(dict(a.params), dict(b.params))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if hasattr(a, "__dataclass_fields__"):
        return same(vars(a), vars(b))
    return bool(a == b)


VALUES: list[Any] = [
    None,
    True,
    0,
    -7,
    2.5,
    "会议纪要",
    [1, "二", None],
    ("a", ("b", 3)),
    {"x": [1, 2], "名": {"y": None}},
    {3: "int key", "s": 1},
    {"$datetime": "not a tag, a key"},
    {"$a": 1, "b": 2},
    {1, 2, 3},
    frozenset({"b", "a"}),
    dt.datetime(2027, 3, 9, 1, 30, tzinfo=dt.UTC),
    dt.datetime(2027, 3, 9, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    dt.datetime(2027, 3, 9, 9, 30),
    dt.date(2027, 3, 9),
    dt.time(9, 30),
    dt.timedelta(minutes=25),
    ActionItem(3, "切换演练", "lu.xin@corp.example", dt.date(2027, 3, 20), support="IT"),
    Outgoing(
        "action_assigned",
        ["lu.xin@corp.example"],
        cc=["host@corp.example"],
        key="k",
        action_k=3,
        extra={"new_due": dt.date(2027, 4, 1), "rows": [("a", 15)], "n": 2},
        attachments=["ab" * 32],
        question_id=9,
    ),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_a_value_comes_back_equal_and_of_the_same_type(value: Any) -> None:
    text = tagged.dumps(value)
    json.loads(text)  # plain JSON text
    assert same(tagged.loads(text), value)


def test_a_problem_keeps_its_code_and_params_nested_ones_too() -> None:
    inner = problem("suspicious_sender", sender="x@evil.example")
    when = dt.datetime(2027, 3, 9, 1, 30, tzinfo=dt.UTC)
    value = {"problems": [inner, "plain text"], "when": when}
    back = tagged.loads(tagged.dumps(value))
    assert same(back, value)
    assert isinstance(back["problems"][0], Problem) and type(back["problems"][1]) is str


def test_an_agenda_comes_back_as_its_own_rows() -> None:
    agenda = build_agenda([("仓储切换", "a@corp.example"), ("预算", "b@corp.example", 20)], 90)
    assert same(tagged.loads(tagged.dumps(agenda)), agenda)


class Label(str):
    """A str subclass from outside the daemon: storing it as a str would lose its type."""


@dataclass
class Foreign:
    value: int


@pytest.mark.parametrize(
    "value",
    [Label("x"), Foreign(1), pathlib.Path("/tmp"), SHANGHAI, object(), {"k": [Label("y")]}],
    ids=lambda v: type(v).__name__,
)
def test_a_value_it_cannot_bring_back_is_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        tagged.dumps(value)


@pytest.mark.parametrize(
    "text",
    [
        '{"$nope": 1}',
        '{"$dataclass": "os:PathLike", "fields": {}}',
        '{"$new": "daemon.domain.problems:Missing", "args": []}',
        '{"$dataclass": "daemon.domain.model:ActionItem"}',
    ],
)
def test_text_naming_an_unknown_or_foreign_type_is_an_error(text: str) -> None:
    with pytest.raises(ValueError):
        tagged.loads(text)
