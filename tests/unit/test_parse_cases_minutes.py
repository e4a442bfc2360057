"""Fault classes of minutes (issue 12), through the real inspect path: dash/numbered action
lists, action tables (HTML and plain-text grids), prose minutes, English minutes (dash parts,
Fallback:, risk lists that stop at their paragraph, "Monday, December 28"), review dates in
words, "如遇X，先Y" risks, signature blocks, and items kept as doubtful.

The mails are dated Monday 2026-12-07 (+08:00).
"""

from __future__ import annotations

import pytest

from tests.unit.parse_cases import Case, check, inspect_case, params

_ZH = "[MTG-7] 部门沟通协调会会议纪要"
_EN = "[MTG-7] Minutes: cross-department sync"


def _m(name: str, body: str, minutes: dict, subject: str = _ZH, **kw: object) -> Case:
    return Case(name, body, {"kind": "minutes", "minutes": minutes}, subject, **kw)  # type: ignore[arg-type]


DASH_LISTS = [
    _m(
        "zh-dash-owner-colon",
        "一、决议\n1. 供应商清单按季度更新。\n二、行动项\n"
        "- 张伟：12月20日前完成供应商清单更新（需采购部支持）\n"
        "- 李娜：12月15日前提交预算草案",
        {
            "action_items": [
                {
                    "what": "完成供应商清单更新",
                    "owner": "张伟",
                    "due": "2026-12-20",
                    "support": "采购部支持",
                    "doubtful": [],
                },
                {"what": "提交预算草案", "owner": "李娜", "due": "2026-12-15", "support": None},
            ]
        },
    ),
    _m(
        "zh-numbered-owner-colon",
        "会议决议：\n1、客服工单统一进系统。\n行动项：\n"
        "1. 王芳：12月18日前上线工单模板，需要IT部协助\n2. 刘洋：本周五前培训客服组",
        {
            "action_items": [
                {
                    "what": "上线工单模板",
                    "owner": "王芳",
                    "due": "2026-12-18",
                    "support": "IT部协助",
                },
                {"what": "培训客服组", "owner": "刘洋", "due": "2026-12-11"},
            ]
        },
    ),
    _m(
        "zh-chinese-numbers",
        "一、决议\n一、活动延后一周\n二、行动项\n一、赵磊：12月22日前确认场地（需行政部支持）",
        {
            "action_items": [
                {"what": "确认场地", "owner": "赵磊", "due": "2026-12-22", "support": "行政部支持"}
            ]
        },
    ),
    _m(
        "en-dash-owner-colon",
        "Decisions:\n- Keep vendor B for Q1.\nAction items:\n"
        "- Dana: update the vendor list by Dec 20 (needs IT support)\n"
        "- Omar Haddad: send the budget draft before December 15",
        {
            "action_items": [
                {
                    "what": "update the vendor list",
                    "owner": "Dana",
                    "due": "2026-12-20",
                    "support": "IT support",
                },
                {"what": "send the budget draft", "owner": "Omar Haddad", "due": "2026-12-15"},
            ]
        },
        subject=_EN,
    ),
]

