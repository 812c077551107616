"""Importing a CSV file: every row checked by the API's own rules, the valid ones created
in batches, each batch one transaction.

A row goes through the kind's create schema (its errors are mapped to the CSV's
columns), then through the API's create service in a savepoint of its own: a service's
refusal (no such account, a stop that cannot be placed, a taken vehicle number) becomes
that row's error and rolls back that row only. A dry run does all of this, then rolls
each batch back: it reports exactly what the import would do, and writes nothing.

A row whose key (``id``, ``external_ref``, a vehicle's ``number``, a shipment's
``reference``) names a record already there is skipped, so importing a file twice (or
its export) creates nothing the second time. Two imports of one file at once cannot both
create a row: on SQLite a batch holds the write lock from its look-ups to its commit; on
PostgreSQL the unique ``(organization_id, external_ref)`` index (or vehicle number) makes
the later insert fail, and that row is counted as skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor
from freight.errors import DomainError
from freight.imports import lookups, reading
from freight.imports.kinds import Customers, Drivers, Kind, Tools, Vehicles
from freight.imports.messages import row_error, said
from freight.imports.schemas import ImportResult, RowError
from freight.imports.shipment_rows import Shipments
from freight.security.pan import looks_like_pan

KINDS: dict[str, Kind] = {k.name: k for k in (Shipments(), Drivers(), Vehicles(), Customers())}
# Rows per transaction: on SQLite a batch holds the write lock, about a second for 100
# shipments here, well inside other writers' busy timeout (5 s).
BATCH = 100
MAX_LISTED_ERRORS = 1000
MAX_REFERENCE = 64  # characters of an external_ref
# Keys Freight gave out: a row naming one that is not there is a mistake, not a new row.
FREIGHT_KEYS = frozenset({"id", "reference"})

EndBatch = Callable[[AsyncSession], Awaitable[None]]
T = TypeVar("T")


@dataclass
class Tally:
    """What the import has found and done so far."""

    dry_run: bool
    rows: int = 0
    created: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    not_listed: int = 0

    def fail(self, errors: Iterable[RowError]) -> None:
        """Note a refused row's errors (one per column)."""
        columns: set[str] = set()
        for error in errors:
            if error.column in columns:
                continue
            columns.add(error.column)
            if len(self.errors) < MAX_LISTED_ERRORS:
                self.errors.append(error)
            else:
                self.not_listed += 1

    def result(self) -> ImportResult:
        """The answer."""
        return ImportResult(
            dry_run=self.dry_run,
            rows=self.rows,
            valid=self.created + self.skipped,
            created=self.created,
            skipped=self.skipped,
            errors=self.errors,
            errors_not_listed=self.not_listed,
        )


@dataclass
class Row:
    """A row that passed its schema: the body for the service, and the keys it gave."""

    record: reading.Record
    body: BaseModel
    keys: dict[str, Any]


