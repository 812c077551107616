"""Realistic shipment bodies: US city pairs with proper windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

CITIES = {
    "Chicago": ("IL", 41.8781, -87.6298),
    "Dallas": ("TX", 32.7767, -96.7970),
    "Atlanta": ("GA", 33.7490, -84.3880),
    "Los Angeles": ("CA", 34.0522, -118.2437),
    "Memphis": ("TN", 35.1495, -90.0490),
    "Denver": ("CO", 39.7392, -104.9903),
    "Columbus": ("OH", 39.9612, -82.9988),
    "Phoenix": ("AZ", 33.4484, -112.0740),
}


def stop(kind: str, city: str, start: datetime, hours: int = 4, **extra: Any) -> dict[str, Any]:
    region, lat, lng = CITIES[city]
    body = {
        "kind": kind,
        "name": f"{city} {'DC' if kind == 'pickup' else 'Store'} #12",
        "address": "100 Logistics Way",
        "city": city,
        "region": region,
        "postal_code": "60601",
        "country": "US",
        "lat": lat,
        "lng": lng,
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=hours)).isoformat(),
    }
    body.update(extra)
    return body


def shipment_body(
    customer_id: str | None = None,
    origin: str = "Chicago",
    destination: str = "Dallas",
    **extra: Any,
) -> dict[str, Any]:
    """A dry-van load from ``origin`` tomorrow to ``destination`` the day after."""
    tomorrow = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    body: dict[str, Any] = {
        "equipment_type": "dry_van",
        "weight_kg": 12000,
        "pieces": 24,
        "commodity": "Canned goods",
        "declared_value_cents": 4_500_000,
        "stops": [
            stop("pickup", origin, tomorrow),
            stop("delivery", destination, tomorrow + timedelta(days=1)),
        ],
    }
    if customer_id is not None:
        body["customer_id"] = customer_id
    body.update(extra)
    return body