_TABLE_ZH = (
    "<p>各位好，本次会议纪要如下：</p><p>一、决议</p><p>1. 投诉流程按新方案执行。</p>"
    "<p>二、行动项</p><table><tr><th>序号</th><th>行动内容</th><th>负责人</th><th>完成时间</th>"
    "<th>支持需求</th></tr>{rows}</table>"
)
TABLES = [
    _m(
        "zh-html-action-table",
        _TABLE_ZH.format(
            rows="<tr><td>1</td><td>完成功能开发</td><td>刘洋</td><td>2026年12月18日</td>"
            "<td>市场部提供需求文档</td></tr><tr><td>2</td><td>提交需求文档</td><td>王芳</td>"
            "<td>12月11日</td><td>无</td></tr>"
        ),
        {
            "action_items": [
                {
                    "what": "完成功能开发",
                    "owner": "刘洋",
                    "due": "2026-12-18",
                    "support": "市场部提供需求文档",
                },
                {"what": "提交需求文档", "owner": "王芳", "due": "2026-12-11", "support": None},
            ]
        },
        html=True,
    ),
    _m(
        "zh-html-table-time-in-cell-no-heading",
        "<p>会议纪要</p><p>会议决议：按新流程处理投诉</p><table><tr><td>序号</td><td>行动内容</td>"
        "<td>负责人</td><td>完成时间</td><td>支持需求</td></tr><tr><td>1</td><td>上线新流程</td>"
        "<td>陈静</td><td>12月14日 18:00</td><td>IT部：配置系统</td></tr></table>",
        {
            "action_items": [
                {
                    "what": "上线新流程",
                    "owner": "陈静",
                    "due": "2026-12-14",
                    "support": "IT部：配置系统",
                }
            ]
        },
        html=True,
    ),
    _m(
        "zh-plain-text-grid",
        "二、行动项\n| 序号 | 行动内容 | 负责人 | 完成时间 |\n|---|---|---|---|\n"
        "| 1 | 更新报价单 | 孙强 | 12月16日 |\n| 2 | 通知经销商 | 周敏 | 12月18日 |",
        {
            "action_items": [
                {"what": "更新报价单", "owner": "孙强", "due": "2026-12-16"},
                {"what": "通知经销商", "owner": "周敏", "due": "2026-12-18"},
            ]
        },
    ),
    _m(
        "en-spaced-grid",
        "Action items\nAction              Owner     Due\nShip the beta       Priya     Dec 21\n"
        "Brief support team  Tom Lee   Dec 22",
        {
            "action_items": [
                {"what": "Ship the beta", "owner": "Priya", "due": "2026-12-21"},
                {"what": "Brief support team", "owner": "Tom Lee", "due": "2026-12-22"},
            ]
        },
        subject=_EN,
    ),
]

_REQ = "In-Reply-To: <minutes_request.7.abcdefghijklmnopqrst@meetings.example.org>\n"
PROSE = [
    _m(
        "zh-prose-subject",
        "各位好，\n今天会上大家一致同意先在华东区试点新流程。张伟负责在12月20日前整理试点方案，"
        "需要财务部配合。如遇系统来不及上线，先用表格登记。两周后复盘。",
        {
            "decisions": ["今天会上大家一致同意先在华东区试点新流程"],
            "action_items": [{"owner": "张伟", "due": "2026-12-20", "support": "财务部配合"}],
            "risks": [{"risk": "如遇系统来不及上线", "mitigation": "先用表格登记"}],
            "review_date": "2026-12-21",
        },
    ),
    _m(
        "zh-prose-reply-to-minutes-request",
        "王总，会议情况汇总如下：会议决定采购流程改为线上审批。李娜12月15日前负责完成系统配置。",
        {
            "decisions": ["会议决定采购流程改为线上审批"],
            "action_items": [{"owner": "李娜", "due": "2026-12-15"}],
        },
        subject="Re: [MTG-7] 请发送会议记录",
        headers=_REQ,
    ),
    _m(
        "en-prose-reply-to-minutes-request",
        "Hi Wei,\nWe agreed to move the launch to January. Dana will update the rollout plan by "
        "Dec 18. If the vendor slips again, we switch to vendor C.\n\nThanks,\nOmar",
        {
            "decisions": ["We agreed to move the launch to January"],
            "action_items": [
                {"what": "update the rollout plan", "owner": "Dana", "due": "2026-12-18"}
            ],
            "risks": [{"risk": "If the vendor slips again", "mitigation": "we switch to vendor C"}],
        },
        subject="Re: [MTG-7] notes please",
        headers=_REQ,
    ),
]

