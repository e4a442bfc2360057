"""``check-config`` for ``[transport.ews]``: one request to the endpoint (GetFolder of the
inbox, fail-fast, 15 s), and one line that says what failed.

Failures named: DNS (the host does not resolve), TLS (certificate or protocol), connection
(refused, timeout), 401 (the login), wrong version (the ``version`` setting does not match
the server), no such mailbox, missing rights (impersonation or delegate access).
"""

from __future__ import annotations

import dataclasses
import socket
import ssl
from urllib.parse import urlsplit

import requests
from exchangelib import FailFast  # type: ignore[import-untyped]
from exchangelib import errors as ews  # type: ignore[import-untyped]

from daemon.transports.ews.account import build_account
from daemon.transports.ews.errors import TRANSIENT_CODES
from daemon.transports.ews.settings import EwsSettings

_VERSION_ERRORS = (
    ews.ErrorInvalidServerVersion,
    ews.ErrorInvalidSchemaVersionForMailboxVersion,
    ews.ErrorIncorrectSchemaVersion,
)


def probe(cfg: EwsSettings) -> str | None:
    """None if the endpoint answers for the mailbox, else the problem in one sentence
    (starting ``[transport.ews]``, naming the key and the fix)."""
    where = "[transport.ews]"
    endpoint = cfg.endpoint or "autodiscover"
    host = urlsplit(cfg.endpoint).hostname if cfg.endpoint else None
    if host:
        try:
            socket.getaddrinfo(host, None)
        except OSError as exc:
            return f"{where} endpoint: DNS: {host} does not resolve ({exc}). Fix: check the URL."
    account = None
    try:
        account = build_account(dataclasses.replace(cfg, timeout=min(cfg.timeout, 15)), FailFast())
        account.inbox.refresh()
    except ews.UnauthorizedError:
        return (
            f"{where} username: 401: {endpoint} refused the login of "
            f"{cfg.username or cfg.client_id}. Fix: check username, auth and the password."
        )
    except _VERSION_ERRORS as exc:
        return (
            f"{where} version: wrong version: the server refused Exchange {_name(cfg)} "
            f"({type(exc).__name__}). Fix: set version to the server's (2013, 2016, 2019, se)."
        )
    except ews.ErrorNonExistentMailbox:
        return f"{where} address: {endpoint} has no mailbox {cfg.address}. Fix: correct address."
    except (ews.ErrorImpersonateUserDenied, ews.ErrorAccessDenied) as exc:
        return (
            f"{where} impersonate: {cfg.username} may not open {cfg.address} "
            f"({type(exc).__name__}). Fix: grant the rights (docs/operations.md) or log in "
            "as the mailbox itself."
        )
    except TRANSIENT_CODES as exc:  # ErrorTimeoutExpired also stands for "no connection"
        return _unreachable(where, endpoint, exc)
    except ews.ResponseMessageError as exc:  # Exchange answered, and said no
        return f"{where}: {endpoint} answered {type(exc).__name__}: {_first_line(exc)}."
    except (requests.exceptions.RequestException, ews.TransportError) as exc:
        return _unreachable(where, endpoint, exc)
    except OSError as exc:
        return _unreachable(where, endpoint, exc)
    except ews.EWSError as exc:
        return f"{where}: {endpoint} answered {type(exc).__name__}: {_first_line(exc)}."
    finally:
        if account is not None:
            account.protocol.close()
    return None


def _unreachable(where: str, endpoint: str, exc: BaseException) -> str:
    """The line for a connection that failed: TLS if that is behind it, else the reason."""
    if _is_tls(exc):
        return (
            f"{where} endpoint: TLS: {endpoint}: {_first_line(exc)}. Fix: install the "
            "server's CA (REQUESTS_CA_BUNDLE) or correct the host name."
        )
    return f"{where} endpoint: cannot reach {endpoint}: {_first_line(exc)}. Fix: check the URL."


def _is_tls(exc: BaseException | None) -> bool:
    """Whether a TLS failure (certificate, protocol) is behind ``exc`` (exchangelib wraps
    the ``requests`` error, which wraps urllib3's, which wraps ``ssl``'s)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, ssl.SSLError | requests.exceptions.SSLError) or "SSLError" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _name(cfg: EwsSettings) -> str:
    major, minor = cfg.version
    return {(15, 0): "2013", (15, 1): "2016", (15, 2): "2019/SE"}.get((major, minor), "?")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
