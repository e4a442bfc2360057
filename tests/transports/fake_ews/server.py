"""A local Exchange Web Services endpoint (plain HTTP on loopback) for tests.

:class:`FakeEwsServer` answers SOAP at ``/EWS/Exchange.asmx`` with Basic authentication,
dispatching each operation to :mod:`.operations` over one :class:`~.mailbox.Mailbox`. Every
request is recorded in :attr:`FakeEwsServer.requests` (operation, body, status), and
:meth:`FakeEwsServer.inject` arms faults for the next matching requests:

* :meth:`Fault.server_busy` - HTTP 500 with the SOAP fault Exchange sends when throttling
  (``ErrorServerBusy`` with ``MessageXml/Value[@Name="BackOffMilliseconds"]``), or with
  ``soap_fault=False`` the same code and value in an error response message (HTTP 200);
* :meth:`Fault.http` - a bare HTTP status (503, 401, ...), optionally with ``Retry-After``;
* :meth:`Fault.drop` - the connection is closed without an answer;
* :meth:`Fault.drop_after` - the request is carried out, then the connection is closed
  without an answer (the client cannot tell whether it happened);
* :meth:`Fault.delay` - the answer comes after a pause (to hit client timeouts);
* :meth:`Fault.error` - every response message of the operation carries an error code.

The server knows nothing of exchangelib's client side; :mod:`.fixture` adds that.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import logging
import socket
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import operations
from .mailbox import Mailbox
from .soap import (
    DEFAULT_API_VERSION,
    DEFAULT_BUILD,
    SoapParseError,
    envelope,
    parse_request,
    response,
    soap_fault,
)

log = logging.getLogger(__name__)

ENDPOINT = "/EWS/Exchange.asmx"
DEFAULT_USER = "meetingd"
DEFAULT_PASSWORD = "secret-for-tests"


@dataclass(frozen=True)
class Fault:
    """An injected failure; build one with the class methods."""

    kind: str
    status: int = 500
    back_off_ms: int = 0
    seconds: float = 0.0
    code: str = ""
    retry_after: int | None = None
    close: bool = False
    soap_fault: bool = True

    @classmethod
    def server_busy(cls, back_off_ms: int = 100, soap_fault: bool = True) -> Fault:
        """Exchange throttling: ErrorServerBusy asking to back off ``back_off_ms``.

        As a SOAP fault (HTTP 500, how Exchange throttles) or, with ``soap_fault=False``, as
        an error response message (HTTP 200), where exchangelib ignores the back-off value.
        """
        return cls("server_busy", back_off_ms=back_off_ms, soap_fault=soap_fault)

    @classmethod
    def http(cls, status: int, retry_after: int | None = None, close: bool = False) -> Fault:
        """A bare HTTP error; ``close`` adds ``Connection: close`` (exchangelib reads it)."""
        return cls("http", status=status, retry_after=retry_after, close=close)

    @classmethod
    def unauthorized(cls) -> Fault:
        """HTTP 401 whatever the credentials."""
        return cls("http", status=401)

    @classmethod
    def drop(cls) -> Fault:
        """Read the request, then close the socket without answering."""
        return cls("drop")

    @classmethod
    def drop_after(cls) -> Fault:
        """Carry the request out, then close the socket without answering."""
        return cls("drop_after")

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Answer normally, but only after ``seconds``."""
        return cls("delay", seconds=seconds)

    @classmethod
    def error(cls, code: str) -> Fault:
        """HTTP 200, every response message an error (``ResponseClass="Error"``) of ``code``:
        one per item or folder the request names, as Exchange answers."""
        return cls("error", code=code)

    @classmethod
    def parse(cls, spec: str | Fault, **kwargs: Any) -> Fault:
        """``"ErrorServerBusy"``, ``"503"``/``"401"``, ``"drop"``, ``"delay"`` or a Fault."""
        if isinstance(spec, Fault):
            return spec
        if spec == "ErrorServerBusy":
            return cls.server_busy(**kwargs)
        if spec.isdigit():
            return cls.http(int(spec), **kwargs)
        if spec == "drop":
            return cls.drop()
        if spec == "drop_after":
            return cls.drop_after()
        if spec == "delay":
            return cls.delay(**kwargs)
        if spec.startswith("Error"):
            return cls.error(spec)
        raise ValueError(f"unknown fault {spec!r}")


