"""Converting Python values to SQLite column values and back.

Conventions: instants are ISO 8601 strings in UTC ending in ``+00:00`` (they sort correctly
as text); dates are ``YYYY-MM-DD``; lists and dicts are JSON (UTF-8, not ASCII-escaped);
booleans are 0/1. :func:`encode_dataclass` / :func:`decode_dataclass` map any dataclass
generically from its type hints, so a new model field needs only a migration adding its column.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import types
import typing
from typing import Any, TypeVar

T = TypeVar("T")


def to_iso(when: dt.datetime) -> str:
    """Aware ``datetime`` -> ISO 8601 UTC text. Raises ``ValueError`` if ``when`` is naive."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"naive datetime {when!r} cannot be stored; use an aware UTC time")
    return when.astimezone(dt.UTC).isoformat()


def from_iso(text: str) -> dt.datetime:
    """ISO 8601 text -> aware ``datetime`` in UTC (naive text is taken as UTC)."""
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def opt_iso(when: dt.datetime | None) -> str | None:
    """:func:`to_iso` that passes ``None`` through."""
    return None if when is None else to_iso(when)


def opt_from_iso(text: str | None) -> dt.datetime | None:
    """:func:`from_iso` that passes ``None`` through."""
    return None if text is None else from_iso(text)


def to_json(value: Any) -> str:
    """JSON text, UTF-8 kept readable."""
    return json.dumps(value, ensure_ascii=False)


def _base_type(hint: Any) -> Any:
    """The storage-relevant type of a hint: unwraps ``X | None`` and ``Literal[...]``."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return _base_type(args[0]) if len(args) == 1 else object
    if origin is typing.Literal:
        return type(typing.get_args(hint)[0])
    if origin is not None:
        return origin
    return hint


_FIELD_TYPES: dict[type, tuple[tuple[str, Any], ...]] = {}


def _field_types(cls: type) -> tuple[tuple[str, Any], ...]:
    cached = _FIELD_TYPES.get(cls)
    if cached is None:
        hints = typing.get_type_hints(cls)
        cached = tuple((f.name, _base_type(hints[f.name])) for f in dataclasses.fields(cls))
        _FIELD_TYPES[cls] = cached
    return cached


def field_names(cls: type) -> list[str]:
    """The dataclass's field names, in declaration order (= its column names)."""
    return [name for name, _ in _field_types(cls)]


def encode(value: Any) -> Any:
    """One Python value -> a SQLite value (str, int, float, bytes or None)."""
    if value is None or isinstance(value, str | bytes | float):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, dt.datetime):
        return to_iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | dict):
        return to_json(value)
    raise TypeError(f"cannot store {type(value).__name__} value {value!r}")


def decode(value: Any, base: Any) -> Any:
    """A SQLite value -> the Python type ``base`` (as returned by the type hints)."""
    if value is None:
        return None
    if base is dt.datetime:
        return from_iso(value)
    if base is dt.date:
        return dt.date.fromisoformat(value)
    if base is bool:
        return bool(value)
    if base in (list, dict, tuple):
        decoded = json.loads(value)
        return tuple(decoded) if base is tuple else decoded
    if base is int:
        return int(value)
    if base is str:
        return str(value)
    return value


def encode_dataclass(obj: Any) -> dict[str, Any]:
    """A dataclass instance -> ``{column: sqlite value}`` for every field."""
    return {name: encode(getattr(obj, name)) for name, _ in _field_types(type(obj))}


def decode_dataclass(cls: type[T], row: dict[str, Any]) -> T:
    """A row dict -> ``cls`` instance; columns that are not fields are ignored.

    Raises ``KeyError`` if a field has no column (a migration is missing).
    """
    values = {name: decode(row[name], base) for name, base in _field_types(cls)}
    return cls(**values)
