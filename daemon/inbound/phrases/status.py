"""How an owner says where an action item stands: DATA only, read by
:mod:`daemon.inbound.parse.actions`.

The reader tries blocked, then delayed, then in progress (which covers a completion still to
come, "预计下周三完成", and a negated one, 未完成/not done yet), then done; so mixed wording
resolves to the more cautious status. A percentage under 100 is progress ("进度大概60%"),
100% is done.
"""

from __future__ import annotations

from daemon.inbound.phrases import phrases

BLOCKED: dict[str, tuple[str, ...]] = {
    "zh": (
        "受阻",
        "阻塞",
        "卡住",
        "卡在",
        "无法推进",
        "無法推進",
        "推进不了",
        "推進不了",
        "停滞",
        "停滯",
        "被阻",
        "暂停",
        "暫停",
        r"(?:在)?等(?:待)?[\u4e00-\u9fff]{1,8}(?:回复|回覆|确认|確認|审批|審批)(?:才能|后才)",
    ),
    "en": (
        r"\bblocked\b",
        r"\bblocker",
        r"\bstuck\b",
        r"\bcan(?:not|'t) proceed\b",
        r"\bwaiting (?:on|for)\b",
        r"\bon hold\b",
    ),
}
DELAYED: dict[str, tuple[str, ...]] = {
    "zh": (
        "延期",
        "延后",
        "延後",
        "推迟",
        "推遲",
        "顺延",
        "順延",
        "改到",
        "改期",
        "延迟",
        "延遲",
        "往后推",
        "往後推",
        "来不及",
        "來不及",
        r"(?:要|需要|得)?晚(?:几|幾|一|两|兩)?(?:天|周|週)",
        r"推到",
        r"挪到",
    ),
    "en": (
        r"\bdelay(?:ed)?\b",
        r"\bpostpone[sd]?\b",
        r"\bpush(?:ed|ing)?(?: (?:it|this|that|the \w+|back|out))*\s+(?:back|out|to)\b",
        r"\bmov(?:e|ed|ing) (?:it|this|that|the (?:date|deadline|due date)) to\b",
        r"\bslip(?:ped|s)?\b",
        r"\breschedul",
        r"\bneed (?:more time|until|till)\b",
        r"\bnew (?:due )?date\b",
        r"\bextend(?:ed)? to\b",
        r"\blate by\b",
        r"\b(?:by|to|until|make it) [^.!?\n]{1,24}?\binstead\b",
    ),
}
PROGRESS: dict[str, tuple[str, ...]] = {
    "zh": (
        "进行中",
        "進行中",
        "正在",
        "在做",
        "在进行",
        "推进中",
        "推進中",
        "处理中",
        "處理中",
        "开发中",
        "開發中",
        "未完成",
        "没完成",
        "沒完成",
        "尚未完成",
        "还没",
        "還沒",
        r"预计.{0,12}完成",
        r"預計.{0,12}完成",
        r"(?:进度|進度|完成)(?:大概|大约|大約|约|約|已|已经|已經|达到|達到|到了|过半|過半)",
        r"完成了?(?:大概|大约|大約|约|約)?\s*(?:[1-9]\d?(?!\d)|一半|大半|过半|過半)",
        r"(?<![\d.])(?:[1-9]\d?)\s*(?:%|％)",
        r"百分之[一二三四五六七八九十]{1,3}",
    ),
    "en": (
        r"\bin progress\b",
        r"\bworking on\b",
        r"\bon track\b",
        r"\bongoing\b",
        r"\bunder ?way\b",
        r"\bnot (?:yet )?done\b",
        r"\bnot finished\b",
        r"\b(?:will|should) (?:be )?(?:done|finish|complete)",
        r"\b(?:[1-9]\d?)\s*% (?:done|complete|finished|there)\b",
        r"\bhalf(?:way)? (?:done|there|through)\b",
    ),
}
DONE: dict[str, tuple[str, ...]] = {
    "zh": (
        "已完成",
        "已经完成",
        "已經完成",
        "完成了",
        "已搞定",
        "搞定了",
        "搞定",
        "已办结",
        "已辦結",
        "已交付",
        "已提交",
        "已上线",
        "已上線",
        r"(?<!未)(?<!没)(?<!沒)(?<!不)完成",
        r"(?<!未)(?<!没)(?<!沒)已(?:经|經)?(?:下发|下發|发出|發出|发布|發布|发送|發送|发给|發給|"
        r"处理|處理|解决|解決|落实|落實|签署|簽署|签订|簽訂|确认|確認|部署|修复|修復|"
        r"更新|到位|办理|辦理|寄出|归档|歸檔|关闭|關閉|结束|結束|验收|驗收|付款|支付)",
        r"(?:可以|能|可)(?:关掉|關掉|关闭|關閉|关了|關了|结项|結項|销项|銷項|关单|關單)",
        r"这(?:项|個|个|條|条)?(?:可以)?(?:关|關)(?:掉|了|闭|閉)",
        "100%",
        "100％",
        "百分之百",
    ),
    "en": (
        r"\bdone\b",
        r"\bcompleted?\b",
        r"\bfinished\b",
        r"\bdelivered\b",
        r"\bshipped\b",
        r"\b(?:sent|issued|published|deployed|signed|resolved|fixed|closed) (?:out|off|it|them)?\b",
        r"\b(?:can|could) be closed\b",
        r"\bclose (?:this|it)(?: out| off)?\b",
        r"\bwrapped up\b",
        r"\btaken care of\b",
        r"\bsorted\b",
    ),
}

BLOCKED_PHRASES = phrases("blocked", BLOCKED)
DELAYED_PHRASES = phrases("delayed", DELAYED)
PROGRESS_PHRASES = phrases("progress", PROGRESS)
DONE_PHRASES = phrases("done", DONE)
