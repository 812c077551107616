"""Exports in the import's own columns, so an export imports again as it was (every row
skipped: its ``id`` is there). Streamed a page at a time, each page read in a short
transaction of its own, like the shipment list's export."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from freight.access import Actor
from freight.imports.kinds import Kind
from freight.shipments.export import ExportResponse
from freight.slots import Slots


def _lines(rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


async def _page(
    sessions: async_sessionmaker[AsyncSession], actor: Actor, kind: Kind, cursor: str | None
) -> tuple[str, str | None]:
    async with sessions() as session:
        rows, after = await kind.export_page(session, actor, cursor)
    return _lines(rows), after


async def _chunks(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    kind: Kind,
    first: tuple[str, str | None],
) -> AsyncIterator[str]:
    text, cursor = first
    yield _lines([kind.exported]) + text
    while cursor is not None:
        text, cursor = await _page(sessions, actor, kind, cursor)
        yield text


async def open_export(
    sessions: async_sessionmaker[AsyncSession],
    gate: Slots,
    actor: Actor,
    kind: Kind,
    send_timeout_s: float,
) -> ExportResponse:
    """Take an export slot and read the first page before any header is sent (so a busy
    database is a 503, not a cut ``200``); newest rows first."""
    release = gate.acquire()
    try:
        first = await _page(sessions, actor, kind, None)
    except BaseException:
        release()
        raise
    body = _chunks(sessions, actor, kind, first)
    response = ExportResponse(body, release=release, send_timeout_s=send_timeout_s, fmt="csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{kind.name}.csv"'
    return response
