"""The IANA time zone of a point, offline, and the check that a zone name exists.

The boundary data (``timezonefinder``) is loaded once per process, on first use: the
finder memory-maps its files, which costs about 15 MB of resident memory over the
numpy the app already loads, and a lookup takes about 10 µs.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from timezonefinder import TimezoneFinder

_lock = threading.Lock()
_finder: TimezoneFinder | None = None

FALLBACK = "UTC"
"""A point in open water far from any zone's polygon is in no named zone."""


def _get_finder() -> TimezoneFinder:
    global _finder
    # Two threads starting at once must not each load the data.
    with _lock:
        if _finder is None:
            _finder = TimezoneFinder()
        return _finder


def zone_at(lat: float, lng: float) -> str:
    """The IANA name of the zone at ``lat``/``lng`` (``Etc/GMT±N`` at sea)."""
    name = _get_finder().timezone_at(lat=lat, lng=lng)
    return name if name and is_zone(name) else FALLBACK


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


def is_zone(name: str) -> bool:
    """True when ``name`` is an IANA zone this machine's tz database knows."""
    if name not in _known():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone(name: str | None) -> ZoneInfo:
    """The ``ZoneInfo`` for ``name``; an unknown or missing name is UTC."""
    if name and is_zone(name):
        return ZoneInfo(name)
    return ZoneInfo(FALLBACK)
