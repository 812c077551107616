"""Streamed exports of the shipment list as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from freight.access import Actor
from freight.shipments.models import Shipment
from freight.shipments.queries import ShipmentFilters, iterate
from freight.shipments.schemas import ShipmentRead

CSV_COLUMNS = [
    "reference",
    "status",
    "customer_id",
    "equipment_type",
    "weight_kg",
    "origin_city",
    "origin_region",
    "destination_city",
    "destination_region",
    "pickup_window_start",
    "delivery_window_end",
    "distance_km",
    "driver_id",
    "price_cents",
    "currency",
    "created_at",
    "delivered_at",
]


def csv_row(s: Shipment) -> list[object]:
    """One shipment flattened for a spreadsheet."""
    first, last = s.stops[0], s.stops[-1]
    return [
        s.reference,
        s.status,
        s.customer_id,
        s.equipment_type,
        s.weight_kg,
        first.city,
        first.region or "",
        last.city,
        last.region or "",
        first.window_start.isoformat(),
        last.window_end.isoformat(),
        s.distance_km,
        s.driver_id or "",
        "" if s.price_cents is None else s.price_cents,
        s.currency,
        s.created_at.isoformat(),
        s.delivered_at.isoformat() if s.delivered_at else "",
    ]


# A cell starting with one of these is run as a formula by spreadsheet programs, and
# customers write the place names: quote such text (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) else value


def _csv_line(values: Sequence[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([_cell(v) for v in values])
    return buffer.getvalue()


async def stream(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    filters: ShipmentFilters,
    fmt: str,
) -> AsyncIterator[str]:
    """Yield the export in chunks; the session lives as long as the stream."""
    async with sessions() as session:
        if fmt == "csv":
            yield _csv_line(CSV_COLUMNS)
            async for shipment in iterate(session, actor, filters):
                yield _csv_line(csv_row(shipment))
            return
        yield "["
        first = True
        async for shipment in iterate(session, actor, filters):
            body = ShipmentRead.model_validate(shipment).model_dump(mode="json")
            yield ("" if first else ",") + json.dumps(body)
            first = False
        yield "]"
