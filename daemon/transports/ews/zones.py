"""Time zone names as Exchange writes them → IANA names.

Exchange names a calendar item's zone by its Windows id (``China Standard Time``), by a
display name (``(UTC+08:00) Beijing, Chongqing, Hong Kong, Urumqi``), or, for an item an
Outlook client wrote with its own rules, ``Customized Time Zone`` (exchangelib cannot map
that one: it warns and leaves the zone empty, #541/#310/#1197). The instants EWS hands out
are UTC either way; the zone only matters for how a time is shown and written. So
:func:`resolve` never fails: a Windows id maps through CLDR (exchangelib's table), a display
name by its UTC offset (the company zone first, if it has that offset), and anything else
falls back to the company zone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import warnings
import zoneinfo
from collections.abc import Iterator

from exchangelib.winzone import MS_TIMEZONE_TO_IANA_MAP  # type: ignore[import-untyped]

log = logging.getLogger(__name__)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence exchangelib's warning on items an Outlook client wrote in its own zone
    ("Customized Time Zone"): the instants are UTC and read correctly, so the warning says
    nothing an operator can act on."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Cannot convert value 'Customized Time Zone'", category=UserWarning
        )
        yield


_DISPLAY = re.compile(r"^\(UTC(?:(?P<sign>[+-])(?P<h>\d{1,2}):(?P<m>\d{2}))?\)")


def resolve(name: str | None, fallback: str, at: dt.datetime | None = None) -> str:
    """The IANA zone Exchange's zone ``name`` stands for.

    Args:
        name: a Windows id, a Windows display name, an IANA name, ``Customized Time Zone``
            or None.
        fallback: the company zone (IANA), used for None, ``Customized Time Zone`` and
            names that cannot be read.
        at: the instant (aware) at which a display name's offset, a standard offset, is
            matched (default: January 1 of this year).
    """
    if not name:
        return fallback
    if "/" in name or name == "UTC":
        try:
            zoneinfo.ZoneInfo(name)
            return name
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    if name in MS_TIMEZONE_TO_IANA_MAP:
        return str(MS_TIMEZONE_TO_IANA_MAP[name])
    match = _DISPLAY.match(name)
    if match:
        minutes = 0
        if match["sign"]:
            minutes = int(match["h"]) * 60 + int(match["m"])
            minutes = -minutes if match["sign"] == "-" else minutes
        return _by_offset(minutes, fallback, at)
    log.info("ews: time zone %r is not a known name; using %s", name, fallback)
    return fallback


def _offset_minutes(zone: str, at: dt.datetime) -> int | None:
    """The zone's standard offset at ``at`` (summer time taken off), as display names give."""
    local = at.astimezone(zoneinfo.ZoneInfo(zone))
    offset, dst = local.utcoffset(), local.dst()
    if offset is None:
        return None
    return int((offset - (dst or dt.timedelta(0))).total_seconds() // 60)


def _by_offset(minutes: int, fallback: str, at: dt.datetime | None) -> str:
    when = at or dt.datetime(dt.datetime.now(dt.UTC).year, 1, 1, tzinfo=dt.UTC)
    if _offset_minutes(fallback, when) == minutes:
        return fallback
    for zone in MS_TIMEZONE_TO_IANA_MAP.values():
        try:
            if _offset_minutes(str(zone), when) == minutes:
                return str(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
    return fallback
