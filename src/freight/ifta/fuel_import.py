"""Fuel purchases from a CSV file (a fuel card's export), checked row by row.

The file is read as ``freight.imports`` reads its files (the same size, encoding and
header checks, rows numbered as a spreadsheet shows them) and answers in the same shape:
``{rows, valid, created, skipped, errors: [{row, column, message}]}``. Each row goes
through ``FuelPurchaseCreate``, the API's own schema. ``vehicle`` is the truck's number
as the fleet list shows it; ``amount`` is the price in major units (``123.45``). A row
whose truck already has its ``receipt_ref`` is skipped, so a file imported twice adds
nothing the second time. Rows with errors are not imported; the others are, in batches.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor
from freight.ifta import service
from freight.ifta.models import FuelPurchase
from freight.ifta.schemas import FuelPurchaseCreate
from freight.imports import reading
from freight.imports.messages import row_error, said
from freight.imports.schemas import ImportResult, RowError

COLUMNS = reading.Columns(
    kind="fuel purchases",
    known=(
        "vehicle",
        "purchased_at",
        "jurisdiction",
        "quantity",
        "unit",
        "amount",
        "currency",
        "vendor",
        "receipt_ref",
    ),
    required=frozenset({"vehicle", "purchased_at", "jurisdiction", "quantity"}),
)
# The schema's field for each column (the rest have the column's name).
FIELD_COLUMN = {"vehicle_id": "vehicle", "amount_cents": "amount"}
BATCH = 500
MAX_LISTED_ERRORS = 1000
EndBatch = Callable[[AsyncSession], Awaitable[None]]


def _cents(text: str) -> int | str:
    """``123.45`` as 12345, or the text back when it is not an amount (the schema says so)."""
    try:
        value = Decimal(text.replace(",", "").lstrip("$"))
    except InvalidOperation:
        return text
    return int((value * 100).to_integral_value()) if value.is_finite() else text


def _body(cells: dict[str, str], trucks: dict[str, uuid.UUID]) -> dict[str, Any]:
    body: dict[str, Any] = {k: v for k, v in cells.items() if k not in ("vehicle", "amount")}
    if "vehicle" in cells:
        body["vehicle_id"] = trucks.get(cells["vehicle"], cells["vehicle"])
    if "amount" in cells:
        body["amount_cents"] = _cents(cells["amount"])
    return body


def _row(record: reading.Record, trucks: dict[str, uuid.UUID]) -> tuple[Any, list[RowError]]:
    """The row's body, or its errors."""
    if record.problem is not None:
        return None, [said(record.row, "", record.problem)]
    vehicle = record.cells.get("vehicle")
    if vehicle is not None and vehicle not in trucks:
        return None, [said(record.row, "vehicle", "no truck with this number")]
    try:
        return FuelPurchaseCreate.model_validate(_body(record.cells, trucks)), []
    except ValidationError as exc:
        errors: list[RowError] = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            errors.append(row_error(record.row, FIELD_COLUMN.get(field, field), error))
        return None, errors


async def run(
    session: AsyncSession,
    actor: Actor,
    raw: BinaryIO,
    *,
    dry_run: bool,
    commit: EndBatch,
    max_bytes: int,
) -> ImportResult:
    """Check the file (a 422 naming ``file``), then import its valid rows batch by batch."""
    reading.check(raw, COLUMNS, max_bytes)
    rows = created = skipped = 0
    errors: list[RowError] = []
    not_listed = 0
    seen: set[tuple[uuid.UUID, str]] = set()
    batch: list[reading.Record] = []

    async def flush(records: list[reading.Record]) -> None:
        nonlocal created, skipped, not_listed
        numbers = {r.cells["vehicle"] for r in records if "vehicle" in r.cells}
        trucks = await service.vehicle_ids_by_number(session, actor, numbers)
        for record in records:
            body, problems = _row(record, trucks)
            if problems:
                for problem in problems:
                    if len(errors) < MAX_LISTED_ERRORS:
                        errors.append(problem)
                    else:
                        not_listed += 1
                continue
            key = (body.vehicle_id, body.receipt_ref or "")
            if body.receipt_ref and (
                key in seen
                or await service.receipt_taken(session, actor, body.vehicle_id, body.receipt_ref)
            ):
                skipped += 1
                continue
            seen.add(key)
            session.add(
                FuelPurchase(
                    organization_id=actor.organization_id,
                    created_by=actor.user_id,
                    **body.model_dump(),
                )
            )
            created += 1
        if dry_run:
            await session.rollback()
        else:
            await commit(session)

    for record in reading.records(raw, COLUMNS):
        rows += 1
        batch.append(record)
        if len(batch) == BATCH:
            await flush(batch)
            batch = []
    if batch:
        await flush(batch)
    return ImportResult(
        dry_run=dry_run,
        rows=rows,
        valid=created + skipped,
        created=created,
        skipped=skipped,
        errors=errors,
        errors_not_listed=not_listed,
    )