PROSE += [
    _m(
        "zh-owner-verb-after-date-and-inline-decision",
        "各位好，本次会议纪要如下：\n\n会议决定：下周起试行新报销流程。\n\n行动项：\n"
        "张伟负责12月20日前完成系统配置，采购部配合\n李娜：12/18前发通知\n\n"
        "风险：财务系统升级可能延期，备用方案是手工登记。\n\n谢谢\n王芳",
        {
            "decisions": ["下周起试行新报销流程"],
            "action_items": [
                {
                    "what": "完成系统配置",
                    "owner": "张伟",
                    "due": "2026-12-20",
                    "support": "采购部配合",
                },
                {"what": "发通知", "owner": "李娜", "due": "2026-12-18"},
            ],
            "risks": [{"risk": "财务系统升级可能延期", "mitigation": "手工登记"}],
        },
    ),
    _m(
        "en-summary-bullets",
        "Hi all,\n\nSummary of today's meeting:\n- Decided: we keep vendor B.\n"
        "- Omar will send the contract draft by Dec 15.\n- Risk: legal review may take longer; "
        "fallback: sign a letter of intent first.\n\nNext review: December 28.\n\nBest,\nDana",
        {
            "decisions": ["we keep vendor B"],
            "action_items": [
                {"what": "send the contract draft", "owner": "Omar", "due": "2026-12-15"}
            ],
            "risks": [
                {
                    "risk": "legal review may take longer",
                    "mitigation": "sign a letter of intent first",
                }
            ],
            "review_date": "2026-12-28",
        },
        subject="Re: [MTG-7] Minutes",
    ),
]

PROSE += [
    _m(
        "zh-paragraph-several-owners",
        "王总：\n今天的会开得很好。大家同意把新品发布推迟到1月10日。市场部的王芳负责在12月25日前"
        "更新发布计划，技术部刘洋12月30日前完成压测。如果压测不通过，就先发布基础版本。"
        "下周五再碰一次进度。\n张伟",
        {
            "decisions": ["大家同意把新品发布推迟到1月10日"],
            "action_items": [
                {"what": "更新发布计划", "owner": "王芳", "due": "2026-12-25"},
                {"what": "完成压测", "owner": "刘洋", "due": "2026-12-30"},
            ],
            "risks": [{"risk": "如果压测不通过", "mitigation": "就先发布基础版本"}],
            "review_date": "2026-12-18",
        },
    ),
    _m(
        "en-two-owners-in-one-sentence",
        "Hi team,\nQuick notes from today. We decided to freeze the scope. Priya to finalise the "
        "test plan by Friday, Tom Lee to book the lab by Dec 16. Risk: the lab may be taken; "
        "fallback: use the staging room.\nNext review on Monday, December 21.\nRegards,\nOmar",
        {
            "decisions": ["We decided to freeze the scope"],
            "action_items": [
                {"what": "finalise the test plan", "owner": "Priya", "due": "2026-12-11"},
                {"what": "book the lab", "owner": "Tom Lee", "due": "2026-12-16"},
            ],
            "risks": [{"risk": "the lab may be taken", "mitigation": "use the staging room"}],
            "review_date": "2026-12-21",
        },
        subject=_EN,
    ),
]

