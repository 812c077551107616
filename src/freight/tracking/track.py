"""Reading the stored track and the ETA of a shipment, and pruning old fixes."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from freight.access import Actor, Role
from freight.errors import invalid
from freight.fleet.models import Driver
from freight.hours_of_service import driver_clocks
from freight.pagination import MAX_ROW_ID
from freight.settings import Settings
from freight.shipments import service as shipments
from freight.shipments.lifecycle import ACTIVE, LOADED, Status
from freight.tracking import eta as eta_rules
from freight.tracking.filters import Fix
from freight.tracking.models import Position
from freight.tracking.service import recent_fixes


def encode_cursor(position: Position) -> str:
    """An opaque cursor just after this fix."""
    raw = json.dumps([position.recorded_at.isoformat(), position.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Parse ``encode_cursor``; anything else is a 422 on ``cursor``."""
    try:
        at, ident = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None or not isinstance(ident, int) or isinstance(ident, bool):
            raise ValueError(cursor)
        # In range for the columns, or binding it fails inside the query (a 500).
        if not 0 <= ident <= MAX_ROW_ID:
            raise ValueError(cursor)
        return parsed.astimezone(UTC), ident
    except (ValueError, TypeError, OverflowError, json.JSONDecodeError):
        raise invalid("query", "cursor", msg="not a valid cursor") from None


async def track_page(
    session: AsyncSession,
    actor: Actor,
    shipment_id: uuid.UUID,
    since: datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Position], str | None]:
    """The shipment's fixes recorded after ``since``, oldest first, one page at a time.

    Customers see the track from pickup on; the deadhead leg is for staff and the driver.
    """
    await shipments.get_visible(session, actor, shipment_id)
    stmt = select(Position).where(Position.shipment_id == shipment_id)
    if actor.role == Role.CUSTOMER:
        stmt = stmt.where(Position.loaded.is_(True))
    if since is not None:
        stmt = stmt.where(Position.recorded_at > since)
    if cursor:
        at, ident = decode_cursor(cursor)
        stmt = stmt.where(
            or_(
                Position.recorded_at > at,
                and_(Position.recorded_at == at, Position.id > ident),
            )
        )
    stmt = stmt.order_by(Position.recorded_at, Position.id).limit(limit + 1)
    rows = list((await session.execute(stmt)).scalars().all())
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], encode_cursor(rows[limit - 1])


async def eta_for(
    session: AsyncSession, actor: Actor, shipment_id: uuid.UUID, settings: Settings, now: datetime
) -> eta_rules.Estimate:
    """The ETA at the next stop as of now, with how it was reached."""
    shipment = await shipments.get_visible(session, actor, shipment_id)
    status = Status(shipment.status)
    if status == Status.DELIVERED:
        return eta_rules.Estimate(shipment.delivered_at, 0.0, "no_position", None, None, now)
    if status not in ACTIVE:
        return eta_rules.Estimate(None, None, "no_position", None, None, now)
    last = None
    if (
        shipment.last_lat is not None
        and shipment.last_lng is not None
        and shipment.last_position_at is not None
    ):
        last = Fix(shipment.last_lat, shipment.last_lng, shipment.last_position_at)
    recent = await recent_fixes(session, shipment_id, last.recorded_at) if last else []
    cycle = None
    if shipment.driver_id is not None:
        cycle = await session.scalar(
            select(Driver.hos_minutes_remaining).where(
                Driver.id == shipment.driver_id, Driver.organization_id == actor.organization_id
            )
        )
    return eta_rules.estimate(
        last,
        shipment.stops,
        recent,
        loaded=status in LOADED,
        road_factor=settings.road_factor,
        floor_kmh=settings.eta_speed_floor_kmh,
        average_kmh=settings.average_speed_kmh,
        now=now,
        clocks=driver_clocks(cycle),
    )


async def prune(session: AsyncSession, before: datetime, batch: int = 5000) -> int:
    """Delete one batch of fixes recorded before ``before``; how many went."""
    ids = select(Position.id).where(Position.recorded_at < before).limit(batch)
    result = await session.execute(
        delete(Position)
        .where(Position.id.in_(ids.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def prune_all(
    sessions: async_sessionmaker[AsyncSession], before: datetime, batch: int = 5000
) -> int:
    """Delete every fix recorded before ``before``, one short transaction per batch."""
    total = 0
    while True:
        async with sessions() as session:
            deleted = await prune(session, before, batch)
            await session.commit()  # pruning records no events
        total += deleted
        if deleted < batch:
            return total
