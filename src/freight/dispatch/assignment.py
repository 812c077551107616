"""Manual assignment: the checks a dispatcher's choice must pass, shared with plan apply."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, get_scoped, scoped
from freight.db import utcnow
from freight.dispatch import offers
from freight.dispatch.optimizer import (
    DriverCandidate,
    LoadCandidate,
    PairCheck,
    PlanParams,
    check_pair,
)
from freight.errors import Conflict, NotFound, invalid
from freight.fleet import service as fleet
from freight.fleet.models import Driver, Vehicle
from freight.fleet.statuses import DriverStatus, VehicleStatus
from freight.settings import Settings
from freight.shipments import service as shipments
from freight.shipments.checks import assign_warnings
from freight.shipments.heed import Heed, settle
from freight.shipments.lifecycle import Status, check_move
from freight.shipments.models import Shipment
from freight.shipments.queries import visible


@dataclass(frozen=True)
class Planning:
    road_factor: float
    average_speed_kmh: float
    horizon_hours: float = 36.0  # plans cover the pickups opening within this

    @classmethod
    def of(cls, settings: Settings) -> Planning:
        """The operator's planning assumptions."""
        return cls(
            settings.road_factor, settings.average_speed_kmh, settings.dispatch_horizon_hours
        )

    def params(self) -> PlanParams:
        """Planning parameters as of now."""
        return PlanParams(
            now=utcnow(),
            road_factor=self.road_factor,
            average_speed_kmh=self.average_speed_kmh,
            horizon_hours=self.horizon_hours,
        )


def load_candidate(shipment: Shipment, average_speed_kmh: float) -> LoadCandidate:
    """The optimiser's view of a load: first pickup, equipment, weight, loaded drive time."""
    pickup = next(s for s in shipment.stops if s.kind == "pickup")
    return LoadCandidate(
        id=shipment.id,
        pickup_lat=pickup.lat,
        pickup_lng=pickup.lng,
        equipment_type=shipment.equipment_type,
        weight_kg=shipment.weight_kg,
        pickup_window_start=pickup.window_start,
        pickup_window_end=pickup.window_end,
        drive_minutes=shipment.distance_km / average_speed_kmh * 60.0,
    )


def driver_candidate(driver: Driver, vehicle: Vehicle | None) -> DriverCandidate | None:
    """The optimiser's view of a driver (None when their position is unknown)."""
    position = driver.position
    if position is None:
        return None
    return DriverCandidate(
        id=driver.id,
        lat=position[0],
        lng=position[1],
        equipment_types=frozenset(driver.equipment_types),
        capacity_kg=vehicle.capacity_kg if vehicle is not None else None,
        hos_minutes_remaining=driver.hos_minutes_remaining,
    )


def refusal(
    driver: Driver, vehicle: Vehicle | None, shipment: Shipment, check: PairCheck | None
) -> str | None:
    """Why this driver (and vehicle) cannot take this load, or None when they can."""
    if driver.status != DriverStatus.AVAILABLE:
        return "driver is not available"
    if driver.current_shipment_id is not None and driver.current_shipment_id != shipment.id:
        return "driver already holds an active load"
    if shipment.equipment_type not in driver.equipment_types:
        return f"driver is not qualified for {shipment.equipment_type}"
    if vehicle is not None:
        truck, needed = vehicle.number, shipment.equipment_type
        if vehicle.status != VehicleStatus.ACTIVE:
            return f"vehicle {truck} is in {vehicle.status}"
        if vehicle.equipment_type != needed:
            return f"vehicle {truck} is {vehicle.equipment_type}, the load needs {needed}"
        if vehicle.capacity_kg < shipment.weight_kg:
            return (
                f"vehicle {truck} carries {vehicle.capacity_kg:g} kg, "
                f"below the load's {shipment.weight_kg:g} kg"
            )
    if check is not None and not check.hours_ok:
        return "driver's remaining hours cannot cover the drive"
    return None


def fit(
    driver: Driver, vehicle: Vehicle | None, shipment: Shipment, params: PlanParams, verb: str
) -> PairCheck | None:
    """The pair's numbers (None when the driver's position is unknown), or 409 saying why
    this driver cannot ``verb`` (assign, offer) this load now."""
    candidate = driver_candidate(driver, vehicle)
    check = (
        check_pair(candidate, load_candidate(shipment, params.average_speed_kmh), params)
        if candidate
        else None
    )
    refused = refusal(driver, vehicle, shipment, check)
    if refused is not None:
        raise Conflict(f"cannot {verb}: {refused}")
    return check


async def _vehicle_for(
    session: AsyncSession, actor: Actor, driver: Driver, vehicle_id: uuid.UUID | None
) -> Vehicle | None:
    chosen = vehicle_id or driver.vehicle_id
    if chosen is None:
        return None
    try:
        return await get_scoped(session, Vehicle, actor, chosen)
    except NotFound:
        raise invalid("body", "vehicle_id", msg="no such vehicle") from None


@dataclass
class Loaded:
    """Rows a batch of assignments needs, read up front as the caller may see them."""

    shipments: dict[uuid.UUID, Shipment]
    drivers: dict[uuid.UUID, Driver]
    vehicles: dict[uuid.UUID, Vehicle]


BUSY = "cannot assign: another change to this load or driver is in progress; try again"


