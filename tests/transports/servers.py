"""Real local mail servers for tests and benchmarks (no ``daemon`` imports).

* :class:`Dovecot` runs Debian's Dovecot 2.3 (``dovecot-imapd``) with its own config file on a
  free loopback port: plaintext IMAP (``ssl = no``), a static passdb (every user, one password)
  and a static userdb (``uid=mail gid=mail``; Dovecot refuses uid 0). It offers IDLE (RFC 2177),
  MOVE (RFC 6851) and UIDPLUS (RFC 4315). :meth:`Dovecot.restart` kills and restarts it on the
  same port, which drops every client connection.
* :class:`SmtpServer` is an ``aiosmtpd`` server that delivers each accepted message into the
  Dovecot INBOX of every recipient (IMAP APPEND, user = the full address) and records it;
  :meth:`SmtpServer.fail_next` makes it answer 421/451/550 to the next transactions.
* :class:`FaultProxy` is a TCP proxy that can cut connections when a byte pattern passes.

Dovecot must run as root (it switches to ``mail`` for mailboxes), as on CI.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import json
import logging
import os
import selectors
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult
from imapclient import IMAPClient

log = logging.getLogger(__name__)

PASSWORD = "secret-for-tests"
HOST = "127.0.0.1"

_CONF = """\
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
instance_name = meetingd-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
auth_failure_delay = 1 secs
login_trusted_networks = 127.0.0.0/8
mail_location = maildir:{base}/mail/%u
mail_uid = mail
mail_gid = mail
first_valid_uid = 1
first_valid_gid = 1
mail_privileged_group =
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
{passdb}}}
userdb {{
  driver = static
  args = uid=mail gid=mail home={base}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 10.0) -> None:
    """Block until ``127.0.0.1:port`` accepts a connection; ``TimeoutError`` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {HOST}:{port}") from None
            time.sleep(0.02)


class Dovecot:
    """One private Dovecot instance; ``start()``/``stop()``/``restart()``.

    With ``xoauth2=True`` it also offers SASL XOAUTH2: a second passdb (``passwd-file``,
    ``mechanisms = xoauth2``) accepts for each user the one access token
    :meth:`allow_token` gave it last (the fake Entra ID endpoint can call it for every token
    it issues). Dovecot's checkpassword cannot be used: it refuses requests over 512 bytes,
    and a JWT is longer.
    """

    def __init__(
        self, base: Path | None = None, port: int | None = None, xoauth2: bool = False
    ) -> None:
        self.base = base or Path(tempfile.mkdtemp(prefix="meetingd-dovecot-"))
        self.base.chmod(0o755)  # login and mail processes run as other users
        self.xoauth2 = xoauth2
        self.tokens_file = self.base / "tokens"
        self._tokens: dict[str, str] = {}
        self.port = port or free_port()
        self.conf = self.base / "dovecot.conf"
        self.proc: subprocess.Popen[bytes] | None = None
        self._owns_base = base is None

    def start(self) -> Dovecot:
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        if not Path(binary).exists():
            raise RuntimeError("dovecot is not installed: apt-get install -y dovecot-imapd")
        mail = self.base / "mail"
        mail.mkdir(exist_ok=True)
        shutil.chown(mail, "mail", "mail")
        passdb = f"  driver = static\n  args = password={PASSWORD}\n"
        mechanisms = "plain login"
        if self.xoauth2:
            self._write_tokens()
            passdb += (
                "  mechanisms = plain login\n}\npassdb {\n  driver = passwd-file\n"
                f"  args = scheme=PLAIN username_format=%u {self.tokens_file}\n"
                "  mechanisms = xoauth2\n"
            )
            mechanisms = "plain login xoauth2"
        self.conf.write_text(
            _CONF.format(base=self.base, port=self.port, passdb=passdb, mechanisms=mechanisms)
        )
        # Own process group: stop() signals the master and every imap child at once, as a
        # real restart would (the master alone leaves running imap processes behind).
        self.proc = subprocess.Popen([binary, "-F", "-c", str(self.conf)], start_new_session=True)
        try:
            wait_port(self.port)
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"dovecot did not start; see {self.base}/dovecot.log") from None
        log.info("dovecot up on %s:%d (%s)", HOST, self.port, self.base)
        return self

    def stop(self) -> None:
        if self.proc is None:
            return
        pgid = self.proc.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)  # imap children say BYE and exit
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            if self.proc.poll() is None:  # the master is reaped first, then its group checked
                time.sleep(0.02)
                continue
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.02)
        else:  # the master may linger on its own shutdown timers: end it
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None
        log.info("dovecot on port %d stopped", self.port)

    def allow_token(self, token: str, user: str) -> None:
        """From now on accept ``token`` (and no older one) for ``user`` with XOAUTH2."""
        self._tokens[user.lower()] = token
        self._write_tokens()

    def _write_tokens(self) -> None:
        lines = "".join(f"{user}:{{PLAIN}}{token}\n" for user, token in self._tokens.items())
        tmp = self.tokens_file.with_suffix(".tmp")
        tmp.write_text(lines, encoding="ascii")
        tmp.chmod(0o644)
        # Dovecot re-reads the file when its mtime (whole seconds) or size changes: make
        # every version one second newer than the last.
        self._version = getattr(self, "_version", int(time.time())) + 1
        os.utime(tmp, (self._version, self._version))
        tmp.replace(self.tokens_file)

    def restart(self) -> None:
        """Stop (every client connection drops) and start again on the same port."""
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        if self._owns_base:
            shutil.rmtree(self.base, ignore_errors=True)

    def doveadm(self, *args: str) -> str:
        """Run ``doveadm -c CONF ARGS`` and return its stdout."""
        out = subprocess.run(
            ["doveadm", "-c", str(self.conf), *args], check=True, capture_output=True, text=True
        )
        return out.stdout

    def client(self, user: str) -> IMAPClient:
        """A logged-in IMAPClient for ``user`` (the caller logs out)."""
        conn = IMAPClient(HOST, self.port, ssl=False, timeout=10)
        conn.login(user, PASSWORD)
        return conn

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        """APPEND ``raw`` to ``folder`` of ``user``, creating the folder if missing."""
        with self.client(user) as conn:
            if not conn.folder_exists(folder):
                conn.create_folder(folder)
            conn.append(folder, raw)

    def messages(self, user: str, folder: str = "INBOX") -> list[bytes]:
        """Raw bytes of every message in ``folder`` (empty when the folder is missing)."""
        with self.client(user) as conn:
            if not conn.folder_exists(folder):
                return []
            conn.select_folder(folder, readonly=True)
            uids = conn.search(["NOT", "DELETED"])
            data = conn.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
            return [bytes(data[uid][b"BODY[]"]) for uid in sorted(data)]

    def settings(self, user: str, **extra: Any) -> dict[str, Any]:
        """Settings for ``daemon.transports.imap.create`` (password via ``password_env``)."""
        os.environ["MEETINGD_TEST_IMAP_PASSWORD"] = PASSWORD
        base: dict[str, Any] = {
            "host": HOST,
            "port": self.port,
            "security": "none",
            "username": user,
            "password_env": "MEETINGD_TEST_IMAP_PASSWORD",
            "retries": 6,
            "backoff_seconds": 0.05,
            "backoff_max": 0.5,
            "timeout": 10,
        }
        base.update(extra)
        return base


@dataclass
class Received:
    """One message the SMTP server accepted; ``at``: ``time.monotonic()`` when DATA ended;
    ``peer``: the client's (host, port), the same for mails of one connection."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    at: float = field(default_factory=time.monotonic)
    peer: tuple[str, int] | None = None


@dataclass
class _Handler:
    dovecot: Dovecot | None
    received: list[Received] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    on_receive: list[Callable[[Received], None]] = field(default_factory=list)

    def _fault(self, server: Any, stage: str) -> str | None:
        with self.lock:
            if not self.failures or self.failures[0][0] != stage:
                return None
            reply = self.failures.pop(0)[1]
        if reply.startswith("421"):
            # RFC 5321 section 3.8: 421 closes the transmission channel after the reply.
            server.loop.call_soon(server.transport.close)
        return reply

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, opts: Any):
        fault = self._fault(server, "MAIL")
        if fault:
            return fault
        envelope.mail_from = address
        envelope.mail_options.extend(opts)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        fault = self._fault(server, "DATA")
        if fault:
            return fault
        raw = bytes(envelope.original_content or envelope.content)
        got = Received(envelope.mail_from, list(envelope.rcpt_tos), raw, peer=session.peer)
        if self.dovecot is not None:
            for rcpt in got.rcpt_tos:
                self.dovecot.append(rcpt.lower(), raw)
        with self.lock:
            self.received.append(got)
        for callback in list(self.on_receive):
            callback(got)
        return "250 Message accepted for delivery"


