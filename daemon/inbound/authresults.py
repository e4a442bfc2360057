"""``Authentication-Results`` headers (RFC 8601) as :class:`AuthResult` values.

Parsed with the ``authres`` library. A header that does not parse is skipped with a log line:
an unreadable verdict vouches for nobody, and the rules decide what an unverified sender may
do (:mod:`daemon.domain.identity`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from daemon.domain.messages import AuthResult

log = logging.getLogger(__name__)


def read_auth_results(values: Iterable[str]) -> list[AuthResult]:
    """Every result of the raw ``Authentication-Results`` header ``values``, in order.

    Args:
        values: the header bodies (without the ``Authentication-Results:`` name), as they
            appear in the message, topmost first.

    Returns:
        One :class:`AuthResult` per ``method=result`` pair, lower-case. Never raises.
    """
    out: list[AuthResult] = []
    for value in values:
        text = " ".join(value.split())
        try:
            import authres  # lazy: only mail that carries the header needs it

            header = authres.AuthenticationResultsHeader.parse_value(text)
        except Exception as exc:  # authres raises its own SyntaxError and others
            log.info("Authentication-Results not readable (%s): %.120s", exc, text)
            continue
        server = str(header.authserv_id or "").strip().lower()
        for result in header.results:
            out.append(AuthResult(server, str(result.method).lower(), str(result.result).lower()))
    return out
