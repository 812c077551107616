"""Fuel purchases and quarters: entering, listing, and where a quarter begins and ends.

A quarter is a calendar quarter in the organisation's time zone (its settings), so a
receipt from 23:30 on 31 December in Chicago belongs to Q4, not to the next year's Q1.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, scoped
from freight.errors import NotFound, invalid
from freight.fleet import service as fleet
from freight.fleet.models import Vehicle
from freight.identity import organization
from freight.ifta.models import FuelPurchase
from freight.ifta.schemas import QUARTER, FuelPurchaseCreate

MAX_LISTED = 5000


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter: its name and its bounds as aware datetimes."""

    name: str
    start: datetime
    end: datetime


def quarter_of(name: str, timezone: str) -> Quarter:
    """``2026Q4`` (or ``2026-Q4``) in the zone ``timezone``; a 422 naming ``quarter``."""
    found = QUARTER.match(name.strip().upper())
    if found is None:
        raise invalid("query", "quarter", msg="a quarter such as 2026Q4")
    year, number = int(found[1]), int(found[2])
    zone = ZoneInfo(timezone)
    start = datetime(year, 3 * number - 2, 1, tzinfo=zone)
    end = (
        datetime(year + 1, 1, 1, tzinfo=zone)
        if number == 4
        else datetime(year, 3 * number + 1, 1, tzinfo=zone)
    )
    return Quarter(f"{year}Q{number}", start, end)


async def quarter_for(session: AsyncSession, actor: Actor, name: str) -> Quarter:
    """The named quarter in the caller's organisation's zone."""
    shown = await organization.presentation(session, actor.organization_id)
    return quarter_of(name, shown.timezone)


async def _vehicle(session: AsyncSession, actor: Actor, vehicle_id: uuid.UUID, loc: str) -> None:
    try:
        await fleet.get_vehicle(session, actor, vehicle_id)
    except NotFound:
        raise invalid(loc, "vehicle_id", msg="no such vehicle") from None


async def create(session: AsyncSession, actor: Actor, body: FuelPurchaseCreate) -> FuelPurchase:
    """Enter a receipt (a 422 naming ``vehicle_id`` for another organisation's truck, or
    ``receipt_ref`` when that truck's receipt is entered already)."""
    await _vehicle(session, actor, body.vehicle_id, "body")
    purchase = FuelPurchase(
        organization_id=actor.organization_id, created_by=actor.user_id, **body.model_dump()
    )
    session.add(purchase)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise invalid(
            "body", "receipt_ref", msg="this truck's receipt is entered already"
        ) from None
    return purchase


async def receipt_taken(
    session: AsyncSession, actor: Actor, vehicle_id: uuid.UUID, receipt_ref: str
) -> bool:
    """True when this truck's receipt is entered already."""
    found = await session.scalar(
        scoped(FuelPurchase, actor, select(FuelPurchase.id)).where(
            FuelPurchase.vehicle_id == vehicle_id, FuelPurchase.receipt_ref == receipt_ref
        )
    )
    return found is not None


async def listed(
    session: AsyncSession,
    actor: Actor,
    quarter: Quarter | None,
    vehicle_id: uuid.UUID | None,
    limit: int = MAX_LISTED,
) -> Sequence[FuelPurchase]:
    """The receipts of a quarter (or the newest, without one), oldest first."""
    stmt = scoped(FuelPurchase, actor)
    if quarter is not None:
        stmt = stmt.where(
            FuelPurchase.purchased_at >= quarter.start, FuelPurchase.purchased_at < quarter.end
        )
    if vehicle_id is not None:
        stmt = stmt.where(FuelPurchase.vehicle_id == vehicle_id)
    stmt = stmt.order_by(FuelPurchase.purchased_at.desc(), FuelPurchase.id).limit(limit)
    rows = list((await session.scalars(stmt)).all())
    rows.reverse()
    return rows


async def vehicle_ids_by_number(
    session: AsyncSession, actor: Actor, numbers: set[str]
) -> dict[str, uuid.UUID]:
    """The organisation's trucks among these numbers."""
    if not numbers:
        return {}
    rows = await session.execute(
        select(Vehicle.number, Vehicle.id).where(
            Vehicle.organization_id == actor.organization_id, Vehicle.number.in_(numbers)
        )
    )
    return {number: ident for number, ident in rows}