@dataclass
class _XOAuth2Handler(_Handler):
    """Also offers AUTH XOAUTH2: accepts ``user=…^Aauth=Bearer <token>^A^A`` for a token in
    :attr:`tokens`; a refused token gets the error challenge, then 535 (as Gmail/Outlook)."""

    tokens: set[str] = field(default_factory=set)
    apps: set[str] = field(default_factory=set)
    logins: list[tuple[str, str]] = field(default_factory=list)

    def _app_token(self, token: str) -> bool:
        try:
            part = token.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
            return claims["appid"] in self.apps and float(claims["exp"]) > time.time()
        except (IndexError, ValueError, KeyError, TypeError):
            return False

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        if len(args) > 1:
            raw = args[1]
        else:
            answer = await server.challenge_auth("")
            raw = answer.decode() if isinstance(answer, bytes) else ""
        try:
            decoded = base64.b64decode(raw).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return AuthResult(success=False, handled=False)
        fields = dict(p.split("=", 1) for p in decoded.split("\x01") if "=" in p)
        token = fields.get("auth", "").removeprefix("Bearer ").strip()
        user = fields.get("user", "")
        with self.lock:
            ok = token in self.tokens or self._app_token(token)
            self.logins.append((user, token))
        if ok:
            return AuthResult(success=True, auth_data=user)
        body = json.dumps({"status": "401", "schemes": "bearer", "scope": "mail"})
        await server.challenge_auth(body)  # the client answers with an empty line
        return AuthResult(success=False, handled=False, message="535 5.7.8 token refused")


