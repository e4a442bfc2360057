"""One HTTP client for Microsoft Graph v1.0 (httpx) with the manners Graph asks for.

* **Throttling** (https://learn.microsoft.com/graph/throttling): on 429, 503 or 504 wait
  ``Retry-After`` seconds (else 1, 2, 4 … up to ``backoff_max``) and try again, ``retries``
  times in all. A throttled request was not carried out, so any request may be repeated
  (a 504 of a ``replay_safe=False`` request may have been: :class:`Ambiguous`). A
  ``Retry-After`` longer than ``max_wait`` is not slept through: the caller gets a
  :class:`~daemon.errors.TransientError` and retries later (the outbox backs off).
* **At most ``concurrency`` (≤ 4) requests per mailbox** in flight, shared by the mail
  source, the sink and the calendar of one process (Graph's MailboxConcurrency limit).
* **Dropped connections** are retried with back-off, except for a request that must not be
  repeated blindly (``replay_safe=False``, i.e. ``sendMail``): :class:`Ambiguous` tells the
  caller it may or may not have been carried out.
* **401**: the token is reported refused (:meth:`TokenSource.refused`) and the request
  repeated once with a new one; a new token refused again within the same request is
  permanent (no refresh loop).
* Other 4xx: :class:`GraphError` (permanent) with the sentence of :mod:`.permissions`.
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from daemon.errors import PermanentError, TransientError
from daemon.transports import oauth
from daemon.transports.graph import permissions
from daemon.transports.oauth import TokenSource

log = logging.getLogger(__name__)

THROTTLED = frozenset({429, 503, 504})
_SLOTS: dict[str, threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class GraphError(PermanentError):
    """Graph refused a request: ``status``, ``code`` (``error.code``) and ``message``."""

    def __init__(self, status: int, code: str, message: str, sentence: str) -> None:
        super().__init__(sentence)
        self.status, self.code, self.message = status, code, message


class StaleDelta(GraphError):
    """HTTP 410 ``syncStateNotFound``: the delta link is stale; start a new round."""


class Ambiguous(TransientError):
    """The connection dropped after the request was sent: it may have been carried out."""


def slots(mailbox: str, concurrency: int) -> threading.BoundedSemaphore:
    """The process-wide semaphore of one mailbox (first caller sets its size)."""
    with _SLOTS_LOCK:
        return _SLOTS.setdefault(mailbox.lower(), threading.BoundedSemaphore(concurrency))


def retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date), None when absent."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time()) if when else None


def error_of(response: httpx.Response) -> tuple[str, str]:
    """``(error.code, error.message)`` of a Graph error body (empty when not JSON)."""
    try:
        error = response.json().get("error") or {}
        return str(error.get("code", "")), str(error.get("message", ""))
    except (ValueError, AttributeError):
        return "", response.text[:300]


class GraphHttp:
    """Requests to Graph for one mailbox (see the module docstring).

    Args:
        base_url: ``https://graph.microsoft.com/v1.0``.
        tokens: where bearer tokens come from.
        mailbox: the address whose concurrency slots requests take.
        verify: httpx ``verify`` (an ``ssl.SSLContext`` or False).
        timeout: seconds per request; retries, backoff_seconds, backoff_max, max_wait: see
            the module docstring; concurrency: 1 to 4.
        sleep: ``time.sleep`` (tests may record the waits).
    """

    def __init__(
        self,
        base_url: str,
        tokens: TokenSource,
        mailbox: str,
        *,
        verify: Any = True,
        timeout: float = 60.0,
        retries: int = 6,
        backoff_seconds: float = 1.0,
        backoff_max: float = 60.0,
        max_wait: float = 300.0,
        concurrency: int = 4,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.mailbox = mailbox
        self.retries, self.backoff, self.backoff_max = retries, backoff_seconds, backoff_max
        self.max_wait = max_wait
        self.sleep = sleep
        self._slots = slots(mailbox, max(1, min(4, concurrency)))
        self._client = httpx.Client(verify=verify, timeout=timeout)
        #: Seconds waited because of Retry-After or back-off, in order (for logs and tests).
        self.waits: list[float] = []

    def url(self, path: str) -> str:
        """``path`` under the base URL, or ``path`` itself if it is a full URL (a link)."""
        return path if path.startswith("https://") else f"{self.base_url}{path}"

    def short(self, url: str) -> str:
        """``url`` as messages show it: below the base URL, without the query (links carry
        long tokens)."""
        return urlsplit(url.removeprefix(self.base_url)).path or url

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        replay_safe: bool = True,
    ) -> httpx.Response:
        """Send one request; return the 2xx response.

        Raises:
            GraphError: a 4xx answer (``StaleDelta`` for 410).
            Ambiguous: the connection dropped after sending a ``replay_safe=False`` request.
            TransientError: still throttled or unreachable after ``retries`` attempts, or a
                ``Retry-After`` beyond ``max_wait``.
            PermanentError: the sign-in is refused.
        """
        url = self.url(path)
        path = self.short(url)
        last = "no attempt"
        replaced = False
        for attempt in range(1, self.retries + 1):
            token = self.tokens.token()
            wanted = {"Authorization": f"Bearer {token}", **(headers or {})}
            try:
                with self._slots:
                    response = self._client.request(
                        method, url, json=json, content=content, params=params, headers=wanted
                    )
            except _NOT_SENT as exc:
                last = f"cannot connect: {exc}"
            except httpx.TransportError as exc:
                if not replay_safe:
                    raise Ambiguous(f"Graph {method} {path}: connection lost: {exc!r}") from exc
                last = f"connection lost: {exc!r}"
            else:
                status = response.status_code
                if status < 400:
                    return response
                code, message = error_of(response)
                last = f"{status} {code}: {message[:200]}"
                if status == 401:
                    detail = f"Graph {status} {code}: {message[:200]}"
                    if replaced:
                        raise PermanentError(
                            f"Graph {method} {path}: " + oauth.refused_again(self.tokens, detail)
                        )
                    self.tokens.refused(token, detail)
                    replaced = True
                    continue
                if status in THROTTLED and not (status == 504 and not replay_safe):
                    self._throttled(response, attempt, method, path)  # 504: maybe carried out
                    continue
                if status >= 500:
                    if not replay_safe:
                        raise Ambiguous(f"Graph {method} {path}: {last}")
                else:
                    raise self._refusal(response, status, code, message, method, path)
            self._wait(self._backoff(attempt), f"{method} {path}: {last}", attempt)
        raise TransientError(f"Graph {method} {path}: failed after {self.retries} tries: {last}")

    def _throttled(self, response: httpx.Response, attempt: int, method: str, path: str) -> None:
        wait = retry_after(response)
        if wait is None:
            wait = self._backoff(attempt)
        if wait > self.max_wait:
            raise TransientError(
                f"Graph {method} {path}: throttled, Retry-After {wait:.0f} s; trying later"
            )
        self._wait(wait, f"{method} {path}: throttled ({response.status_code})", attempt)

    def _wait(self, seconds: float, why: str, attempt: int) -> None:
        if attempt >= self.retries:
            return
        log.warning("graph: %s; waiting %.1f s (try %d/%d)", why, seconds, attempt, self.retries)
        self.waits.append(seconds)
        self.sleep(seconds)

    def _backoff(self, attempt: int) -> float:
        return float(min(self.backoff_max, self.backoff * 2 ** (attempt - 1)))

    def _refusal(
        self,
        response: httpx.Response,
        status: int,
        code: str,
        message: str,
        method: str,
        path: str,
    ) -> GraphError:
        sentence = f"Graph {method} {path}: " + permissions.explain(
            status, code, message, method, path, self.mailbox
        )
        kind = StaleDelta if status == 410 else GraphError
        return kind(status, code, message, sentence)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
