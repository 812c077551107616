"""GPS ingest: whose fixes, the drop rules, one batch insert, positions, geofences, ETA.

A batch costs a handful of statements whatever its size: the driver row (locked, so two
batches of one driver cannot both pass the ordering rules), the active load's stops, one
multi-row INSERT, the recent fixes for the ETA, and two UPDATEs. Positions and ETAs are
written with Core UPDATEs that leave the shipment's ``version`` and ``updated_at`` alone:
a moving truck is not an edit. Functions never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import anyio
from sqlalchemy import Table, and_, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor, Role
from freight.errors import Forbidden, invalid
from freight.fleet.models import Driver
from freight.hours_of_service import Clocks, driver_clocks
from freight.observability.metrics import GPS_ACCEPTED, GPS_DROPPED
from freight.places.nearby import as_json, nearby
from freight.settings import Settings
from freight.shipments.lifecycle import ACTIVE, LOADED, Status
from freight.shipments.models import Shipment, Stop
from freight.tracking import eta as eta_rules
from freight.tracking.filters import Fix, Outcome, Reason, Rules, filter_batch
from freight.tracking.geofence import Crossing, StopState, crossings
from freight.tracking.models import Position
from freight.tracking.schemas import PositionBatch, PositionIn
from freight.tracking.slips import Told, slipped

for _reason in Reason:  # every reason's series exists from the start (at 0), for dashboards
    GPS_DROPPED.labels(_reason.value)

# Fixes are linked to the driver's load from assignment on: the deadhead leg to the pickup
# feeds the pickup geofence and ETA (``ACTIVE``). Customers see only the loaded part
# (``LOADED``).
RECENT_LIMIT = 60
FEEDS = frozenset({Role.DRIVER, Role.DISPATCHER, Role.ADMIN})  # roles an API key may post as
TOO_OLD = datetime(1970, 1, 1, tzinfo=UTC)  # stands in for a time that leaves the calendar
POSITIONS = cast(Table, Position.__table__)


@dataclass
class Ingested:
    """What a batch did, for the response and the after-commit notifications."""

    outcome: Outcome
    shipment_id: uuid.UUID | None = None
    location: dict[str, Any] | None = None  # the ``shipment:location`` payload, if any


def rules_from(settings: Settings) -> Rules:
    """The drop rules as configured."""
    return Rules(
        max_accuracy_m=settings.gps_max_accuracy_m,
        max_speed_kmh=settings.gps_max_speed_kmh,
        future_tolerance=timedelta(seconds=settings.gps_future_tolerance_s),
    )


def to_fix(p: PositionIn) -> Fix:
    """A request fix in UTC (a time that cannot be expressed in UTC is invalid)."""
    try:
        at = p.recorded_at.astimezone(UTC)
    except OverflowError:
        at = TOO_OLD
    return Fix(p.lat, p.lng, at, p.speed_kmh, p.heading, p.accuracy_m)


def driver_for(actor: Actor, requested: uuid.UUID | None) -> uuid.UUID:
    """Whose fixes these are: a driver's own, or the driver an integration names."""
    if actor.api_key_id is not None and actor.user_id is None:
        if actor.role not in FEEDS:
            raise Forbidden("this API key's role cannot post positions")
        if requested is None:
            raise invalid("body", "driver_id", msg="required when posting with an API key")
        return requested
    if actor.role != Role.DRIVER:
        raise Forbidden("positions are posted by drivers and telematics integrations")
    if actor.driver_id is None:
        raise Forbidden("your user is not linked to a driver record")
    if requested not in (None, actor.driver_id):
        raise Forbidden("drivers post their own positions")
    return actor.driver_id


@dataclass
class Holder:
    """The driver's last fix and the active load's status and stops, read in one query."""

    last: Fix | None
    shipment_id: uuid.UUID | None
    status: Status | None
    stops: list[StopState]
    clocks: Clocks
    told: Told = field(default_factory=lambda: Told(None, False))


