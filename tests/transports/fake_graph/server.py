"""One HTTPS server on loopback serving the fake token endpoint and the fake Graph v1.0.

Paths under ``/v1.0/`` go to Graph (:mod:`.graph`); everything else to the token endpoint
(:mod:`.tokens`), so ``authority = https://127.0.0.1:PORT/{tenant}`` and
``base_url = https://127.0.0.1:PORT/v1.0``. The certificate comes from the test CA of
:mod:`.tls`. Each connection gets a thread (HTTP/1.1 keep-alive), so concurrent requests
really overlap and :meth:`GraphState.in_flight` counts them per mailbox.

Faults are armed with :meth:`GraphServer.inject` and consumed one per matching request:

=========  ===================================================================
``429``    429 ``TooManyRequests`` with ``Retry-After`` (default 1 s)
``503``    503 ``ServiceUnavailable``, with ``Retry-After`` only if given
``401``    401 ``InvalidAuthenticationToken`` (as for an expired token)
``403``    403 ``ErrorAccessDenied`` (a refusal that retrying cannot change)
``410``    410 ``syncStateNotFound`` (a stale delta link)
``drop``   the connection is closed without any response (the request is not carried out)
``lost``   the request IS carried out, then the connection is closed without the answer
``slow``   the request waits ``delay`` seconds, then is answered normally
=========  ===================================================================

At the token endpoint 429, 503 and 401 answer in AAD's shape instead (AADSTS90055,
AADSTS90033, AADSTS7000215), since msal cannot read Graph's error body.
"""

from __future__ import annotations

import fnmatch
import socket
import ssl
import threading
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.transports.fake_graph import tls
from tests.transports.fake_graph.graph import GraphApi
from tests.transports.fake_graph.state import GraphState
from tests.transports.fake_graph.tokens import GRAPH_DEFAULT_SCOPE, TokenService
from tests.transports.fake_graph.wire import Reply, Request, graph_error

Fault = Literal["429", "503", "401", "403", "410", "drop", "lost", "slow"]

