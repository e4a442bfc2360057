"""Whether a sender's address is vouched for by the receiving server (optional).

Off by default. With ``[security] authserv_ids`` set, a mail may change state only when an
``Authentication-Results`` header (RFC 8601) added by one of those servers says
``dmarc=pass``; with ``exchange_internal = true``, Exchange's own mark for mail sent inside
the organisation (``X-MS-Exchange-Organization-AuthAs: Internal``, which Exchange strips
from mail arriving from outside) counts as well. Any other mail changes nothing.

Pure: the parser reads the headers, the service passes the policy in the rule context.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from daemon.domain.messages import AuthResult


@dataclass(frozen=True)
class SenderPolicy:
    """Which receiving servers' verdicts count (lower-case authserv-ids), and whether the
    Exchange internal mark does."""

    authserv_ids: tuple[str, ...] = ()
    exchange_internal: bool = False

    @property
    def required(self) -> bool:
        """True when a state change needs a verified sender."""
        return bool(self.authserv_ids) or self.exchange_internal


def sender_verified(
    policy: SenderPolicy, results: Sequence[AuthResult], auth_as: str | None
) -> bool:
    """True when ``policy`` vouches for the sender (always True when it requires nothing).

    Args:
        results: every ``Authentication-Results`` result of the mail, in header order.
        auth_as: the value of ``X-MS-Exchange-Organization-AuthAs``, or None.
    """
    if not policy.required:
        return True
    if policy.exchange_internal and (auth_as or "").strip().lower() == "internal":
        return True
    trusted = [r for r in results if r.authserv_id in policy.authserv_ids]
    return any(r.method == "dmarc" and r.result == "pass" for r in trusted)