async def lock_driver(session: AsyncSession, org_id: uuid.UUID, driver_id: uuid.UUID) -> Holder:
    """Lock the driver row (one batch per driver at a time) and read what ingest needs."""
    active = [s.value for s in ACTIVE]
    stmt = (
        select(
            Driver.lat.label("d_lat"),
            Driver.lng.label("d_lng"),
            Driver.position_at,
            Driver.hos_minutes_remaining,
            Shipment.id.label("shipment_id"),
            Shipment.status,
            Shipment.eta_told,
            Shipment.late_told,
            Stop.id.label("stop_id"),
            Stop.sequence,
            Stop.lat,
            Stop.lng,
            Stop.arrived_at,
            Stop.departed_at,
            Stop.window_end,
            Stop.leg_km,
            Stop.leg_duration_s,
        )
        .select_from(Driver)
        .outerjoin(
            Shipment,
            and_(Shipment.id == Driver.current_shipment_id, Shipment.status.in_(active)),
        )
        .outerjoin(Stop, Stop.shipment_id == Shipment.id)
        .where(Driver.id == driver_id, Driver.organization_id == org_id)
        .order_by(Stop.sequence)
        .with_for_update(of=Driver)
    )
    rows = (await session.execute(stmt)).all()
    if not rows:
        raise invalid("body", "driver_id", msg="no such driver")
    top = rows[0]
    last = None
    if top.d_lat is not None and top.d_lng is not None and top.position_at is not None:
        last = Fix(top.d_lat, top.d_lng, top.position_at)
    stops = [
        StopState(
            r.stop_id,
            r.sequence,
            r.lat,
            r.lng,
            r.arrived_at,
            r.departed_at,
            r.window_end,
            r.leg_km,
            r.leg_duration_s,
        )
        for r in rows
        if r.stop_id is not None
    ]
    status = Status(top.status) if top.status is not None else None
    clocks = driver_clocks(top.hos_minutes_remaining)
    told = Told(top.eta_told, bool(top.late_told))
    return Holder(last, top.shipment_id, status, stops, clocks, told)


async def recent_fixes(
    session: AsyncSession, shipment_id: uuid.UUID, newest: datetime
) -> list[Fix]:
    """The load's fixes of the ETA window before ``newest``, oldest first."""
    stmt = (
        select(Position.lat, Position.lng, Position.recorded_at, Position.speed_kmh)
        .where(
            Position.shipment_id == shipment_id,
            Position.recorded_at >= newest - eta_rules.RECENT_WINDOW,
            Position.recorded_at <= newest,
        )
        .order_by(Position.recorded_at.desc(), Position.id.desc())
        .limit(RECENT_LIMIT)
    )
    rows = (await session.execute(stmt)).all()
    return [Fix(r.lat, r.lng, r.recorded_at, r.speed_kmh) for r in reversed(rows)]


async def _recent(session: AsyncSession, shipment_id: uuid.UUID, batch: list[Fix]) -> list[Fix]:
    """The ETA window: the batch alone when it already fills it, else from the table."""
    newest = batch[-1].recorded_at
    if len(batch) >= RECENT_LIMIT or newest - batch[0].recorded_at >= eta_rules.RECENT_WINDOW:
        window = [
            f for f in batch[-RECENT_LIMIT:] if newest - f.recorded_at <= eta_rules.RECENT_WINDOW
        ]
        return window
    return await recent_fixes(session, shipment_id, newest)


async def _record_crossing(
    session: AsyncSession, actor: Actor, org_id: uuid.UUID, shipment_id: uuid.UUID, c: Crossing
) -> None:
    column = "arrived_at" if c.kind == "arrived" else "departed_at"
    await session.execute(
        update(Stop).where(Stop.id == c.stop.id).values({column: c.fix.recorded_at})
    )
    data = {
        "stop_id": str(c.stop.id),
        "sequence": c.stop.sequence,
        "lat": c.fix.lat,
        "lng": c.fix.lng,
    }
    await events.record(
        session,
        actor,
        org_id,
        c.event_type,
        data,
        shipment_id=shipment_id,
        device_time=c.fix.recorded_at,
    )


def _row(
    org_id: uuid.UUID,
    driver_id: uuid.UUID,
    shipment_id: uuid.UUID | None,
    loaded: bool,
    now: datetime,
    f: Fix,
) -> dict[str, Any]:
    return {
        "organization_id": org_id,
        "driver_id": driver_id,
        "shipment_id": shipment_id,
        "loaded": loaded,
        "lat": f.lat,
        "lng": f.lng,
        "recorded_at": f.recorded_at,
        "received_at": now,
        "speed_kmh": f.speed_kmh,
        "heading": f.heading,
        "accuracy_m": f.accuracy_m,
    }


