"""Fault classes of action-item updates (issue 12): completion without a status keyword,
progress given only as a percentage, delays phrased as "push this to <date>"."""

from __future__ import annotations

import pytest

from tests.unit.parse_cases import Case, check, params

_SUBJ = "Re: [MTG-7/A-3] 行动项提醒：供应商清单更新"


def _update(name: str, body: str, status: str, **more: object) -> Case:
    return Case(
        name, body, {"kind": "action_update", "action_update": {"status": status, **more}}, _SUBJ
    )


DONE_WITHOUT_KEYWORD = [
    _update("zh-issued-close", "新版清单已经下发到各部门了，这项可以关掉。", "done"),
    _update("zh-signed", "合同昨天已签署，原件已寄出。", "done"),
    _update("zh-close-it", "王总，采购申请已处理，这个可以关闭了。", "done"),
    _update(
        "en-sent-out", "The updated list was sent out to all departments this morning.", "done"
    ),
    _update("en-can-be-closed", "Vendor B signed yesterday, so this can be closed.", "done"),
    _update("en-taken-care", "All taken care of, the invoices are in the system.", "done"),
]
PERCENT = [
    _update("zh-about-60", "进度大概60%，下周能出初稿。", "in_progress"),
    _update("zh-fullwidth", "目前完成约７０％，数据还在核对", "in_progress"),
    _update("zh-chinese-number", "已完成百分之四十，其余等财务数据", "in_progress"),
    _update("zh-100-done", "进度100%，已全部录入。", "done"),
    _update(
        "en-percent-done", "About 60% done, the rest needs the finance figures.", "in_progress"
    ),
    _update("en-halfway", "We're halfway there, drafts are with legal.", "in_progress"),
]
DELAY = [
    _update(
        "en-push-to",
        "We need to push this to Jan 8, the vendor is closed.",
        "delayed",
        new_due="2027-01-08",
    ),
    _update(
        "en-push-it-back-to", "Can we push it back to December 22?", "delayed", new_due="2026-12-22"
    ),
    _update(
        "en-move-deadline",
        "I'd like to move the deadline to Dec 18 because of audits.",
        "delayed",
        new_due="2026-12-18",
    ),
    _update(
        "en-instead",
        "Can we make it Jan 12 instead? Vendor holidays.",
        "delayed",
        new_due="2027-01-12",
    ),
    _update("zh-tui-dao", "这项要推到12月25日，系统还没上线", "delayed", new_due="2026-12-25"),
    _update(
        "zh-wan-ji-tian",
        "数据源有问题，要晚几天，预计12月21日交。",
        "delayed",
        new_due="2026-12-21",
    ),
]


@pytest.mark.parametrize("case", params(DONE_WITHOUT_KEYWORD))
def test_completion_without_status_keyword(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", params(PERCENT))
def test_progress_as_percentage(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", params(DELAY))
def test_delay_phrased_without_keyword(case: Case) -> None:
    check(case)
