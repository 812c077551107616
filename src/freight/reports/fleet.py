"""Loaded and empty distance (deadhead) per driver, and utilisation per driver and truck.

Distance comes from the GPS fixes: each fix's distance from the driver's previous one
(a ``LAG`` window over the driver's fixes in the period, an equirectangular distance that
is exact to well under 0.1 % at fix spacing) counts as loaded or empty by the fix's
``loaded`` flag. The optimised plans' saving is the greedy minus the optimal deadhead the
plans stored when they were made, over plans applied in the period.

A load's loaded time runs from the pickup move to the delivery (the event log, at the
device's clock), else from the first stop's arrival to the last stop's; a day is active
when a delivered load was on board at some moment of it (days in the organisation's zone).
"""

from __future__ import annotations

import math
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from freight.dispatch.models import DispatchPlan
from freight.errors import invalid
from freight.fleet.models import Driver, Vehicle
from freight.reports.period import Period, local_midnight
from freight.reports.punctuality import end_stops, moves
from freight.reports.schemas import (
    DeadheadReport,
    DeadheadRow,
    PlanSavings,
    ReportFilters,
    UtilizationReport,
    UtilizationRow,
    pct,
)
from freight.reports.sql import EARTH_RADIUS_KM, at, minutes_between
from freight.shipments.lifecycle import Status
from freight.shipments.models import Shipment, Stop
from freight.tracking.models import Position

RADIANS = math.pi / 180
MAX_UTILIZATION_DAYS = 366  # one SELECT per day in a UNION (SQLite allows 500)


def _legs(period: Period) -> Any:
    """Each fix in the period with the driver's previous fix beside it."""
    window: dict[str, Any] = {
        "partition_by": Position.driver_id,
        "order_by": (Position.recorded_at, Position.id),
    }
    stmt = select(
        Position.driver_id,
        Position.loaded,
        Position.lat,
        Position.lng,
        func.lag(Position.lat).over(**window).label("prev_lat"),
        func.lag(Position.lng).over(**window).label("prev_lng"),
    ).where(
        Position.organization_id == period.organization_id,
        Position.recorded_at >= at(period.start),
        Position.recorded_at < at(period.end),
    )
    if period.driver_id is not None:
        stmt = stmt.where(Position.driver_id == period.driver_id)
    if period.customer_id is not None or period.equipment is not None:
        stmt = stmt.join(Shipment, Shipment.id == Position.shipment_id).where(
            *period.shipment_filter()
        )
    return stmt.subquery("legs")


async def deadhead(session: AsyncSession, period: Period) -> DeadheadReport:
    """Loaded and empty distance per driver and for the fleet, and the plans' saving."""
    legs = _legs(period)
    dlat = (legs.c.lat - legs.c.prev_lat) * RADIANS
    dlng = (
        (legs.c.lng - legs.c.prev_lng)
        * RADIANS
        * func.cos((legs.c.lat + legs.c.prev_lat) / 2 * RADIANS)
    )
    km = EARTH_RADIUS_KM * func.sqrt(dlat * dlat + dlng * dlng)
    loaded = func.sum(case((legs.c.loaded, km), else_=0.0))
    empty = func.sum(case((legs.c.loaded, 0.0), else_=km))
    stmt = (
        select(legs.c.driver_id, Driver.full_name, loaded, empty)
        .join(Driver, Driver.id == legs.c.driver_id)
        .where(legs.c.prev_lat.is_not(None))
        .group_by(legs.c.driver_id, Driver.full_name)
    )
    rows: list[DeadheadRow] = []
    fleet = [0.0, 0.0]
    for driver_id, name, loaded_km, empty_km in (await session.execute(stmt)).all():
        a, b = period.distance(float(loaded_km or 0)), period.distance(float(empty_km or 0))
        fleet[0] += a
        fleet[1] += b
        rows.append(
            DeadheadRow(
                driver_id=driver_id,
                driver_name=name,
                loaded=round(a, 1),
                empty=round(b, 1),
                deadhead_pct=pct(b, a + b),
            )
        )
    rows.sort(key=lambda r: (-(r.deadhead_pct or 0), r.driver_name))
    total = DeadheadRow(
        driver_id=uuid.UUID(int=0),
        driver_name="Fleet",
        loaded=round(fleet[0], 1),
        empty=round(fleet[1], 1),
        deadhead_pct=pct(fleet[1], fleet[0] + fleet[1]),
    )
    return DeadheadReport(
        title="Loaded and empty distance",
        filters=ReportFilters.model_validate(period.echo()),
        drivers=rows,
        fleet=total if rows else None,
        plans=await _plans(session, period),
    )


