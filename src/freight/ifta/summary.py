"""The quarterly IFTA summary: miles per jurisdiction from the GPS track, fuel bought, MPG.

Which truck a fix belongs to: positions carry a driver and the load the driver held, not
a vehicle. A fix counts for the load's truck (``shipments.vehicle_id``, set when it was
assigned), else for the truck the driver is assigned to now (``drivers.vehicle_id``; no
history of that assignment is kept, so a deadhead fix of a driver who has since changed
trucks counts for the new one). Fixes with neither are not any truck's miles.

The quarter's fixes are read in the database's order (truck, then time) as a stream of
``CHUNK`` rows; each chunk is placed and measured in a worker thread, so neither the
quarter nor the polygon work sits in memory or on the event loop.

The arithmetic is IFTA's: MPG = miles / gallons bought, over every jurisdiction; a
jurisdiction's taxable gallons = its miles / MPG; net = taxable - bought there. The
fleet's lines use the fleet's MPG (the return is filed per licensee), each truck's lines
that truck's own.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping

import anyio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor
from freight.fleet import service as fleet
from freight.fleet.models import Driver, Vehicle
from freight.ifta import service
from freight.ifta.boundaries import boundaries
from freight.ifta.jurisdictions import NAMES, is_member
from freight.ifta.miles import OUTSIDE, Fix, Odometer
from freight.ifta.models import LITRES_PER_GALLON, FuelPurchase
from freight.ifta.schemas import IftaReport, JurisdictionLine, TruckSummary
from freight.shipments.models import Shipment
from freight.tracking.models import Position

KM_PER_MILE = 1.609344
CHUNK = 5000
# Placing fixes is CPU work: at most two requests do it at once.
_PLACERS = anyio.CapacityLimiter(2)


async def odometer(
    session: AsyncSession, actor: Actor, quarter: service.Quarter, vehicle_id: uuid.UUID | None
) -> Odometer:
    """Every truck's km per jurisdiction in the quarter, read as a stream of chunks."""
    truck = func.coalesce(Shipment.vehicle_id, Driver.vehicle_id)
    stmt = (
        select(truck, Position.lat, Position.lng, Position.recorded_at)
        .select_from(Position)
        .join(Driver, Driver.id == Position.driver_id)
        .outerjoin(Shipment, Shipment.id == Position.shipment_id)
        .where(
            Position.organization_id == actor.organization_id,
            Position.recorded_at >= quarter.start,
            Position.recorded_at < quarter.end,
        )
        .order_by(truck, Position.recorded_at, Position.id)
        .execution_options(yield_per=CHUNK)
    )
    stmt = stmt.where(truck == vehicle_id) if vehicle_id else stmt.where(truck.is_not(None))
    meter = Odometer(await anyio.to_thread.run_sync(boundaries, limiter=_PLACERS))
    result = await session.stream(stmt)
    async for rows in result.partitions(CHUNK):
        chunk = [Fix(*row) for row in rows]
        await anyio.to_thread.run_sync(meter.feed, chunk, limiter=_PLACERS)
    return meter


