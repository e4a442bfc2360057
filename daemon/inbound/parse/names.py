"""People's names as written in a sentence: a Chinese name after its title or department.

``市场部经理李明`` → ``李明``, ``IT部张强`` → ``张强``, ``我们组的小刘`` → ``小刘``. The words
cut (titles, departments, fillers) are data in :data:`daemon.inbound.phrases.rsvp.NAME_PREFIXES`.
"""

from __future__ import annotations

import re

from daemon.inbound.phrases.rsvp import NAME_PREFIXES

_NAME_PREFIX = re.compile(
    "|".join(
        re.escape(p)
        for p in sorted((p for ps in NAME_PREFIXES.values() for p in ps), key=len, reverse=True)
    )
)
_LATIN_PREFIX = re.compile(r"^[A-Za-z]{1,6}(?=[\u4e00-\u9fff])")  # "IT部…": the Latin part


def cjk_name(run: str) -> str | None:
    """The name at the end of a run of Chinese characters (2 to 4 characters, titles and
    departments before it cut), or ``None`` when what is left is no name's length."""
    run = _LATIN_PREFIX.sub("", run.strip())
    cut = 0
    for m in _NAME_PREFIX.finditer(run):
        if len(run) - m.end() >= 2:
            cut = max(cut, m.end())
    name = run[cut:]
    return name if 2 <= len(name) <= 4 else None
