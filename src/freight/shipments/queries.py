"""Who sees which shipments, and the filtered, paginated list."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, Role, scoped
from freight.errors import ValidationFailed
from freight.pagination import decode_cursor, page_newest_first
from freight.shipments.lifecycle import ACTIVE, Status
from freight.shipments.models import Shipment, Stop


def visible(stmt: Select[Any], actor: Actor) -> Select[Any]:
    """Limit a shipment query to what the caller may see.

    Staff see their organisation's shipments, a customer user their account's, a
    driver the loads assigned to them.
    """
    stmt = scoped(Shipment, actor, stmt)
    if actor.role == Role.CUSTOMER:
        return stmt.where(
            Shipment.customer_id == actor.customer_id if actor.customer_id else false()
        )
    if actor.role == Role.DRIVER:
        return stmt.where(Shipment.driver_id == actor.driver_id if actor.driver_id else false())
    return stmt


def can_see(actor: Actor, org_id: str, customer_id: str | None, driver_id: str | None) -> bool:
    """The same rule as ``visible`` for a shipment already in hand (e.g. from the cache)."""
    if org_id != str(actor.organization_id):
        return False
    if actor.role == Role.CUSTOMER:
        return actor.customer_id is not None and customer_id == str(actor.customer_id)
    if actor.role == Role.DRIVER:
        return actor.driver_id is not None and driver_id == str(actor.driver_id)
    return True


def _bad_query(name: str, msg: str) -> ValidationFailed:
    return ValidationFailed(f"{name}: {msg}", errors=[{"loc": ["query", name], "msg": msg}])


def _storable(value: datetime) -> bool:
    # A naive time, or one that leaves the calendar once moved to UTC (year 1 at +14:00),
    # would fail only when bound to the query: a 500 instead of a 422.
    if value.tzinfo is None:
        return False
    try:
        value.astimezone(UTC)
    except OverflowError:
        return False
    return True


@dataclass(frozen=True)
class ShipmentFilters:
    status: Sequence[Status] = ()
    customer_id: uuid.UUID | None = None
    driver_id: uuid.UUID | None = None
    q: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None

    def __post_init__(self) -> None:
        # NUL ends the pattern in SQLite (q matched everything) and PostgreSQL rejects it.
        if self.q is not None and "\x00" in self.q:
            raise _bad_query("q", "must not contain NUL characters")
        for name in ("created_from", "created_to"):
            value = getattr(self, name)
            if value is not None and not _storable(value):
                raise _bad_query(name, "not a valid timestamp with a UTC offset")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered(actor: Actor, filters: ShipmentFilters) -> Select[Any]:
    """The visible shipments matching the filters (bound parameters only, never SQL text)."""
    stmt = visible(select(Shipment), actor)
    if filters.status:
        stmt = stmt.where(Shipment.status.in_([s.value for s in filters.status]))
    if filters.customer_id:
        stmt = stmt.where(Shipment.customer_id == filters.customer_id)
    if filters.driver_id:
        stmt = stmt.where(Shipment.driver_id == filters.driver_id)
    if filters.created_from:
        stmt = stmt.where(Shipment.created_at >= filters.created_from)
    if filters.created_to:
        stmt = stmt.where(Shipment.created_at < filters.created_to)
    if filters.q:
        needle = filters.q.strip()
        pattern = f"%{_like_escape(needle.lower())}%"
        stmt = stmt.where(
            or_(
                Shipment.reference == needle.upper(),
                Shipment.search_text.like(pattern, escape="\\"),
            )
        )
    return stmt


async def list_page(
    session: AsyncSession, actor: Actor, filters: ShipmentFilters, limit: int, cursor: str | None
) -> tuple[Sequence[Shipment], str | None]:
    """One page of matching shipments, newest first."""
    if cursor and not _storable(decode_cursor(cursor)[0]):
        raise _bad_query("cursor", "not a valid cursor")
    return await page_newest_first(session, Shipment, filtered(actor, filters), limit, cursor)


async def iterate(
    session: AsyncSession, actor: Actor, filters: ShipmentFilters, batch: int = 500
) -> AsyncIterator[Shipment]:
    """Every matching shipment, newest first, fetched a page at a time (for exports)."""
    cursor: str | None = None
    while True:
        rows, cursor = await list_page(session, actor, filters, batch, cursor)
        for row in rows:
            yield row
        session.expunge_all()
        if cursor is None:
            return


def ends(shipment: Shipment) -> tuple[Stop, Stop]:
    """The first pickup and the last delivery of a load."""
    stops = sorted(shipment.stops, key=lambda s: s.sequence)
    pickup = next(s for s in stops if s.kind == "pickup")
    delivery = [s for s in stops if s.kind == "delivery"][-1]
    return pickup, delivery


async def my_loads(session: AsyncSession, actor: Actor) -> list[Shipment]:
    """A driver's assigned and active loads, next pickup first (the API and the driver page)."""
    stmt = visible(select(Shipment), actor).where(Shipment.status.in_([s.value for s in ACTIVE]))
    rows = (await session.execute(stmt)).scalars().all()
    return sorted(rows, key=lambda s: (ends(s)[0].window_start, s.created_at, s.id))


async def recently_delivered(session: AsyncSession, actor: Actor, limit: int) -> list[Shipment]:
    """The caller's last few delivered loads, newest first."""
    stmt = (
        visible(select(Shipment), actor)
        .where(Shipment.status == Status.DELIVERED)
        .order_by(Shipment.delivered_at.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def carries_a_load_of(
    session: AsyncSession, driver_id: uuid.UUID, customer_id: uuid.UUID | None
) -> bool:
    """Whether this driver has an active load of this shipper account (who may see whom)."""
    if customer_id is None:
        return False
    found = await session.scalar(
        select(Shipment.id)
        .where(
            Shipment.driver_id == driver_id,
            Shipment.customer_id == customer_id,
            Shipment.status.in_([s.value for s in ACTIVE]),
        )
        .limit(1)
    )
    return found is not None


async def references(
    session: AsyncSession, actor: Actor, ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, str]:
    """The references of the loads among ``ids`` the caller may see (a roster's loads)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    found = visible(select(Shipment), actor).where(Shipment.id.in_(wanted))
    rows = await session.execute(found.with_only_columns(Shipment.id, Shipment.reference))
    return {row.id: row.reference for row in rows}