ENGLISH = [
    _m(
        "en-dash-parts",
        "Decisions:\n1. Launch in January.\n\nAction items:\n"
        "- Update the rollout plan — Dana — by Dec 18 — needs marketing input\n"
        "- Book the venue — Omar Haddad — by December 22\n"
        "- Draft FAQ — by Dec 21 — needs legal review",
        {
            "action_items": [
                {
                    "what": "Update the rollout plan",
                    "owner": "Dana",
                    "due": "2026-12-18",
                    "support": "marketing input",
                },
                {"what": "Book the venue", "owner": "Omar Haddad", "due": "2026-12-22"},
                {
                    "what": "Draft FAQ",
                    "owner": None,
                    "due": "2026-12-21",
                    "support": "legal review",
                    "doubtful": ["owner"],
                },
            ]
        },
        subject=_EN,
    ),
    _m(
        "en-fallback-risks-stop-at-paragraph",
        "Decisions:\n- Go with vendor B.\n\nRisks:\n- Vendor B may miss the Dec 20 delivery.\n"
        "  Fallback: use the old stock.\n- Budget approval could slip. Fallback: split the order.\n"
        "\nNext review Monday, December 28.\n\nBest regards,\nDana Li\nPMO | Acme Ltd.\n"
        "Mobile: +86 138 0000 0000",
        {
            "risks": [
                {
                    "risk": "Vendor B may miss the Dec 20 delivery",
                    "mitigation": "use the old stock",
                },
                {"risk": "Budget approval could slip", "mitigation": "split the order"},
            ],
            "review_date": "2026-12-28",
            "decisions": ["Go with vendor B"],
        },
        subject=_EN,
    ),
    _m(
        "en-risk-fallback-owner",
        "Risks\n1. Customs delay on the parts - Fallback: air freight (owner: Priya)\n\n"
        "We will meet again on Monday, December 21 for the review.\n\nCheers\nTom",
        {
            "risks": [
                {
                    "risk": "Customs delay on the parts",
                    "mitigation": "air freight",
                    "owner": "Priya",
                }
            ],
            "review_date": "2026-12-21",
        },
        subject=_EN,
    ),
]

ENGLISH += [
    _m(
        "en-owner-first-dash-parts",
        "Action items:\n- Dana — update the vendor list — by Dec 20\n"
        "- 王芳 — 更新报价单 — 12月16日前 — 需要财务部支持",
        {
            "action_items": [
                {"what": "update the vendor list", "owner": "Dana", "due": "2026-12-20"},
                {
                    "what": "更新报价单",
                    "owner": "王芳",
                    "due": "2026-12-16",
                    "support": "财务部支持",
                },
            ]
        },
        subject=_EN,
    ),
]

REVIEW = [
    _m(
        "zh-two-weeks",
        "一、决议\n1. 试点延长一个月。\n四、后续安排\n两周后复盘。",
        {"review_date": "2026-12-21"},
    ),
    _m(
        "zh-date-then-review",
        "决议：\n1. 启用新模板。\n后续：12月28日复盘进展",
        {"review_date": "2026-12-28"},
    ),
    _m(
        "zh-next-friday",
        "一、决议\n1. 预算冻结。\n\n下周五复盘执行情况。",
        {"review_date": "2026-12-18"},
    ),
]

CONDITION_RISKS = [
    _m(
        "zh-ruyu-xian",
        "三、风险提示\n1. 如遇供应商延期，先启用备用供应商。",
        {"risks": [{"risk": "如遇供应商延期", "mitigation": "先启用备用供应商"}]},
    ),
    _m(
        "zh-labelled-ruyu",
        "风险提示：\n- 风险：如遇审批卡住，先走线下签字；负责人：周敏",
        {"risks": [{"risk": "如遇审批卡住", "mitigation": "先走线下签字", "owner": "周敏"}]},
    ),
    _m(
        "zh-ruo-ze",
        "风险\n若系统迁移失败，则回滚到旧版本，负责人：孙强",
        {"risks": [{"risk": "若系统迁移失败", "mitigation": "则回滚到旧版本", "owner": "孙强"}]},
    ),
]

SIGNATURES = [
    _m(
        "zh-signature-after-decisions",
        "一、决议\n1. 新流程下周一生效。\n\n此致\n敬礼\n\n张伟\n项目管理部\n电话：010-88886666",
        {"decisions": ["新流程下周一生效"], "risks": []},
    ),
    _m(
        "zh-signature-after-risks",
        "风险提示\n1. 人手不足，临时借调两人。\n\n王芳 | 运营中心\n手机：13800000000\n"
        "北京某某科技有限公司",
        {"risks": [{"risk": "人手不足，临时借调两人"}]},
    ),
    _m(
        "en-signature-after-risks",
        "Risks:\n- Late data from finance.\n\nKind regards\nOmar Haddad\nHead of Ops, Acme Ltd.\n"
        "Tel: +44 20 7946 0000",
        {"risks": [{"risk": "Late data from finance"}]},
        subject=_EN,
    ),
]

