"""exchangelib's exceptions → the daemon's :class:`TransientError` / :class:`PermanentError`.

* Throttling (``ErrorServerBusy`` with a back-off longer than ``max_wait``, which exchangelib
  raises as ``RateLimitError``), HTTP 503 (``ErrorInternalServerTransientError``), a dropped
  connection or a timeout (``ErrorTimeoutExpired``, ``requests`` connection errors), other
  transport failures: :class:`TransientError`, retried on a later tick.
* A refused login (HTTP 401, ``UnauthorizedError``): :class:`PermanentError` where the
  contract asks for it (the mail source), else :class:`TransientError` so that no mail or
  intent is given up for a password an admin is about to fix.
* A mailbox or right that does not exist (``ErrorNonExistentMailbox``, ``ErrorAccessDenied``,
  ``ErrorImpersonateUserDenied``) and any other EWS error: :class:`PermanentError`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import requests
from exchangelib import errors as ews  # type: ignore[import-untyped]

from daemon.errors import PermanentError, TransientError
from daemon.transports.ews import zones

log = logging.getLogger(__name__)

#: EWS response codes that say "try again later" (ResponseMessageError subclasses).
TRANSIENT_CODES: tuple[type[BaseException], ...] = (
    ews.ErrorServerBusy,
    ews.ErrorTimeoutExpired,
    ews.ErrorInternalServerTransientError,
    ews.ErrorInternalServerError,
    ews.ErrorMailboxStoreUnavailable,
    ews.ErrorMailboxMoveInProgress,
    ews.ErrorConnectionFailed,
    ews.ErrorConnectionFailedTransientError,
)
#: Failures below EWS: the connection, HTTP, a garbled answer (RateLimitError, SOAPError,
#: MalformedResponseError, RedirectError are TransportErrors).
TRANSIENT: tuple[type[BaseException], ...] = (
    ews.TransportError,
    requests.exceptions.RequestException,
    ConnectionError,
    TimeoutError,
)


@contextlib.contextmanager
def translated(what: str, *, login_permanent: bool = False) -> Iterator[None]:
    """Run the block; re-raise exchangelib errors as the daemon's (see the module docstring),
    with exchangelib's "Customized Time Zone" warning silenced (:func:`.zones.quiet`).

    Args:
        what: what was being done, for the message (``"fetch"``, ``"send <Message-ID>"``).
        login_permanent: a refused login raises PermanentError (else TransientError).
    """
    try:
        with zones.quiet():
            yield
    except (TransientError, PermanentError):
        raise
    except ews.UnauthorizedError as exc:
        text = f"ews {what}: Exchange refused the login ({exc}). Fix: check username and password."
        log.error("%s", text)
        raise (PermanentError if login_permanent else TransientError)(text) from exc
    except ews.RateLimitError as exc:
        text = f"ews {what}: Exchange asks to wait {exc.wait:.0f} s (throttled); retried later"
        log.warning("%s", text)
        raise TransientError(text) from exc
    except TRANSIENT_CODES as exc:
        raise _transient(what, exc) from exc
    except ews.ResponseMessageError as exc:  # a TransportError, but Exchange said no
        text = f"ews {what}: Exchange refused: {type(exc).__name__}: {exc}"
        log.error("%s", text)
        raise PermanentError(text) from exc
    except TRANSIENT as exc:
        raise _transient(what, exc) from exc
    except ews.EWSError as exc:
        text = f"ews {what}: Exchange refused: {type(exc).__name__}: {exc}"
        log.error("%s", text)
        raise PermanentError(text) from exc


def _transient(what: str, exc: BaseException) -> TransientError:
    text = f"ews {what}: {type(exc).__name__}: {exc}; retried later"
    log.warning("%s", text)
    return TransientError(text)
