"""The frame of a letter: greetings, sign-offs, signature lines and topic lead-ins. DATA only.

A greeting ("王总好，", "各位领导：", "Hi Dana,") is never a title or a decision; a sign-off
("此致", "Best regards,") ends what the sender wrote, and what follows it is the signature; a
signature line (phone, address, company) is never a risk or a decision; a lead-in ("我们这边
主要想提一下", "I'd like to raise") introduces a free-form topic.
"""

from __future__ import annotations

from daemon.inbound.phrases import phrases

# At the start of the text, up to its comma or colon.
GREETING: dict[str, tuple[str, ...]] = {
    "zh": (
        r"[\u4e00-\u9fff]{1,4}(?:总|總|经理|經理|老师|老師|主任|部长|部長|总监|總監|哥|姐|工)(?:好|您好)?",
        r"(?:各位|大家|诸位|諸位)(?:领导|領導|同事|老师|老師)?(?:们|們)?(?:好|早上好|下午好)?",
        r"[\u4e00-\u9fff]{1,4}(?:您好|你好|好)",
        "您好",
        "你好",
        r"(?:尊敬的|亲爱的|親愛的)[^，,：:\n]{1,12}",
        "早上好",
        "下午好",
        "晚上好",
    ),
    "en": (
        r"(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))(?:\s+[^,:\n]{1,40})?",
        r"(?:all|team|everyone|folks)",
    ),
}
# A whole line that closes the letter.
SIGN_OFF: dict[str, tuple[str, ...]] = {
    "zh": (
        "此致",
        "敬礼",
        "此致敬礼",
        "祝好",
        "顺颂商祺",
        "順頌商祺",
        "顺祝商祺",
        "顺祝工作顺利",
        "谢谢",
        "謝謝",
        "多谢",
        "感谢",
        r"谢谢(?:大家|各位)?(?:支持|配合)?",
        "祝工作顺利",
        "祺安",
    ),
    "en": (
        r"thanks(?: and| &)? (?:best )?regards",
        "thanks",
        "thank you",
        "many thanks",
        "cheers",
        "best",
        "best regards",
        "kind regards",
        "warm regards",
        "regards",
        "br",
        "sincerely",
        "yours",
        "all the best",
    ),
}
# The line a mail client or a chat app puts under the text ("Sent from my iPhone",
# "发自企业微信", "来自飞书"): what follows is no longer the sender's text.
SENT_FROM: dict[str, tuple[str, ...]] = {
    "zh": (
        r"发自我的\s*\S+",
        r"发自\S*邮箱",
        r"从我的\s*\S+\s*发送",
        r"來自我的\s*\S+",
        r"從我的\s*\S+\s*傳送",
        r"发自\s*网易邮箱\S*",
        r"发自\s*WPS\S*",
        r"[—\-－]*\s*(?:发自|來自|来自)\s*(?:企业微信|企業微信|飞书|飛書|钉钉|釘釘|Lark|WeCom|DingTalk)",
        r"从\s*Windows\s*版邮件发送",
    ),
    "en": (
        r"Sent from (?:my )?\S+",
        r"Get Outlook for \S+",
        r"Sent from Mail for Windows",
        r"Sent (?:with|via) (?:Lark|Feishu|WeCom|DingTalk)",
    ),
    "de": (r"Von meinem \S+ gesendet",),
}

# Words that only a signature line holds (contact details, the company line).
SIGNATURE_LINE: dict[str, tuple[str, ...]] = {
    "zh": (
        r"^\s*(?:电话|電話|手机|手機|座机|座機|分机|分機|传真|傳真|地址|邮箱|郵箱|微信)\s*[:：]",
        r"^\s*[\u4e00-\u9fff（）()]{2,30}(?:有限公司|集团|集團)\s*$",
    ),
    "en": (
        r"^\s*(?:tel|phone|mobile|mob|cell|fax|address|e-?mail|wechat)\.?\s*[:：]",
        r"^\s*(?:https?://)?www\.\S+\s*$",
        r"^.{0,40}\b(?:ltd|inc|gmbh|llc|co\.,? ltd)\.?\s*$",
        r"\s[|｜]\s.{0,40}\b(?:ltd|inc|gmbh|llc)\b",
    ),
}
# Words that introduce a topic written as prose; the title is what follows them.
TOPIC_LEAD_IN: dict[str, tuple[str, ...]] = {
    "zh": (
        r"(?:我们|我們|我)?(?:这边|這邊|部门|部門)?(?:主要)?(?:想|希望|打算|建议|建議)"
        r"(?:提一下|提一个议题|提個議題|提个议题|提一個議題|提|讨论一下|討論一下|讨论|討論|"
        r"在会上讨论|在會上討論|上会讨论|上會討論)(?:一下)?",
        r"(?:有个|有個|有一个|有一個)(?:议题|議題|问题|問題)(?:想|需要)?(?:提|讨论|討論)?(?:一下)?",
        r"建议讨论|建議討論",
        r"(?:能否|可否|能不能|可不可以)(?:在会上)?(?:讨论|討論|聊|议|議)(?:一下)?",
    ),
    "en": (
        r"(?:we|I)(?:'d| would) like to (?:raise|propose|discuss|bring up|put forward)",
        r"(?:we|I) (?:want|wish|need) to (?:raise|propose|discuss|bring up)",
        r"(?:I|we) propose (?:that we discuss|to discuss|discussing)?",
        r"(?:can|could) we (?:discuss|talk about|cover|look at)",
    ),
}

# A sentence that only announces what follows ("会议情况汇总如下：", "Here are the notes:").
INTRO: dict[str, tuple[str, ...]] = {
    "zh": (r"[^，,。：:\n]{0,24}(?:如下|以下)\s*[:：]", r"[^，,。：:\n]{0,24}汇总\s*[:：]"),
    "en": (r"[^,.:\n]{0,40}\bas follows\s*:", r"here (?:are|is) [^:\n]{0,40}:"),
}

GREETING_START = phrases("greeting", GREETING, wrap=r"^\s*(?:{})\s*(?:[,，:：!！。]|\s*$)")
SIGN_OFF_LINE = phrases("sign-off", SIGN_OFF, wrap=r"^\s*(?:{})\s*[,，.。!！]*\s*$")
SENT_FROM_LINE = phrases("sent from", SENT_FROM, wrap=r"^\s*(?:{})")
SIGNATURE_WORDS = phrases("signature line", SIGNATURE_LINE)
TOPIC_LEAD = phrases("topic lead-in", TOPIC_LEAD_IN)
INTRO_START = phrases("intro", INTRO, wrap=r"^\s*(?:{})\s*")
