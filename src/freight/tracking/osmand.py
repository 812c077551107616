"""The OsmAnd protocol, as the free Traccar Client apps (Android, iOS) send it.

One fix per HTTP request, in one of two shapes (traccar.org/osmand):

- query parameters or form fields: ``id`` (or ``deviceid``), ``lat`` and ``lon`` (or
  ``location=lat,lon``), ``timestamp`` (Unix seconds, milliseconds, or ISO 8601),
  ``speed`` in knots, ``bearing`` (or ``heading``) in degrees, ``altitude`` in metres,
  ``accuracy`` in metres, ``batt`` in percent;
- JSON, from Traccar Client 9 on: ``{"device_id", "location": {"timestamp" (ISO),
  "coords": {"latitude", "longitude", "speed" (m/s), "heading", "altitude",
  "accuracy"}, "battery": {"level" (0 to 1)}}}``.

``parse`` turns either into the device identifier and one ``PositionIn``, or raises
``OsmandError`` naming the field, so the fix goes through the same ingest filters as
the phone view's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from freight.tracking.schemas import PositionIn

KNOT_KMH = 1.852
MS_KMH = 3.6
# Unix times above this are milliseconds (it is in the year 5138 as seconds).
MILLISECONDS_FROM = 10**11


class OsmandError(ValueError):
    """A field the report cannot do without is missing or not readable."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Report:
    identifier: str
    position: PositionIn
    battery_pct: float | None


def _number(value: Any, field: str, required: bool = False) -> float | None:
    if value is None or value == "":
        if required:
            raise OsmandError(field, f"{field} is required")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise OsmandError(field, f"{field} is not a number") from None
    if not math.isfinite(number):
        raise OsmandError(field, f"{field} is not a number")
    return number


def timestamp(value: Any) -> datetime:
    """Unix seconds or milliseconds, or an ISO 8601 time (UTC when it has no offset)."""
    if value is None or value == "":
        return datetime.now(UTC)  # the app always sends one; a bare test URL may not
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        number = None
    try:
        if number is not None:
            seconds = number / 1000 if abs(number) >= MILLISECONDS_FROM else number
            return datetime.fromtimestamp(seconds, UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise OsmandError("timestamp", "timestamp is not Unix time or ISO 8601") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def from_fields(fields: Mapping[str, str]) -> Report:
    """A report from query parameters or form fields."""
    identifier = (fields.get("id") or fields.get("deviceid") or "").strip()
    if not identifier:
        raise OsmandError("id", "id is required")
    lat, lon = fields.get("lat"), fields.get("lon")
    if (lat is None or lon is None) and fields.get("location"):
        lat, _, lon = fields["location"].partition(",")
    knots = _number(fields.get("speed"), "speed")
    battery = _number(fields.get("batt"), "batt")
    position = PositionIn(
        lat=_number(lat, "lat", required=True),
        lng=_number(lon, "lon", required=True),
        recorded_at=timestamp(fields.get("timestamp")),
        speed_kmh=None if knots is None else round(knots * KNOT_KMH, 2),
        heading=_number(fields.get("bearing", fields.get("heading")), "bearing"),
        accuracy_m=_number(fields.get("accuracy"), "accuracy"),
    )
    return Report(identifier, position, battery)


def from_json(body: Any) -> Report:
    """A report in Traccar Client 9's JSON shape."""
    if not isinstance(body, dict):
        raise OsmandError("body", "the JSON body must be an object")
    identifier = str(body.get("device_id") or "").strip()
    if not identifier:
        raise OsmandError("device_id", "device_id is required")
    location = body.get("location")
    coords = location.get("coords") if isinstance(location, dict) else None
    if not isinstance(location, dict) or not isinstance(coords, dict):
        raise OsmandError("location", "location.coords is required")
    metres_per_s = _number(coords.get("speed"), "speed")
    battery = body.get("battery") if isinstance(body.get("battery"), dict) else None
    battery = battery or (
        location.get("battery") if isinstance(location.get("battery"), dict) else None
    )
    level = _number(battery.get("level"), "battery") if battery else None
    position = PositionIn(
        lat=_number(coords.get("latitude"), "latitude", required=True),
        lng=_number(coords.get("longitude"), "longitude", required=True),
        recorded_at=timestamp(location.get("timestamp")),
        speed_kmh=None
        if metres_per_s is None or metres_per_s < 0
        else round(metres_per_s * MS_KMH, 2),
        heading=_number(coords.get("heading"), "heading"),
        accuracy_m=_number(coords.get("accuracy"), "accuracy"),
    )
    return Report(identifier, position, None if level is None else round(level * 100, 1))