async def load_for_batch(
    session: AsyncSession,
    actor: Actor,
    shipment_ids: Collection[uuid.UUID],
    driver_ids: Collection[uuid.UUID],
) -> Loaded:
    """Three queries instead of three per pair (plan apply), locking the loads and drivers.

    Rows another transaction holds right now are skipped rather than waited for (on
    PostgreSQL; SQLite runs one writer at a time anyway): their pairs are refused as
    busy, and no other dispatcher's change can slip in between this read and the writes.
    """
    rows = await session.execute(
        visible(select(Shipment), actor)
        .where(Shipment.id.in_(shipment_ids))
        .with_for_update(skip_locked=True)
    )
    found = {s.id: s for s in rows.scalars()}
    driver_rows = await session.execute(
        scoped(Driver, actor).where(Driver.id.in_(driver_ids)).with_for_update(skip_locked=True)
    )
    drivers = {d.id: d for d in driver_rows.scalars()}
    vehicle_ids = {d.vehicle_id for d in drivers.values() if d.vehicle_id}
    vehicles = {
        v.id: v
        for v in (
            await session.execute(scoped(Vehicle, actor).where(Vehicle.id.in_(vehicle_ids)))
        ).scalars()
    }
    return Loaded(found, drivers, vehicles)


async def assign(
    session: AsyncSession,
    actor: Actor,
    shipment_id: uuid.UUID,
    driver_id: uuid.UUID,
    vehicle_id: uuid.UUID | None,
    planning: Planning,
    plan_id: uuid.UUID | None = None,
    loaded: Loaded | None = None,
    reason: str | None = None,
    heed: Heed | None = None,
    offer_id: uuid.UUID | None = None,
) -> Shipment:
    """Give a PENDING load to a driver who can take it now, or 409 saying why not.

    ``loaded`` (a batch's rows, see ``load_for_batch``) replaces the reads; a load or
    driver missing from it was busy in another transaction. With ``heed``, a driver who
    cannot reach the pickup before its window closes is a warning (``pickup_window_closed``).
    ``offer_id``: the accepted offer this assignment completes. The load's other offers,
    and the driver's offers of other loads, are withdrawn.
    """
    if loaded is not None:
        found_shipment = loaded.shipments.get(shipment_id)
        found_driver = loaded.drivers.get(driver_id)
        if found_shipment is None or found_driver is None:
            raise Conflict(BUSY)
        shipment, driver = found_shipment, found_driver
    else:
        shipment = await shipments.get_visible(session, actor, shipment_id)
        try:
            driver = await get_scoped(session, Driver, actor, driver_id)
        except NotFound:
            raise invalid("body", "driver_id", msg="no such driver") from None
    check_move(shipment.status, Status.ASSIGNED, actor, via="assign")
    if loaded and vehicle_id is None and driver.vehicle_id in loaded.vehicles:
        vehicle: Vehicle | None = loaded.vehicles[driver.vehicle_id]
    else:
        vehicle = await _vehicle_for(session, actor, driver, vehicle_id)
    params = planning.params()
    check = fit(driver, vehicle, shipment, params, "assign")
    if not await fleet.claim(session, driver.id, shipment.id):
        raise Conflict("cannot assign: driver already holds an active load")
    shipment.driver_id = driver.id
    shipment.vehicle_id = vehicle.id if vehicle else None
    extra: dict[str, object] = {
        "driver_id": str(driver.id),
        "vehicle_id": str(shipment.vehicle_id) if vehicle else None,
    }
    if check is not None:
        extra["deadhead_km"] = round(check.deadhead_km, 1)
    if plan_id is not None:
        extra["plan_id"] = str(plan_id)
    if reason is not None:
        extra["reason"] = reason
    if offer_id is not None:
        extra["offer_id"] = str(offer_id)
    await shipments.move(session, actor, shipment, Status.ASSIGNED, via="assign", extra=extra)
    await offers.after_assignment(
        session, actor, shipment.id, driver.id, params.now, accepted=offer_id
    )
    if heed is not None:
        arrival = params.now + timedelta(minutes=check.minutes_to_pickup) if check else None
        found = await assign_warnings(session, shipment, heed, params.now, arrival)
        await settle(session, actor, shipment, heed, found, "assign")
    return shipment


async def unassign(
    session: AsyncSession,
    actor: Actor,
    shipment_id: uuid.UUID,
    reason: str | None = None,
    if_match: int | None = None,
) -> Shipment:
    """Take an ASSIGNED load back to PENDING and free its driver (the reason on the event)."""
    shipment = await shipments.get_visible(session, actor, shipment_id)
    shipments.check_version(shipment, if_match)
    extra = {"reason": reason} if reason is not None else None
    await shipments.move(session, actor, shipment, Status.PENDING, via="unassign", extra=extra)
    return shipment


async def reassign(
    session: AsyncSession,
    actor: Actor,
    shipment_id: uuid.UUID,
    driver_id: uuid.UUID,
    reason: str,
    planning: Planning,
    if_match: int | None = None,
    heed: Heed | None = None,
) -> Shipment:
    """Give an ASSIGNED load to another driver in one transaction, the old one freed.

    Both timeline events carry the reason; if the new driver cannot take the load the
    caller rolls back and the old assignment stands.
    """
    shipment = await shipments.get_visible(session, actor, shipment_id)
    if driver_id == shipment.driver_id:
        raise invalid("body", "driver_id", msg="the load is already with this driver")
    await unassign(session, actor, shipment_id, reason, if_match)
    return await assign(
        session, actor, shipment_id, driver_id, None, planning, reason=reason, heed=heed
    )
