"""Fault classes of topic submissions (issue 12), through the real inspect path: numbered
fields with synonym labels (主题/现状…), HTML tables with a header row and one row per
topic, and free-form topics (the greeting is never the title)."""

from __future__ import annotations

import pytest

from tests.unit.parse_cases import Case, check, inspect_case, params

_SUBJ = "Re: [MTG-7] 议题征集：下周部门沟通协调会"
_EN = "Re: [MTG-7] Call for topics"


def _t(name: str, body: str, topics: list[dict], subject: str = _SUBJ, html: bool = False) -> Case:
    return Case(name, body, {"kind": "topic_submission", "topics": topics}, subject, html=html)


SYNONYMS = [
    _t(
        "zh-zhuti-xianzhuang",
        "王总好，我部门议题如下：\n1. 主题：仓储外包合同续签\n"
        "2. 现状：合同12月底到期，报价上涨15%\n"
        "3. 问题描述：法务审核排期太长\n4. 诉求：会上确定是否续签",
        [
            {
                "title": "仓储外包合同续签",
                "background": "合同12月底到期，报价上涨15%",
                "pain_point": "法务审核排期太长",
                "expected_outcome": "会上确定是否续签",
                "missing": [],
            }
        ],
    ),
    _t(
        "zh-biaoti-qingkuang",
        "（一）标题：新员工入职设备发放\n（二）目前情况：平均等待两周\n（三）困难：预算审批慢\n"
        "（四）希望会议：明确采购权限",
        [
            {
                "title": "新员工入职设备发放",
                "background": "平均等待两周",
                "pain_point": "预算审批慢",
                "expected_outcome": "明确采购权限",
            }
        ],
    ),
    _t(
        "en-subject-current-state",
        "1. Subject: Laptop refresh for the field team\n2. Current state: 40% of laptops are "
        "over five years old\n3. Challenges: no budget line\n4. Decision needed: approve the "
        "refresh budget",
        [
            {
                "title": "Laptop refresh for the field team",
                "background": "40% of laptops are over five years old",
                "pain_point": "no budget line",
                "expected_outcome": "approve the refresh budget",
            }
        ],
        subject=_EN,
    ),
]

TABLES = [
    _t(
        "zh-html-rows",
        "<p>王总好：</p><p>我们部门提两个议题，见下表。</p><table>"
        "<tr><th>序号</th><th>议题</th><th>背景</th><th>痛点</th><th>期望成果</th></tr>"
        "<tr><td>1</td><td>供应商付款周期</td><td>付款周期90天</td><td>供应商投诉多</td>"
        "<td>缩短到60天</td></tr><tr><td>2</td><td>仓库盘点频率</td><td>每季度盘点一次</td>"
        "<td>差异发现太晚</td><td>改为每月盘点</td></tr></table><p>谢谢！</p>",
        [
            {
                "title": "供应商付款周期",
                "background": "付款周期90天",
                "pain_point": "供应商投诉多",
                "expected_outcome": "缩短到60天",
            },
            {
                "title": "仓库盘点频率",
                "background": "每季度盘点一次",
                "pain_point": "差异发现太晚",
                "expected_outcome": "改为每月盘点",
            },
        ],
        html=True,
    ),
    _t(
        "zh-html-synonym-headers",
        "<div>各位好</div><table><tr><td><b>主题</b></td><td><b>现状</b></td><td><b>诉求</b></td></tr>"
        "<tr><td>报销流程线上化</td><td>纸质单据流转一周</td><td>确定上线时间</td></tr></table>",
        [
            {
                "title": "报销流程线上化",
                "background": "纸质单据流转一周",
                "expected_outcome": "确定上线时间",
                "missing": ["pain_point"],
            }
        ],
        html=True,
    ),
    _t(
        "en-html-rows",
        "<p>Hi Wei,</p><table><tr><th>#</th><th>Topic</th><th>Background</th><th>Pain point</th>"
        "<th>Expected outcome</th></tr><tr><td>1</td><td>Shared drive cleanup</td>"
        "<td>2 TB of stale files</td><td>Backups take 9 hours</td><td>Agree a retention rule</td>"
        "</tr><tr><td>2</td><td>Visitor badges</td><td>Paper log at reception</td>"
        "<td>No audit trail</td><td>Pick a badge system</td></tr></table>",
        [
            {"title": "Shared drive cleanup", "expected_outcome": "Agree a retention rule"},
            {"title": "Visitor badges", "pain_point": "No audit trail"},
        ],
        subject=_EN,
        html=True,
    ),
]