def _batches(items: Iterator[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _keys(kind: Kind, record: reading.Record) -> tuple[dict[str, Any], list[RowError]]:
    """The key cells of a row, parsed (ids as UUIDs), and what is wrong with them."""
    keys: dict[str, Any] = {}
    errors: list[RowError] = []
    for column in kind.keys:
        value = record.cells.get(column)
        if value is None:
            continue
        if column == "id":
            try:
                keys[column] = uuid.UUID(value)
            except ValueError:
                errors.append(said(record.row, column, "not an id as Freight exports them"))
        elif len(value) > MAX_REFERENCE:
            errors.append(said(record.row, column, f"longer than {MAX_REFERENCE} characters"))
        elif column == "external_ref" and looks_like_pan(value):
            errors.append(said(record.row, column, "must not hold a card number"))
        else:
            keys[column] = value
    return keys, errors


def _parse(
    kind: Kind, record: reading.Record, tally: Tally, seen: dict[tuple[str, str], int]
) -> Row | None:
    """The row checked against its schema and the rows before it (None: refused)."""
    tally.rows += 1
    if record.problem is not None:
        tally.fail([said(record.row, "", record.problem)])
        return None
    keys, errors = _keys(kind, record)
    for column, value in keys.items():
        first = seen.setdefault((column, str(value)), record.row)
        if first != record.row:
            errors.append(said(record.row, column, f"the same as row {first}"))
    try:
        body = kind.schema.model_validate(kind.body(record.cells))
    except ValidationError as exc:
        errors += [row_error(record.row, kind.column_of(e), e) for e in exc.errors()]
    if errors:
        tally.fail(errors)
        return None
    return Row(record, body, keys)


async def _found(
    session: AsyncSession, actor: Actor, kind: Kind, rows: list[Row]
) -> dict[str, set[str]]:
    """For each key column, which of the batch's values are there already."""
    return {
        column: await lookups.existing(
            session, actor, kind.model, column, {r.keys[column] for r in rows if column in r.keys}
        )
        for column in kind.keys
    }


async def _there_now(session: AsyncSession, actor: Actor, kind: Kind, row: Row) -> bool:
    """True when another import has just created this row (its client key is taken)."""
    for column, value in row.keys.items():
        if column not in FREIGHT_KEYS and await lookups.existing(
            session, actor, kind.model, column, [value]
        ):
            return True
    return False


def _service_errors(kind: Kind, row: int, exc: DomainError) -> list[RowError]:
    if exc.errors:
        return [row_error(row, kind.column_of(e), e) for e in exc.errors]
    return [said(row, kind.whole_row, exc.detail or exc.code)]


async def _create(
    session: AsyncSession, actor: Actor, kind: Kind, row: Row, tools: Tools, tally: Tally
) -> None:
    """Create one row in a savepoint: a refusal rolls back this row only."""
    number = row.record.row
    try:
        async with events.savepoint(session):
            created = await kind.create(session, actor, row.body, row.record.cells, tools)
            if "external_ref" in row.keys:
                created.external_ref = row.keys["external_ref"]  # type: ignore[attr-defined]
                await session.flush()
    except (DomainError, IntegrityError) as exc:
        if await _there_now(session, actor, kind, row):
            tally.skipped += 1
        elif isinstance(exc, DomainError):
            tally.fail(_service_errors(kind, number, exc))
        else:
            tally.fail([said(number, kind.whole_row, "conflicts with a record already there")])
        return
    tally.created += 1


async def _import_batch(
    session: AsyncSession, actor: Actor, kind: Kind, rows: list[Row], tools: Tools, tally: Tally
) -> None:
    found = await _found(session, actor, kind, rows)
    for row in rows:
        if any(str(value) in found[column] for column, value in row.keys.items()):
            tally.skipped += 1
            continue
        unknown = sorted(FREIGHT_KEYS & row.keys.keys())
        if unknown:
            text = f"no such {kind.noun} here; leave it empty to add the row as new"
            tally.fail([said(row.record.row, unknown[0], text)])
            continue
        await _create(session, actor, kind, row, tools, tally)


async def run(
    session: AsyncSession,
    actor: Actor,
    kind: Kind,
    raw: BinaryIO,
    *,
    dry_run: bool,
    tools: Tools,
    commit: EndBatch,
    max_bytes: int,
    batch_size: int = BATCH,
) -> ImportResult:
    """Check the whole file (a 422 naming ``file``), then import it batch by batch: each
    batch ends with ``commit`` (the caller's unit of work), or a rollback on a dry run.

    Only one batch's rows and ORM objects are held at a time.
    """
    reading.check(raw, kind.columns, max_bytes)
    tally = Tally(dry_run)
    seen: dict[tuple[str, str], int] = {}
    for records in _batches(reading.records(raw, kind.columns), batch_size):
        rows = [row for r in records if (row := _parse(kind, r, tally, seen)) is not None]
        if not rows:
            continue
        await kind.prepare(session, [r.body for r in rows], tools)  # before the write lock
        try:
            await _import_batch(session, actor, kind, rows, tools, tally)
        except BaseException:
            await session.rollback()
            events.discard_pending(session)
            raise
        if dry_run:
            await session.rollback()
            events.discard_pending(session)
        else:
            await commit(session)
        session.expunge_all()
        tools.pricing = None  # the next batch reads the rate card as it is then
    return tally.result()