# fault -> (status, error code, message)
FAULTS: dict[str, tuple[int, str, str]] = {
    "429": (429, "TooManyRequests", "Too many requests. Retry after the given interval."),
    "503": (503, "ServiceUnavailable", "The service is temporarily unavailable."),
    "401": (401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."),
    "403": (403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."),
    "410": (
        410,
        "syncStateNotFound",
        "The sync state generation is not found. The delta token is expired and data must be "
        "synchronized again.",
    ),
}
LOST = -1  # marker reply of the "lost" fault: handle the request, then drop the answer
# fault -> AADSTS code, for faults at the token endpoint (AAD's error shape, not Graph's)
TOKEN_FAULTS = {"429": 90055, "503": 90033, "401": 7000215}
WWW_AUTHENTICATE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/'
    'authorize", client_id="00000003-0000-0000-c000-000000000000"'
)


@dataclass
class _Armed:
    method: str | None
    pattern: str
    fault: Fault
    remaining: int
    retry_after: int | None
    delay: float

    def matches(self, request: Request) -> bool:
        return (self.method in (None, request.method)) and fnmatch.fnmatchcase(
            request.path, self.pattern
        )


@dataclass(frozen=True)
class RequestRecord:
    """A request the server answered (``status`` None when the connection was dropped)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    mailbox: str | None
    status: int | None


class _Http(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    app: GraphServer

    def __init__(self, app: GraphServer, context: ssl.SSLContext) -> None:
        super().__init__((tls.HOST, 0), _Handler)
        self.app = app
        self.socket = context.wrap_socket(
            self.socket, server_side=True, do_handshake_on_connect=False
        )
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up or refuse the certificate are not the server's problem."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    server: _Http

    def setup(self) -> None:
        # Without TCP_NODELAY every answer waits ~40 ms for a delayed ACK (Nagle).
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.request.settimeout(self.timeout)
        self.request.do_handshake()
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def _serve(self) -> None:
        split = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=unquote(split.path),
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers=dict(self.headers.items()),
            body=self._body(),
            origin=self.server.app.origin,
        )
        reply = self.server.app.dispatch(request)
        if reply.drop:
            self.close_connection = True
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""


class GraphServer:
    """The fake Entra ID token endpoint plus Graph v1.0 on ``https://127.0.0.1:PORT``."""

    graph_scope = GRAPH_DEFAULT_SCOPE

    def __init__(self, state: GraphState | None = None, tokens: TokenService | None = None):
        self.state = state or GraphState()
        self.tokens = tokens or TokenService()
        self.tokens.config.device_user = self.state.primary
        self.graph = GraphApi(self.state, self.tokens)
        self.tls = tls.material()
        #: Every request answered, in order of completion.
        self.requests: list[RequestRecord] = []
        self._faults: list[_Armed] = []
        self._lock = threading.Lock()
        self._http: _Http | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> GraphServer:
        """Listen on a free loopback port."""
        self._http = _Http(self, self.tls.server_context())
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self.state.base_url = self.base_url
        return self

    def stop(self) -> None:
        """Stop listening and cut every open connection."""
        if self._http is None:
            return
        self._http.shutdown()
        self._http.server_close()
        with self._http.connections_lock:
            for conn in list(self._http.connections):
                with suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._http = None

    def __enter__(self) -> GraphServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The listening port."""
        assert self._http is not None, "server not started"
        return int(self._http.server_address[1])

    @property
    def origin(self) -> str:
        """``https://127.0.0.1:PORT``."""
        return f"https://{tls.HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """Graph's root: ``https://127.0.0.1:PORT/v1.0``."""
        return f"{self.origin}/v1.0"

    @property
    def authority(self) -> str:
        """The msal authority: ``https://127.0.0.1:PORT/{tenant id}``."""
        return f"{self.origin}/{self.tenant_id}"

    @property
    def tenant_id(self) -> str:
        """The tenant the token endpoint knows."""
        return self.tokens.config.tenant_id

    @property
    def client_id(self) -> str:
        """The registered app's client id."""
        return self.tokens.config.client_id

    @property
    def client_secret(self) -> str:
        """The registered app's client secret."""
        return self.tokens.config.client_secret

    @property
    def ca_path(self) -> Path:
        """A PEM bundle with the test CA (for clients that take a path)."""
        return self.tls.ca_path

    def client_ssl_context(self) -> ssl.SSLContext:
        """An ``ssl.SSLContext`` trusting the test CA (``httpx.Client(verify=...)``)."""
        return self.tls.client_context()

    # -- faults and dispatch -----------------------------------------------------------------

    def inject(
        self,
        path_pattern: str = "*",
        fault: Fault = "429",
        times: int = 1,
        *,
        retry_after: int | None = None,
        delay: float = 0.0,
    ) -> None:
        """Arm a fault for the next ``times`` requests whose path matches the glob
        (``"*"``, ``"*/messages/delta"``, ``"POST /v1.0/users/*/sendMail"``: an optional
        method first). ``"*"`` also hits the token endpoint; ``"/v1.0/*"`` spares it."""
        method, _, pattern = path_pattern.rpartition(" ")
        with self._lock:
            self._faults.append(
                _Armed(method.upper() or None, pattern, fault, times, retry_after, delay)
            )

    def clear_faults(self) -> None:
        """Disarm every fault not yet consumed."""
        with self._lock:
            self._faults.clear()

    def dispatch(self, request: Request) -> Reply:
        """Answer one request (faults, concurrency accounting, then token or Graph)."""
        is_graph = _is_graph(request)
        mailbox = self.graph.mailbox_key(request) if is_graph else None
        with self.state.in_flight(mailbox) as in_flight:
            reply = self._fault(request)
            lost = reply is not None and reply.status == LOST
            if lost:
                reply = None
            limit = self.state.concurrency_limit
            if reply is None and mailbox and limit is not None and in_flight > limit:
                reply = graph_error(
                    429,
                    "ApplicationThrottled",
                    "Application is over its MailboxConcurrency limit.",
                    {"Retry-After": "1"},
                )
            if reply is None:
                try:
                    reply = (
                        self.graph.handle(request)
                        if is_graph
                        else self.tokens.handle(request, self.origin)
                    )
                except Exception as exc:  # a bug in the fake: say so instead of hanging up
                    reply = graph_error(500, "InternalServerError", f"fake Graph: {exc!r}")
            if lost:
                reply = Reply(0, drop=True)
        if is_graph and not reply.drop:
            request_id = str(uuid.uuid4())
            reply.headers.setdefault("request-id", request_id)
            reply.headers.setdefault(
                "client-request-id", request.header("client-request-id") or request_id
            )
            if reply.status == 401:
                reply.headers.setdefault("WWW-Authenticate", WWW_AUTHENTICATE)
        with self._lock:
            self.requests.append(
                RequestRecord(
                    request.method,
                    request.path,
                    dict(request.query),
                    dict(request.headers),
                    mailbox,
                    None if reply.drop else reply.status,
                )
            )
        return reply

    def _fault(self, request: Request) -> Reply | None:
        delay, chosen = 0.0, None
        with self._lock:
            for armed in self._faults:
                if armed.remaining <= 0 or not armed.matches(request):
                    continue
                if armed.fault == "slow":
                    armed.remaining -= 1
                    delay += armed.delay
                elif chosen is None:
                    armed.remaining -= 1
                    chosen = armed
            self._faults = [a for a in self._faults if a.remaining > 0]
        if delay:
            time.sleep(delay)
        if chosen is None:
            return None
        if chosen.fault == "drop":
            return Reply(0, drop=True)
        if chosen.fault == "lost":
            return Reply(LOST)
        status, code, message = FAULTS[chosen.fault]
        retry_after = chosen.retry_after
        if retry_after is None and chosen.fault == "429":
            retry_after = 1
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        if not _is_graph(request) and chosen.fault in TOKEN_FAULTS:
            return self.tokens.error_reply(TOKEN_FAULTS[chosen.fault], request, headers)
        return graph_error(status, code, message, headers)


def _is_graph(request: Request) -> bool:
    return request.path == "/v1.0" or request.path.startswith("/v1.0/")