async def ingest(
    session: AsyncSession, actor: Actor, body: PositionBatch, settings: Settings, now: datetime
) -> Ingested:
    """Filter a batch of fixes, store the accepted ones and move the driver and the load."""
    driver_id = driver_for(actor, body.driver_id)
    holder = await lock_driver(session, actor.organization_id, driver_id)
    fixes = (to_fix(p) for p in body.positions)
    outcome = filter_batch(fixes, holder.last, rules_from(settings), now)
    _count(outcome)
    result = Ingested(outcome)
    if not outcome.accepted:
        return result
    shipment_id = holder.shipment_id
    org = actor.organization_id
    loaded = holder.status in LOADED
    rows = [_row(org, driver_id, shipment_id, loaded, now, f) for f in outcome.accepted]
    await session.execute(insert(POSITIONS), rows)
    newest = outcome.accepted[-1]
    await _move_driver(session, driver_id, newest)
    if shipment_id is None:
        return result
    estimate = await _follow_load(
        session,
        actor,
        shipment_id,
        holder.stops,
        outcome.accepted,
        settings,
        now,
        loaded=loaded,
        clocks=holder.clocks,
        told=holder.told,
    )
    result.shipment_id = shipment_id
    if loaded:
        result.location = {
            "shipment_id": str(shipment_id),
            "lat": newest.lat,
            "lng": newest.lng,
            "speed_kmh": newest.speed_kmh,
            "heading": newest.heading,
            "eta": estimate.eta.isoformat() if estimate.eta else None,
            "late_risk": estimate.late_risk,
            # in a worker thread: the first call loads the place index
            "near": as_json(await anyio.to_thread.run_sync(nearby, newest.lat, newest.lng)),
            "at": newest.recorded_at.isoformat(),
        }
    return result


def _count(outcome: Outcome) -> None:
    GPS_ACCEPTED.inc(len(outcome.accepted))
    for reason, count in outcome.dropped.items():
        if count:
            GPS_DROPPED.labels(reason.value).inc(count)


async def _move_driver(session: AsyncSession, driver_id: uuid.UUID, newest: Fix) -> None:
    await session.execute(
        update(Driver)
        .where(Driver.id == driver_id)
        .values(
            lat=newest.lat,
            lng=newest.lng,
            position_at=newest.recorded_at,
            updated_at=Driver.updated_at,
        )
        .execution_options(synchronize_session=False)
    )


async def _follow_load(
    session: AsyncSession,
    actor: Actor,
    shipment_id: uuid.UUID,
    stops: list[StopState],
    accepted: list[Fix],
    settings: Settings,
    now: datetime,
    *,
    loaded: bool,
    clocks: Clocks,
    told: Told,
) -> eta_rules.Estimate:
    """Geofence arrivals and departures, the new ETA and the load's last position."""
    org = actor.organization_id
    for crossing in crossings(stops, accepted, settings.geofence_radius_m, loaded=loaded):
        await _record_crossing(session, actor, org, shipment_id, crossing)
    newest = accepted[-1]
    estimate = eta_rules.estimate(
        newest,
        stops,
        await _recent(session, shipment_id, accepted),
        loaded=loaded,
        road_factor=settings.road_factor,
        floor_kmh=settings.eta_speed_floor_kmh,
        average_kmh=settings.average_speed_kmh,
        now=now,
        clocks=clocks,
    )
    await session.execute(
        update(Shipment)
        .where(Shipment.id == shipment_id)
        .values(
            last_lat=newest.lat,
            last_lng=newest.lng,
            last_position_at=newest.recorded_at,
            eta=estimate.eta,
            updated_at=Shipment.updated_at,
            **_telling(told, estimate),
        )
        .execution_options(synchronize_session=False)
    )
    slip = slipped(told, estimate)
    if slip is not None:
        await events.record(
            session, actor, org, "shipment.eta_slipped", slip, shipment_id=shipment_id
        )
    return estimate


def _telling(told: Told, estimate: eta_rules.Estimate) -> dict[str, object]:
    """The promise to keep after this estimate: the first ETA, or the one a slip told."""
    if estimate.eta is None:
        return {}
    if told.eta is None or slipped(told, estimate) is not None:
        return {"eta_told": estimate.eta, "late_told": estimate.late_risk}
    return {}