@dataclass
class _Armed:
    operation: str
    fault: Fault
    remaining: int
    skip: int = 0


@dataclass
class RecordedRequest:
    """One request as the server saw it, and what it answered."""

    operation: str | None
    body: bytes
    headers: dict[str, str]
    status: int = 0
    fault: Fault | None = None
    response: bytes = b""


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


class FakeEwsServer:
    """EWS over HTTP on 127.0.0.1 (free port), one mailbox, Basic auth, injectable faults.

    ``users`` maps user names to passwords; ``check_credentials`` (if given) replaces that
    check. ``options`` tune behaviour:

    * ``cancel_moves_to_deleted_items`` (default True): like Exchange, a cancelled meeting
      leaves the organizer's calendar for Deleted Items (with a new id);
    * ``cancel_accepts_body`` (default False): a CancelCalendarItem's text is read from
      ``NewBodyContent`` only, as MS-OXWSMTGS says; True also reads ``Body``.
    """

    def __init__(
        self,
        mailbox: Mailbox | None = None,
        users: Mapping[str, str] | None = None,
        check_credentials: Callable[[str, str], bool] | None = None,
        build: tuple[int, int, int, int] = DEFAULT_BUILD,
        api_version: str = DEFAULT_API_VERSION,
        **options: Any,
    ):
        self.mailbox = mailbox or Mailbox()
        self.users = dict(users) if users is not None else {DEFAULT_USER: DEFAULT_PASSWORD}
        self.check_credentials = check_credentials
        self.build = build
        self.api_version = api_version
        self.options: dict[str, Any] = {
            "cancel_moves_to_deleted_items": True,
            "cancel_accepts_body": False,
            **options,
        }
        self.requests: list[RecordedRequest] = []
        self.internal_errors: list[str] = []
        self._armed: list[_Armed] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._port: int | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeEwsServer:
        """Listen on a free loopback port and serve in a daemon thread."""
        httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self._port = int(httpd.server_address[1])
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-ews", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket (idempotent)."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    @property
    def port(self) -> int:
        """The TCP port listened on (still known after :meth:`stop`)."""
        if self._port is None:
            raise RuntimeError("server not started")
        return self._port

    @property
    def url(self) -> str:
        """The EWS endpoint, ``http://127.0.0.1:<port>/EWS/Exchange.asmx``."""
        return f"http://127.0.0.1:{self.port}{ENDPOINT}"

    @property
    def username(self) -> str:
        """The first configured user name."""
        return next(iter(self.users))

    @property
    def password(self) -> str:
        """That user's password."""
        return self.users[self.username]

    # -- faults and records --------------------------------------------------------------

    def inject(
        self,
        operation: str,
        fault: str | Fault,
        times: int = 1,
        after: int = 0,
        **kwargs: Any,
    ) -> None:
        """Make ``times`` requests for ``operation`` (or ``"*"``) fail with ``fault``, once
        ``after`` matching requests have passed (e.g. ``after=1``: the second page of a sync).

        ``fault`` is a :class:`Fault` or a shorthand: ``"ErrorServerBusy"`` (kwarg
        ``back_off_ms``), ``"503"``/``"401"`` (kwargs ``retry_after``, ``close``),
        ``"drop"``, ``"drop_after"``, ``"delay"`` (kwarg ``seconds``), or any other
        ``"Error..."`` response code.
        """
        with self._lock:
            self._armed.append(_Armed(operation, Fault.parse(fault, **kwargs), times, after))

    def clear_faults(self) -> None:
        """Disarm every injected fault."""
        with self._lock:
            self._armed.clear()

    def operations(self) -> list[str | None]:
        """The operation names received so far, in order."""
        return [r.operation for r in self.requests]

    def _take_fault(self, operation: str | None) -> Fault | None:
        with self._lock:
            for armed in self._armed:
                if armed.remaining > 0 and armed.operation in ("*", operation):
                    if armed.skip > 0:
                        armed.skip -= 1
                        continue
                    armed.remaining -= 1
                    return armed.fault
        return None

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.lower().startswith("basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        if self.check_credentials is not None:
            return self.check_credentials(user, password)
        expected = self.users.get(user)
        return expected is not None and hmac.compare_digest(expected, password)

    # -- request handling ----------------------------------------------------------------

    def handle(self, body: bytes, headers: Mapping[str, str]) -> _Reply:
        """Answer one POST body (after the path was checked)."""
        record = RecordedRequest(None, body, dict(headers))
        self.requests.append(record)
        if not self._authorized(headers.get("Authorization")):
            reply = _Reply(401, headers={"WWW-Authenticate": 'Basic realm="fake-ews"'})
            return self._finish(record, reply)
        try:
            request = parse_request(body)
        except SoapParseError as exc:
            return self._finish(record, _Reply(400, str(exc).encode()))
        record.operation = request.operation
        log.debug("fake EWS <- %s\n%s", request.operation, body.decode(errors="replace"))
        fault = self._take_fault(request.operation)
        record.fault = fault
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.seconds)
        elif fault is not None and fault.kind != "drop_after":
            targets = _targets(request.payload)
            return self._finish(record, self._fault_reply(request.operation, fault, targets))
        func = operations.HANDLERS.get(request.operation)
        if func is None:
            text = f"fake EWS does not implement {request.operation}"
            return self._finish(record, _Reply(500, soap_fault("ErrorInvalidOperation", text)))
        ctx = operations.Context(request, self.mailbox, self.options)
        try:
            with self.mailbox.lock:
                result = func(ctx)
        except operations.EwsError as exc:
            result = response(
                request.operation, [operations.error_message(request.operation, exc.code, exc.text)]
            )
        except Exception:  # a bug in the fake: make it loud
            trace = traceback.format_exc()
            self.internal_errors.append(trace)
            log.error("fake EWS failed on %s:\n%s", request.operation, trace)
            return self._finish(record, _Reply(500, soap_fault("ErrorInternalServerError", trace)))
        if fault is not None and fault.kind == "drop_after":
            return self._finish(record, _Reply(0, drop=True))
        return self._finish(record, _Reply(200, envelope(result, self.build, self.api_version)))

    def _fault_reply(self, operation: str, fault: Fault, targets: int = 1) -> _Reply:
        if fault.kind == "drop":
            return _Reply(0, drop=True)
        if fault.kind == "server_busy":
            text = "The server cannot service this request right now. Try again later."
            values = [("BackOffMilliseconds", str(fault.back_off_ms))]
            if not fault.soap_fault:
                msg = operations.error_message(operation, "ErrorServerBusy", text, values)
                return _Reply(
                    200, envelope(response(operation, [msg]), self.build, self.api_version)
                )
            return _Reply(500, soap_fault("ErrorServerBusy", text, values))
        if fault.kind == "error":  # one error message per item or folder asked for, as EWS
            messages = [operations.error_message(operation, fault.code) for _ in range(targets)]
            result = response(operation, messages)
            return _Reply(200, envelope(result, self.build, self.api_version))
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        if fault.close:
            headers["Connection"] = "close"
        if fault.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="fake-ews"'
        return _Reply(fault.status, headers=headers)

    def _finish(self, record: RecordedRequest, reply: _Reply) -> _Reply:
        record.status = reply.status
        record.response = reply.body
        if reply.body:
            log.debug("fake EWS -> %s\n%s", reply.status, reply.body.decode(errors="replace"))
        return reply


#: The payload elements that hold one entry per response message.
_TARGETS = ("ItemIds", "ItemChanges", "Items", "FolderIds", "ParentFolderIds", "Folders")


def _targets(payload: Any) -> int:
    """How many response messages the request asks for (one per item or folder id)."""
    for child in payload:
        if child.tag.rsplit("}", 1)[-1] in _TARGETS:
            return max(len(child), 1)
    return 1


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: FakeEwsServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (exchangelib retiring a session) is no error of the fake.
        log.debug("fake EWS: connection from %s ended abruptly", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as IIS; a "Connection: close" means something
    server: _HTTPServer

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path.split("?")[0].lower() != ENDPOINT.lower():
            self._send(404, b"", {})
            return
        reply = self.server.fake.handle(body, {k: v for k, v in self.headers.items()})
        if reply.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        content_type = {"Content-Type": "text/xml; charset=utf-8"} if reply.body else {}
        self._send(reply.status, reply.body, {**content_type, **reply.headers})

    def do_GET(self) -> None:  # noqa: N802
        self._send(405, b"", {"Allow": "POST"})

    def _send(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        if headers.get("Connection", "").lower() == "close":
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("fake EWS http: " + format, *args)
