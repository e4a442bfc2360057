"""Requests and replies as the fakes see them, and Graph's error body."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

JSON_TYPE = "application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8"


def utc_now() -> str:
    """Now as Graph writes an instant: ``2024-05-01T10:00:00Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Request:
    """One HTTP request: path percent-decoded, query as single values (last one wins)."""

    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    body: bytes = b""
    origin: str = ""  # https://127.0.0.1:PORT, for links the server writes

    def header(self, name: str) -> str | None:
        """A header, looked up case-insensitively."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    def json(self) -> Any:
        """The body as JSON (``None`` when empty)."""
        return json.loads(self.body) if self.body else None

    def form(self) -> dict[str, str]:
        """The body as ``application/x-www-form-urlencoded`` fields."""
        return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))


@dataclass
class Reply:
    """What the server writes back; ``drop`` closes the connection without any response."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


def json_reply(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Reply:
    """A JSON reply with Graph's content type."""
    return Reply(
        status, json.dumps(payload).encode(), {"Content-Type": JSON_TYPE, **(headers or {})}
    )


def graph_error(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> Reply:
    """Graph's error body: ``{"error": {"code", "message", "innerError": {...}}}``."""
    request_id = str(uuid.uuid4())
    inner = {"date": utc_now(), "request-id": request_id, "client-request-id": request_id}
    payload = {"error": {"code": code, "message": message, "innerError": inner}}
    return json_reply(status, payload, headers)