async def _fuel(
    session: AsyncSession, actor: Actor, quarter: service.Quarter, vehicle_id: uuid.UUID | None
) -> dict[uuid.UUID, dict[str, float]]:
    """Gallons bought per truck and jurisdiction (summed by the database)."""
    bought = func.sum(FuelPurchase.quantity)
    stmt = (
        select(FuelPurchase.vehicle_id, FuelPurchase.jurisdiction, FuelPurchase.unit, bought)
        .where(
            FuelPurchase.organization_id == actor.organization_id,
            FuelPurchase.purchased_at >= quarter.start,
            FuelPurchase.purchased_at < quarter.end,
        )
        .group_by(FuelPurchase.vehicle_id, FuelPurchase.jurisdiction, FuelPurchase.unit)
    )
    if vehicle_id is not None:
        stmt = stmt.where(FuelPurchase.vehicle_id == vehicle_id)
    found: dict[uuid.UUID, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for truck, code, unit, amount in await session.execute(stmt):
        found[truck][code] += float(amount) / (LITRES_PER_GALLON if unit == "L" else 1.0)
    return found


def _lines(
    miles: Mapping[str, float], bought: Mapping[str, float], mpg: float | None
) -> list[JurisdictionLine]:
    """One line per jurisdiction driven in or bought in, by code."""
    lines = []
    for code in sorted((set(miles) | set(bought)) - {OUTSIDE}):
        driven, fuel = miles.get(code, 0.0), bought.get(code, 0.0)
        taxable = driven / mpg if mpg else None
        lines.append(
            JurisdictionLine(
                jurisdiction=code,
                name=NAMES.get(code, code),
                ifta_member=is_member(code),
                miles=round(driven, 1),
                gallons_purchased=round(fuel, 2),
                taxable_gallons=round(taxable, 2) if taxable is not None else None,
                net_taxable_gallons=round(taxable - fuel, 2) if taxable is not None else None,
                mpg=round(mpg, 2) if mpg else None,
            )
        )
    return lines


def _mpg(miles: float, gallons: float) -> float | None:
    return miles / gallons if gallons > 0 else None


async def _numbers(
    session: AsyncSession, actor: Actor, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(Vehicle.id, Vehicle.number).where(
            Vehicle.organization_id == actor.organization_id, Vehicle.id.in_(wanted)
        )
    )
    return {ident: number for ident, number in rows}


async def report(
    session: AsyncSession, actor: Actor, quarter_name: str, vehicle_id: uuid.UUID | None
) -> IftaReport:
    """The quarter's IFTA summary for the fleet (or one truck: a 404 for a stranger's)."""
    quarter = await service.quarter_for(session, actor, quarter_name)
    if vehicle_id is not None:
        await fleet.get_vehicle(session, actor, vehicle_id)
    meter = await odometer(session, actor, quarter, vehicle_id)
    fuel = await _fuel(session, actor, quarter, vehicle_id)
    numbers = await _numbers(session, actor, set(meter.trucks) | set(fuel))
    fleet_miles: dict[str, float] = defaultdict(float)
    fleet_fuel: dict[str, float] = defaultdict(float)
    trucks = []
    for truck in sorted(numbers, key=lambda t: numbers[t]):
        driven = meter.trucks[truck].km if truck in meter.trucks else {}
        bought = fuel.get(truck, {})
        miles = {code: km / KM_PER_MILE for code, km in driven.items()}
        for code, value in miles.items():
            fleet_miles[code] += value
        for code, value in bought.items():
            fleet_fuel[code] += value
        total_miles = sum(v for k, v in miles.items() if k != OUTSIDE)
        total_fuel = sum(bought.values())
        mpg = _mpg(total_miles, total_fuel)
        gaps = meter.trucks[truck].gap_km if truck in meter.trucks else 0.0
        trucks.append(
            TruckSummary(
                vehicle_id=truck,
                number=numbers[truck],
                miles=round(total_miles, 1),
                gallons=round(total_fuel, 2),
                mpg=round(mpg, 2) if mpg else None,
                gap_miles=round(gaps / KM_PER_MILE, 1),
                unplaced_miles=round(miles.get(OUTSIDE, 0.0), 1),
                jurisdictions=_lines(miles, bought, mpg),
            )
        )
    all_miles = sum(v for k, v in fleet_miles.items() if k != OUTSIDE)
    all_fuel = sum(fleet_fuel.values())
    fleet_mpg = _mpg(all_miles, all_fuel)
    return IftaReport(
        quarter=quarter.name,
        start=quarter.start,
        end=quarter.end,
        vehicle_id=vehicle_id,
        miles=round(all_miles, 1),
        gallons=round(all_fuel, 2),
        mpg=round(fleet_mpg, 2) if fleet_mpg else None,
        jurisdictions=_lines(fleet_miles, fleet_fuel, fleet_mpg),
        trucks=trucks,
    )
