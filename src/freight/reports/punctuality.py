"""On time at pickup and delivery against the stops' windows, and a shipper's own service.

A stop's actual time is its geofenced ``arrived_at``; without one, the first stop takes
the driver's pickup move and the last the delivery (each at the device's clock when the
driver was offline). A stop counts in the period its window opens in; stops not reached
yet are left out. Late is measured from the window's end.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.events import Event
from freight.reports.period import Period
from freight.reports.schemas import (
    LATENESS,
    OnTimeReport,
    PunctualityRow,
    PunctualityWeek,
    ReportFilters,
    pct,
)
from freight.reports.sql import at, bucket, minutes_between
from freight.shipments.lifecycle import Status
from freight.shipments.models import Shipment, Stop

PICKED = "shipment.status_changed"
DELIVERED = "shipment.delivered"


def scoped_shipments(period: Period) -> Select[Any]:
    """Ids of the shipments the filters keep."""
    return select(Shipment.id).where(*period.shipment_filter())


def end_stops(period: Period) -> Any:
    """Each kept shipment's first and last stop sequence."""
    return (
        select(
            Stop.shipment_id,
            func.min(Stop.sequence).label("first"),
            func.max(Stop.sequence).label("last"),
        )
        .join(Shipment, Shipment.id == Stop.shipment_id)
        .where(*period.shipment_filter())
        .group_by(Stop.shipment_id)
        .subquery("ends")
    )


def moves(period: Period) -> Any:
    """Each kept shipment's pickup and delivery moves, from the event log."""
    when = func.coalesce(Event.device_time, Event.occurred_at)
    picked = and_(Event.type == PICKED, Event.data["to"].as_string() == Status.PICKED_UP.value)
    return (
        select(
            Event.shipment_id,
            func.min(case((picked, when))).label("picked_at"),
            func.max(case((Event.type == DELIVERED, when))).label("delivered_at"),
        )
        .where(
            Event.organization_id == period.organization_id,
            Event.type.in_((PICKED, DELIVERED)),
            Event.shipment_id.in_(scoped_shipments(period)),
        )
        .group_by(Event.shipment_id)
        .subquery("moves")
    )


def _late_bucket(late: ColumnElement[float]) -> ColumnElement[str]:
    return case(
        (late <= 0, LATENESS[0]),
        (late < 30, LATENESS[1]),
        (late < 120, LATENESS[2]),
        (late < 360, LATENESS[3]),
        else_=LATENESS[4],
    )


async def grouped(session: AsyncSession, period: Period) -> list[tuple[str, int, str, int]]:
    """(kind, week index, lateness bucket, stops) for the kept shipments' end stops."""
    ends, moved = end_stops(period), moves(period)
    first = Stop.sequence == ends.c.first
    arrival = func.coalesce(
        Stop.arrived_at,
        case((first, moved.c.picked_at), (Stop.sequence == ends.c.last, moved.c.delivered_at)),
    )
    kind = case((first, "pickup"), else_="delivery").label("kind")
    week = bucket(Stop.window_start, period.week_bounds).label("week")
    late = _late_bucket(minutes_between(arrival, Stop.window_end)).label("late")
    stmt = (
        select(kind, week, late, func.count())
        .select_from(Stop)
        .join(ends, ends.c.shipment_id == Stop.shipment_id)
        .outerjoin(moved, moved.c.shipment_id == Stop.shipment_id)
        .where(
            or_(first, Stop.sequence == ends.c.last),
            Stop.window_start >= at(period.start),
            Stop.window_start < at(period.end),
            arrival.is_not(None),
        )
        .group_by(kind, week, late)
    )
    return [(k, int(w), b, int(n)) for k, w, b, n in (await session.execute(stmt)).all()]


def summarize(rows: list[tuple[str, int, str, int]]) -> dict[str, PunctualityRow]:
    """Totals and the lateness distribution per stop kind."""
    out = {"pickup": PunctualityRow(kind="pickup"), "delivery": PunctualityRow(kind="delivery")}
    for kind, _, late, n in rows:
        row = out[kind]
        row.stops += n
        setattr(row.lateness, late, getattr(row.lateness, late) + n)
    for row in out.values():
        row.on_time = row.lateness.on_time
        row.on_time_pct = pct(row.on_time, row.stops)
    return out


async def on_time(session: AsyncSession, period: Period) -> OnTimeReport:
    """On-time pickup and delivery, the lateness distribution, and each week's rates."""
    rows = await grouped(session, period)
    weeks = [PunctualityWeek(week=m) for m in period.mondays]
    for kind, w, late, n in rows:
        week = weeks[w]
        if kind == "pickup":
            week.pickups += n
            week.pickups_on_time += n if late == LATENESS[0] else 0
        else:
            week.deliveries += n
            week.deliveries_on_time += n if late == LATENESS[0] else 0
    for week in weeks:
        week.pickup_on_time_pct = pct(week.pickups_on_time, week.pickups)
        week.delivery_on_time_pct = pct(week.deliveries_on_time, week.deliveries)
    summary = summarize(rows)
    return OnTimeReport(
        title="On-time pickup and delivery",
        filters=ReportFilters.model_validate(period.echo()),
        summary=list(summary.values()),
        weeks=weeks,
    )
