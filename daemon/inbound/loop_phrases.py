"""The loop guard's phrase tables: DATA only, read by :mod:`daemon.inbound.loops`.

Mail that a machine wrote is never answered (RFC 3834 §2), or two robots answer each other
for ever. These tables say how such mail looks, per language. Subject phrases are matched at
the start of the subject, lower-cased, after reply/forward prefixes (``Re:``, ``答复：``, ``AW:``),
brackets (``[自动回复]``) and spaces are removed, and full-width colons made ``:``; so a
person's "Re: [MTG-1] 关于自动回复的问题" never matches. Add a phrase here, never a regex
elsewhere; write it lower-case.
"""

from __future__ import annotations

# Subjects of out-of-office notices and other automatic replies (Outlook/Exchange, Gmail,
# Lotus Notes, Coremail, Tencent Exmail, Apple Mail rules), per language.
AUTO_REPLY_SUBJECTS: dict[str, tuple[str, ...]] = {
    "zh": (
        "自动回复",
        "自動回覆",
        "自動回复",
        "自动答复",
        "自動答覆",
        "自动应答",
        "自動應答",
        "休假自动回复",
        "休假自動回覆",
        "休假通知",
        "外出通知",
        "不在办公室",
        "不在辦公室",
    ),
    "en": (
        "automatic reply",
        "auto reply",
        "auto-reply",
        "autoreply",
        "auto response",
        "auto-response",
        "autoresponse",
        "automatic response",
        "out of office",
        "out of the office",
        "auto:",
    ),
    "de": ("automatische antwort", "abwesenheitsnotiz", "abwesenheit"),
    "fr": ("réponse automatique", "reponse automatique", "absence du bureau", "absent du bureau"),
    "pt": (
        "resposta automática",
        "resposta automatica",
        "ausência temporária",
        "fora do escritório",
    ),
    "es": ("respuesta automática", "respuesta automatica", "fuera de la oficina"),
    "it": ("risposta automatica", "fuori ufficio"),
    "nl": ("automatisch antwoord",),
    "ja": ("自動応答", "自動返信", "自動返答", "不在通知"),
    "ko": ("자동 회신", "자동회신", "부재중"),
    "ru": ("автоответ", "автоматический ответ"),
    "sv": ("autosvar", "automatisk svar"),
}

# Subjects of "still trying" delivery reports from a relay (RFC 3464 Action: delayed): not a
# failure, but mail no one is to answer. Classified as ``bounce``.
DELAY_SUBJECTS: dict[str, tuple[str, ...]] = {
    "en": (
        "delivery status notification (delay)",
        "delivery delayed",
        "delayed mail",
        "delayed delivery",
        "message delayed",
        "mail delivery delayed",
        "delivery delay notification",
        "warning: could not send message",
        "undelivered mail warning",
    ),
    "zh": (
        "延迟投递",
        "延遲投遞",
        "投递延迟",
        "投遞延遲",
        "延迟送达",
        "延遲送達",
        "延迟传递",
        "延遲傳遞",
        "邮件延迟",
        "郵件延遲",
    ),
    "de": ("zustellung verzögert", "verzögerte zustellung", "warnung: zustellung verzögert"),
    "fr": ("remise différée", "retard de remise", "distribution retardée"),
    "pt": ("entrega atrasada", "atraso na entrega", "notificação de status de entrega (atraso)"),
    "es": ("entrega retrasada", "retraso en la entrega"),
    "ja": ("配信遅延", "配送遅延", "遅延通知"),
}
# A subject that starts with the first word and holds the second anywhere after it: Exim's
# "Warning: message 1AbCdE-000Xyz-1A delayed 24 hours".
DELAY_SUBJECT_PAIRS: tuple[tuple[str, str], ...] = (
    ("warning:", "delayed"),
    ("warnung:", "verzögert"),
)
# DSN Action values (RFC 3464 §2.3.3) that say the mail is only late.
DELAY_ACTIONS: tuple[str, ...] = ("delayed",)

# Prefixes a client puts before a subject it replies to or forwards, removed before matching.
REPLY_PREFIXES: tuple[str, ...] = (
    "re",
    "aw",
    "sv",
    "vs",
    "antw",
    "antwort",
    "réf",
    "rif",
    "res",
    "fw",
    "fwd",
    "wg",
    "tr",
    "答复",
    "回复",
    "回覆",
    "答覆",
    "转发",
    "轉寄",
)

# Header rules: (lower-case header name, what its value must be).
# Precedence (RFC 2076 §3.9; RFC 3834 §2): never answered, even when a person wrote it.
PRECEDENCE_NO_REPLY: tuple[str, ...] = ("bulk", "junk", "list")
# Precedence values that an automatic responder writes on its own answers.
PRECEDENCE_AUTO_REPLY: tuple[str, ...] = ("auto_reply",)
# Exchange's X-Auto-Response-Suppress (MS-OXCMAIL 2.1.3.2.20): tokens that ask for no
# automatic answer. It is a request about answers, not proof that the mail is automatic:
# some organisations stamp it on every mail, their people's calendar answers included.
SUPPRESS_TOKENS: tuple[str, ...] = ("all", "oof", "autoreply")
# Headers whose presence alone marks an automatic reply (de-facto, many autoresponders).
AUTO_REPLY_HEADERS: tuple[str, ...] = (
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "x-auto-reply",
)
# Return-Path values of a null reverse-path (RFC 5321 §4.5.5; RFC 3834 §3.3 asks
# responders to use it): bounces and automatic replies.
NULL_RETURN_PATHS: tuple[str, ...] = ("<>", "")
