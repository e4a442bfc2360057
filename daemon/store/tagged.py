"""Python values to JSON text and back with their types kept (a queued mail's draft).

:func:`dumps` writes JSON in which every value that JSON cannot hold as itself is an object
of one key naming its type:

* ``{"$datetime": "2027-03-09T01:30:00+00:00"}`` (ISO 8601, offset kept; naive stays naive),
  ``{"$date": "2027-03-09"}``, ``{"$time": "09:30:00"}``, ``{"$timedelta": seconds}``;
* ``{"$tuple": [...]}``, ``{"$set": [...]}``, ``{"$frozenset": [...]}`` (sorted when the
  items sort);
* ``{"$dict": [[key, value], ...]}`` for a dict whose keys are not all strings, or that
  could be mistaken for a tag (one key starting with ``$``); other dicts are JSON objects;
* ``{"$dataclass": "module:Qualname", "fields": {...}}`` for a dataclass instance,
  ``{"$enum": "module:Qualname", "value": ...}`` for an enum member and
  ``{"$new": "module:Qualname", "args": [...]}`` for a class with its own ``__reduce__``
  (e.g. :class:`daemon.domain.problems.Problem`, a ``str`` with a code), all from the
  ``daemon`` package only.

Types are matched exactly: a subclass of ``str``, ``dict`` … that is none of the above is
refused rather than stored as its base type (it would come back without what it adds).

:func:`loads` rebuilds the same values: equal to the originals, of the same types.

Raises:
    TypeError: (:func:`dumps`) a value of another type, or a dataclass, enum or reducible
        class from outside the ``daemon`` package.
    ValueError: (:func:`loads`) the text is not such JSON, or names a type that is not (or
        no longer) there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import importlib
import json
from typing import Any

PACKAGE = "daemon"


def dumps(value: Any) -> str:
    """``value`` as JSON text (UTF-8 kept readable) with its types tagged."""
    return json.dumps(_encode(value), ensure_ascii=False)


def loads(text: str) -> Any:
    """The value :func:`dumps` wrote."""
    try:
        return _decode(json.loads(text))
    except (KeyError, TypeError, AttributeError, ImportError) as exc:
        raise ValueError(f"not a tagged value: {exc}") from exc


def _name(cls: type) -> str:
    if cls.__module__.partition(".")[0] != PACKAGE:
        raise TypeError(f"cannot tag {cls.__module__}.{cls.__qualname__}: not a {PACKAGE} type")
    return f"{cls.__module__}:{cls.__qualname__}"


_PLAIN = (type(None), bool, int, float, str)


def _encode(value: Any) -> Any:
    if type(value) in _PLAIN:  # exactly: a subclass (a Problem, an enum) keeps its type below
        return value
    if isinstance(value, enum.Enum):
        return {"$enum": _name(type(value)), "value": _encode(value.value)}
    if _reduces(type(value)):
        made_by, args = value.__reduce__()[:2]
        return {"$new": _name(made_by), "args": [_encode(a) for a in args]}
    if type(value) is list:
        return [_encode(v) for v in value]
    if type(value) is dict:
        if all(type(k) is str for k in value) and not _looks_tagged(value):
            return {k: _encode(v) for k, v in value.items()}
        return {"$dict": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if type(value) is dt.datetime:
        return {"$datetime": value.isoformat()}
    if type(value) is dt.date:
        return {"$date": value.isoformat()}
    if type(value) is dt.time:
        return {"$time": value.isoformat()}
    if type(value) is dt.timedelta:
        return {"$timedelta": value.total_seconds()}
    if type(value) is tuple:
        return {"$tuple": [_encode(v) for v in value]}
    if type(value) in (set, frozenset):
        try:
            items = sorted(value)
        except TypeError:
            items = list(value)
        return {f"${type(value).__name__}": [_encode(v) for v in items]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$dataclass": _name(type(value)), "fields": fields}
    raise TypeError(f"cannot tag a {type(value).__qualname__} value: {value!r}")


def _reduces(cls: type) -> bool:
    """True for a ``daemon`` class that says how to rebuild it (its own ``__reduce__``,
    returning the class or function to call and its arguments)."""
    return any(
        "__reduce__" in vars(c) and c.__module__.partition(".")[0] == PACKAGE for c in cls.__mro__
    )


def _looks_tagged(value: dict[str, Any]) -> bool:
    return len(value) in (1, 2) and any(k.startswith("$") for k in value)


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if not _looks_tagged(value):
        return {k: _decode(v) for k, v in value.items()}
    tag = next(k for k in value if k.startswith("$"))
    body = value[tag]
    if tag == "$datetime":
        return dt.datetime.fromisoformat(body)
    if tag == "$date":
        return dt.date.fromisoformat(body)
    if tag == "$time":
        return dt.time.fromisoformat(body)
    if tag == "$timedelta":
        return dt.timedelta(seconds=body)
    if tag == "$tuple":
        return tuple(_decode(v) for v in body)
    if tag == "$set":
        return {_decode(v) for v in body}
    if tag == "$frozenset":
        return frozenset(_decode(v) for v in body)
    if tag == "$dict":
        return {_decode(k): _decode(v) for k, v in body}
    if tag == "$enum":
        return _type(body)(_decode(value["value"]))
    if tag == "$new":
        return _type(body)(*(_decode(a) for a in value["args"]))
    if tag == "$dataclass":
        cls = _type(body)
        fields = {k: _decode(v) for k, v in value["fields"].items()}
        init = {f.name for f in dataclasses.fields(cls) if f.init}
        obj = cls(**{k: v for k, v in fields.items() if k in init})
        for name in fields.keys() - init:
            object.__setattr__(obj, name, fields[name])
        return obj
    raise ValueError(f"unknown tag {tag!r}")


def _type(name: str) -> Any:
    module, _, qualname = name.partition(":")
    if module.partition(".")[0] != PACKAGE:
        raise ValueError(f"{name!r} is not a {PACKAGE} type")
    found: Any = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found