FREEFORM = [
    _t(
        "zh-wang-zong-hao",
        "王总好，我们这边主要想提一下供应商付款周期的问题。目前付款周期是90天，几家核心供应商"
        "多次投诉。\n\n谢谢\n张伟",
        [
            {
                "title": "供应商付款周期的问题",
                "background": "目前付款周期是90天，几家核心供应商多次投诉",
                "missing": ["pain_point", "expected_outcome"],
                "freeform": True,
            }
        ],
    ),
    _t(
        "zh-ge-wei-hao",
        "各位领导好：\n我们部门希望在会上讨论一下跨部门用车调度。现在用车要提前三天申请，临时任务经常派不出车。",
        [
            {
                "title": "跨部门用车调度",
                "background": "现在用车要提前三天申请，临时任务经常派不出车",
                "freeform": True,
            }
        ],
    ),
    _t(
        "en-hi-id-like-to-raise",
        "Hi Dana,\nI'd like to raise the onboarding backlog. New hires wait two weeks for "
        "laptops.\n\nThanks,\nOmar",
        [
            {
                "title": "the onboarding backlog",
                "background": "New hires wait two weeks for laptops",
                "missing": ["pain_point", "expected_outcome"],
                "freeform": True,
            }
        ],
        subject=_EN,
    ),
    _t(
        "en-dear-all-propose",
        "Dear all,\nWe would like to discuss the office move timeline. The lease ends in March "
        "and no site is chosen yet.",
        [
            {
                "title": "the office move timeline",
                "background": "The lease ends in March and no site is chosen yet",
                "freeform": True,
            }
        ],
        subject=_EN,
    ),
]


FREEFORM += [
    _t(
        "en-lead-in-mid-sentence",
        "Hello Wei,\nOne thing we would like to bring up is the delay in vendor onboarding. "
        "It takes six weeks today.",
        [{"title": "the delay in vendor onboarding", "background": "It takes six weeks today"}],
        subject=_EN,
    ),
    _t(
        "zh-inline-topic-then-background",
        "张总您好！\n我们想提个议题：仓库搬迁的时间安排。\n目前新仓库12月底交付，但旧仓库合同1月5日到期。",
        [
            {
                "title": "仓库搬迁的时间安排",
                "background": "目前新仓库12月底交付，但旧仓库合同1月5日到期",
            }
        ],
    ),
    _t(
        "zh-signed-name-is-not-background",
        "建议讨论一个议题：会议室预订冲突太多。\n张三",
        [{"title": "会议室预订冲突太多", "background": None}],
    ),
]


FREEFORM += [
    _t(
        "en-could-we-discuss",
        "Hi Wei,\nCould we discuss the parking shortage at the next meeting? Staff arrive late "
        "twice a week.",
        [{"title": "the parking shortage", "background": "Staff arrive late twice a week"}],
        subject=_EN,
    ),
    _t(
        "zh-wu-inside-a-title",
        "各位好，我们想讨论一下无纸化办公议题。目前每月打印八千张。",
        [{"title": "无纸化办公议题", "background": "目前每月打印八千张"}],
    ),
    _t(
        "zh-nengfou-taolun",
        "各位好，能否在会上讨论一下加班审批流程？目前需要三级审批。",
        [{"title": "加班审批流程", "background": "目前需要三级审批"}],
    ),
]
SYNONYMS += [
    _t(
        "zh-background-problem-coordination",
        "1. 主题：差旅报销时效\n2. 问题背景：报销平均30天\n3. 存在的问题：员工垫资压力大\n"
        "4. 需协调事项：财务部缩短审核",
        [
            {
                "title": "差旅报销时效",
                "background": "报销平均30天",
                "pain_point": "员工垫资压力大",
                "expected_outcome": "财务部缩短审核",
                "missing": [],
            }
        ],
    ),
    _t(
        "zh-bracket-labels",
        "【议题】仓库搬迁\n【现状】新仓库12月交付\n【诉求】确定搬迁日期",
        [{"title": "仓库搬迁", "background": "新仓库12月交付", "expected_outcome": "确定搬迁日期"}],
    ),
]


@pytest.mark.parametrize("case", params(SYNONYMS))
def test_numbered_fields_with_synonym_labels(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", params(TABLES))
def test_topics_in_a_table_one_row_each(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", params(FREEFORM))
def test_freeform_topic_greeting_is_never_the_title(case: Case) -> None:
    check(case)


@pytest.mark.parametrize(
    "body",
    [
        "王总好，我们部门本次没有议题。",
        "各位好：销售部暂无需要上会的议题，谢谢。",
        "Hi Wei, no topics from Finance this time.",
    ],
)
def test_a_reply_proposing_no_topic_is_no_topic(body: str) -> None:
    got = inspect_case(Case("none", body, {}, _SUBJ))
    assert got["kind"] != "topic_submission" and got["topics"] == [], got["topics"]