class _LongAuthSMTP(SMTP):
    """RFC 4954 §4: an AUTH line may be 12288 octets (an access token is ~1 kB in base64);
    aiosmtpd's default limit is 512."""

    line_length_limit = 12288

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.command_size_limits = collections.defaultdict(lambda: SMTP.command_size_limit)
        self.command_size_limits["AUTH"] = 12288


class _Controller(Controller):
    long_auth = False

    def factory(self) -> Any:
        with warnings.catch_warnings():  # "AUTH without TLS": loopback tests only
            warnings.simplefilter("ignore", UserWarning)
            if self.long_auth:
                return _LongAuthSMTP(self.handler, **self.SMTP_kwargs)
            return super().factory()


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = bytes(getattr(data, "password", b"")) == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd sends 235/535


class SmtpServer:
    """aiosmtpd on a free loopback port, delivering into ``dovecot`` (if given)."""

    def __init__(
        self,
        dovecot: Dovecot | None,
        auth: bool = False,
        xoauth2: bool = False,
        smtputf8: bool = True,
    ) -> None:
        self.handler = _XOAuth2Handler(dovecot) if xoauth2 else _Handler(dovecot)
        self.port = free_port()
        extra: dict[str, Any] = {"enable_SMTPUTF8": smtputf8}  # offered unless told not to
        if xoauth2:  # AUTH XOAUTH2 only, over plain text (loopback only)
            extra |= {
                "auth_required": True,
                "auth_require_tls": False,
                "auth_exclude_mechanism": ["PLAIN", "LOGIN"],
            }
        if auth:  # AUTH PLAIN/LOGIN over plain text (loopback only), password PASSWORD
            extra |= {
                "auth_required": True,
                "auth_require_tls": False,
                "authenticator": _authenticate,
            }
        self.controller = _Controller(self.handler, hostname=HOST, port=self.port, **extra)
        self.controller.long_auth = xoauth2

    def allow_token(self, token: str) -> None:
        """Accept ``token`` for AUTH XOAUTH2 (``xoauth2=True`` only)."""
        assert isinstance(self.handler, _XOAuth2Handler)
        with self.handler.lock:
            self.handler.tokens.add(token)

    def allow_app(self, client_id: str) -> None:
        """Accept unexpired JWTs issued to ``client_id`` (``xoauth2=True`` only)."""
        assert isinstance(self.handler, _XOAuth2Handler)
        with self.handler.lock:
            self.handler.apps.add(client_id)

    @property
    def logins(self) -> list[tuple[str, str]]:
        """Every XOAUTH2 attempt as ``(user, token)``."""
        assert isinstance(self.handler, _XOAuth2Handler)
        with self.handler.lock:
            return list(self.handler.logins)

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def fail_next(self, stage: str, reply: str) -> None:
        """Answer ``reply`` (e.g. ``"451 4.3.0 try later"``) to the next ``stage`` (MAIL|DATA)."""
        with self.handler.lock:
            self.handler.failures.append((stage, reply))

    def reset(self) -> None:
        with self.handler.lock:
            self.handler.received.clear()
            self.handler.failures.clear()
            self.handler.on_receive.clear()

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def settings(self, **extra: Any) -> dict[str, Any]:
        """Settings for ``daemon.transports.smtp.create``."""
        base: dict[str, Any] = {
            "host": HOST,
            "port": self.port,
            "security": "none",
            "send_attempts": 3,
            "backoff_seconds": 0.05,
            "backoff_max": 0.2,
            "timeout": 10,
        }
        base.update(extra)
        return base