DASH_LISTS += [
    _m(
        "zh-department-and-name-before-colon",
        "二、行动项\n1. 采购部：12月18日前完成询价\n"
        "2. IT部张强：12月22日前完成安装调试，需财务部配合付款",
        {
            "action_items": [
                {"what": "完成询价", "owner": "采购部", "due": "2026-12-18"},
                {
                    "what": "完成安装调试",
                    "owner": "张强",
                    "due": "2026-12-22",
                    "support": "财务部配合付款",
                },
            ]
        },
    ),
]

DOUBTFUL = [
    _m(
        "zh-no-owner",
        "行动项：\n1. 12月20日前完成库存盘点\n2. 孙强：尽快确认报价",
        {
            "action_items": [
                {"what": "完成库存盘点", "owner": None, "due": "2026-12-20", "doubtful": ["owner"]},
                {"what": "尽快确认报价", "owner": "孙强", "due": None, "doubtful": ["due"]},
            ]
        },
    ),
    _m(
        "zh-table-missing-cells",
        "二、行动项\n| 行动内容 | 负责人 | 完成时间 |\n| 更新合同模板 |  | 待定 |",
        {"action_items": [{"what": "更新合同模板", "doubtful": ["owner", "due"]}]},
    ),
    _m(
        "en-no-due",
        "Action items:\n- Priya: collect the customer feedback\n- Review pricing",
        {
            "action_items": [
                {"what": "collect the customer feedback", "owner": "Priya", "doubtful": ["due"]},
                {"what": "Review pricing", "owner": None, "doubtful": ["owner", "due"]},
            ]
        },
        subject=_EN,
    ),
]


@pytest.mark.parametrize("case", params(DASH_LISTS))
def test_dash_and_numbered_action_lists(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", params(TABLES))
def test_action_tables(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", params(PROSE))
def test_prose_minutes(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", params(ENGLISH))
def test_english_minutes(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", params(REVIEW))
def test_review_date_in_words(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", params(CONDITION_RISKS))
def test_condition_risk_gets_its_mitigation(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", params(SIGNATURES))
def test_signature_is_not_content(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", params(DOUBTFUL))
def test_unreadable_owner_or_due_is_kept_as_doubtful(case: Case) -> None:
    check(case)


@pytest.mark.parametrize(
    "body",
    ["收到，同意。", "Thanks, agreed.", "纪要没问题，我这边确定参加下次复盘。"],
)
def test_a_short_comment_on_the_minutes_is_not_minutes(body: str) -> None:
    got = inspect_case(Case("comment", body, {}, "Re: " + _ZH))
    assert got["kind"] != "minutes", got["rules"]


FALSE_FRIENDS = [
    _m(
        "zh-note-is-not-an-owner",
        "二、行动项\n1. 张伟：12月20日前完成清单更新\n2. 备注：预算另行申请",
        {"action_items": [{"owner": "张伟"}, {"what": "备注：预算另行申请", "owner": None}]},
    ),
    _m(
        "zh-company-in-a-decision-is-not-a-signature",
        "一、决议\n1. 与华东物流有限公司的合同续签一年。\n2. 运费按季度结算。",
        {"decisions": ["与华东物流有限公司的合同续签一年", "运费按季度结算"]},
    ),
    _m(
        "en-we-will-is-not-an-owner",
        "We agreed to pilot the new intake form. We will send the survey by Dec 18. "
        "Priya will collect the answers by Dec 23.",
        {"action_items": [{"owner": "Priya", "due": "2026-12-23"}]},
        subject=_EN,
    ),
]


@pytest.mark.parametrize("case", params(FALSE_FRIENDS))
def test_words_that_look_like_structure_but_are_not(case: Case) -> None:
    check(case)