async def _plans(session: AsyncSession, period: Period) -> PlanSavings:
    result = DispatchPlan.result
    stmt = select(
        func.count(),
        func.sum(result["optimal_deadhead_km"].as_float()),
        func.sum(result["greedy_deadhead_km"].as_float()),
    ).where(
        DispatchPlan.organization_id == period.organization_id,
        DispatchPlan.applied_at >= at(period.start),
        DispatchPlan.applied_at < at(period.end),
    )
    n, optimal, greedy = (await session.execute(stmt)).one()
    optimal_d, greedy_d = period.distance(float(optimal or 0)), period.distance(float(greedy or 0))
    return PlanSavings(
        applied_plans=int(n or 0),
        optimal_deadhead=round(optimal_d, 1),
        greedy_deadhead=round(greedy_d, 1),
        saved=round(greedy_d - optimal_d, 1),
    )


def _intervals(period: Period) -> Any:
    """Each delivered load on board during the period: its driver, truck, start and end."""
    ends, moved = end_stops(period), moves(period)
    first = Stop.sequence == ends.c.first
    last = Stop.sequence == ends.c.last
    stops = (
        select(
            Stop.shipment_id,
            func.max(case((first, Stop.arrived_at))).label("first_arrived"),
            func.max(case((last, Stop.arrived_at))).label("last_arrived"),
        )
        .join(ends, ends.c.shipment_id == Stop.shipment_id)
        .where(first | last)
        .group_by(Stop.shipment_id)
        .subquery("stop_times")
    )
    begins = func.coalesce(moved.c.picked_at, stops.c.first_arrived)
    finish = func.coalesce(moved.c.delivered_at, stops.c.last_arrived)
    return (
        select(
            Shipment.driver_id,
            Shipment.vehicle_id,
            begins.label("begins"),
            finish.label("finish"),
        )
        .join(stops, stops.c.shipment_id == Shipment.id)
        .outerjoin(moved, moved.c.shipment_id == Shipment.id)
        .where(
            *period.shipment_filter(),
            Shipment.status == Status.DELIVERED,
            begins.is_not(None),
            finish > begins,
            finish > at(period.start),
            begins < at(period.end),
        )
        .cte("intervals")  # read twice: PostgreSQL computes it once
    )


def _days(period: Period) -> Any:
    """The period's days (organisation's zone) as rows of index, UTC start and end."""
    selects = []
    for i in range(period.days):
        day = period.from_date + timedelta(days=i)
        selects.append(
            select(
                literal(i).label("d"),
                at(local_midnight(day, period.timezone)).label("s"),
                at(local_midnight(day + timedelta(days=1), period.timezone)).label("e"),
            )
        )
    return union_all(*selects).subquery("days")


async def utilization(session: AsyncSession, period: Period) -> UtilizationReport:
    """Loads, loaded hours, active and idle days per driver and per truck."""
    if period.days > MAX_UTILIZATION_DAYS:
        raise invalid("query", "to", msg=f"utilization covers at most {MAX_UTILIZATION_DAYS} days")
    iv, days = _intervals(period), _days(period)
    in_period = and_(iv.c.finish >= at(period.start), iv.c.finish < at(period.end))
    hours = minutes_between(iv.c.finish, iv.c.begins) / 60.0
    out: dict[str, list[UtilizationRow]] = {}
    for kind, model, key, label in (
        ("drivers", Driver, iv.c.driver_id, Driver.full_name),
        ("vehicles", Vehicle, iv.c.vehicle_id, Vehicle.number),
    ):
        totals = (
            select(
                key.label("k"),
                func.sum(case((in_period, 1), else_=0)).label("loads"),
                func.sum(case((in_period, hours), else_=0.0)).label("hours"),
            )
            .where(key.is_not(None))
            .group_by(key)
            .subquery(f"{kind}_totals")
        )
        active = (
            select(key.label("k"), func.count(func.distinct(days.c.d)).label("days"))
            .join(days, and_(iv.c.begins < days.c.e, iv.c.finish > days.c.s))
            .where(key.is_not(None))
            .group_by(key)
            .subquery(f"{kind}_active")
        )
        stmt = (
            select(model.id, label, totals.c.loads, totals.c.hours, active.c.days)
            .outerjoin(totals, totals.c.k == model.id)
            .outerjoin(active, active.c.k == model.id)
            .where(model.organization_id == period.organization_id)
        )
        if period.driver_id is not None:
            stmt = stmt.where(
                totals.c.k.is_not(None) if model is Vehicle else model.id == period.driver_id
            )
        rows = [
            UtilizationRow(
                id=ident,
                name=name,
                loads=int(loads or 0),
                loaded_hours=round(float(h or 0), 2),
                active_days=int(d or 0),
                idle_days=period.days - int(d or 0),
            )
            for ident, name, loads, h, d in (await session.execute(stmt)).all()
        ]
        out[kind] = sorted(rows, key=lambda r: (-r.loaded_hours, r.name))
    return UtilizationReport(
        title="Utilisation",
        filters=ReportFilters.model_validate(period.echo()),
        days=period.days,
        drivers=out["drivers"],
        vehicles=out["vehicles"],
    )