class FaultProxy:
    """A TCP proxy ``127.0.0.1:port -> 127.0.0.1:target`` that can cut connections.

    :meth:`cut_when` arms a one-shot rule: when ``pattern`` appears in bytes going
    ``"up"`` (client to server) or ``"down"`` (server to client), the chunk is NOT forwarded,
    ``action()`` (if any) runs, and that connection pair is closed.
    """

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.port = free_port()
        self._listener = socket.create_server((HOST, self.port))
        self._rules: list[tuple[str, bytes, Callable[[], None] | None]] = []
        self._lock = threading.Lock()
        self._stop = False
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_when(
        self, direction: str, pattern: bytes, action: Callable[[], None] | None = None
    ) -> None:
        with self._lock:
            self._rules.append((direction, pattern, action))

    def close(self) -> None:
        self._stop = True
        with contextlib.suppress(OSError):
            self._listener.close()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._pump, args=(client,), daemon=True).start()

    def _match(self, direction: str, data: bytes) -> tuple[bool, Callable[[], None] | None]:
        with self._lock:
            for rule in self._rules:
                if rule[0] == direction and rule[1] in data:
                    self._rules.remove(rule)
                    self.cuts += 1
                    return True, rule[2]
        return False, None

    def _pump(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection((HOST, self.target), timeout=5)
        except OSError:
            client.close()
            return
        ends = {client: (server, "up"), server: (client, "down")}
        ends_by_fd = {end.fileno(): end for end in ends}
        sel = selectors.DefaultSelector()
        for end in ends:
            sel.register(end, selectors.EVENT_READ)
        try:
            while not self._stop:
                for key, _ in sel.select(0.2):
                    sock = ends_by_fd[key.fd]
                    data = sock.recv(65536)
                    if not data:
                        return
                    peer, direction = ends[sock]
                    cut, action = self._match(direction, data)
                    if cut:
                        log.info("proxy cuts the connection on %s %r", direction, data[:40])
                        if action is not None:
                            action()
                        return
                    peer.sendall(data)
        except OSError:
            return
        finally:
            sel.close()
            for end in ends:
                with contextlib.suppress(OSError):
                    end.close()
