"""Streamed exports of the shipment list as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence

import anyio
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.responses import StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from freight.access import Actor
from freight.shipments.models import Shipment
from freight.shipments.queries import ShipmentFilters, list_page
from freight.shipments.schemas import ShipmentRead
from freight.slots import Slots

log = structlog.get_logger("freight.export")

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
    "distance_source",
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
        s.distance_source,
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


class ExportResponse(StreamingResponse):
    """A streamed export that gives its slot back and gives up on a client that stops reading."""

    def __init__(
        self,
        content: AsyncIterator[str],
        *,
        release: Callable[[], None],
        send_timeout_s: float,
        fmt: str,
    ) -> None:
        headers = {"Content-Disposition": f'attachment; filename="shipments.{fmt}"'}
        super().__init__(content, media_type=MEDIA_TYPES[fmt], headers=headers)
        self._release = release
        self._send_timeout_s = send_timeout_s

    async def stream_response(self, send: Send) -> None:
        """Send the chunks, each within the send timeout."""

        async def timed_send(message: Message) -> None:
            with anyio.fail_after(self._send_timeout_s):
                await send(message)

        try:
            await super().stream_response(timed_send)
        except TimeoutError:
            # Returning without finishing the body makes the server close the connection,
            # so the client sees a cut transfer, never a complete-looking one.
            log.warning("export.client_stalled", send_timeout_s=self._send_timeout_s)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()
            iterator = self.body_iterator
            if isinstance(iterator, AsyncGenerator):
                await iterator.aclose()


MEDIA_TYPES = {"csv": "text/csv", "json": "application/json"}


async def _page(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    filters: ShipmentFilters,
    fmt: str,
    cursor: str | None,
    batch: int,
) -> tuple[str, str | None]:
    """One page rendered as text, read in a transaction of its own that ends before sending."""
    async with sessions() as session:
        rows, next_cursor = await list_page(session, actor, filters, batch, cursor)
        if fmt == "csv":
            return "".join(_csv_line(csv_row(s)) for s in rows), next_cursor
        bodies = (ShipmentRead.model_validate(s).model_dump(mode="json") for s in rows)
        return ",".join(json.dumps(body) for body in bodies), next_cursor


async def _chunks(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    filters: ShipmentFilters,
    fmt: str,
    first: tuple[str, str | None],
    batch: int,
) -> AsyncIterator[str]:
    text, cursor = first
    yield (_csv_line(CSV_COLUMNS) if fmt == "csv" else "[") + text
    while cursor is not None:
        text, cursor = await _page(sessions, actor, filters, fmt, cursor, batch)
        yield text if fmt == "csv" else "," + text
    if fmt == "json":
        yield "]"


async def open_export(
    sessions: async_sessionmaker[AsyncSession],
    gate: Slots,
    actor: Actor,
    filters: ShipmentFilters,
    fmt: str,
    send_timeout_s: float,
    batch: int = 500,
) -> ExportResponse:
    """Take an export slot and read the first page before any header is sent.

    A database that cannot be reached, or a full gate, is then a proper error answer
    (503) instead of a ``200 OK`` cut after its first byte. Later pages are each read in
    a short transaction of their own, so a client that stops reading holds no lock and
    no connection; the export is consistent page by page, in a stable order.
    """
    release = gate.acquire()
    try:
        first = await _page(sessions, actor, filters, fmt, None, batch)
    except BaseException:
        release()
        raise
    body = _chunks(sessions, actor, filters, fmt, first, batch)
    return ExportResponse(body, release=release, send_timeout_s=send_timeout_s, fmt=fmt)
