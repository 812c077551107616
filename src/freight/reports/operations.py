"""Detention at stops, exceptions on the road, and a shipper account's service summary.

Detention is the dwell (``departed_at - arrived_at``) beyond the load's free minutes:
those frozen with its quote, else the rate card's, else two hours. A visit counts in the
period its arrival falls in.
"""

from __future__ import annotations

import uuid

from sqlalchemy import case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.billing.models import Invoice, RateCard, ShipmentPrice
from freight.billing.statuses import OPEN_INVOICE
from freight.dispatch.models import ShipmentException
from freight.identity.models import Customer
from freight.reports.money import LIVE
from freight.reports.period import Period
from freight.reports.punctuality import grouped, summarize
from freight.reports.schemas import (
    DetentionCustomer,
    DetentionReport,
    DetentionRow,
    ExceptionKindTotal,
    ExceptionRow,
    ExceptionsReport,
    ReportFilters,
    ServiceReport,
    Spend,
    pct,
)
from freight.reports.sql import at, minutes_between
from freight.shipments.lifecycle import Status
from freight.shipments.models import Shipment, Stop

DEFAULT_FREE_MINUTES = 120


async def detention(session: AsyncSession, period: Period) -> DetentionReport:
    """Detention hours by customer and stop (facility), and by customer."""
    free = func.coalesce(
        ShipmentPrice.detention_free_minutes,
        select(RateCard.detention_free_minutes)
        .where(RateCard.organization_id == period.organization_id)
        .scalar_subquery(),
        literal(DEFAULT_FREE_MINUTES),
    )
    dwell = minutes_between(Stop.departed_at, Stop.arrived_at)
    over = case((dwell > free, dwell - free), else_=0.0)
    stmt = (
        select(
            Shipment.customer_id,
            Customer.name,
            Stop.name,
            Stop.city,
            Stop.region,
            func.count(),
            func.sum(case((dwell > free, 1), else_=0)),
            func.sum(dwell),
            func.sum(over),
        )
        .select_from(Stop)
        .join(Shipment, Shipment.id == Stop.shipment_id)
        .join(Customer, Customer.id == Shipment.customer_id)
        .outerjoin(ShipmentPrice, ShipmentPrice.shipment_id == Shipment.id)
        .where(
            *period.shipment_filter(),
            Stop.arrived_at >= at(period.start),
            Stop.arrived_at < at(period.end),
            Stop.departed_at > Stop.arrived_at,
        )
        .group_by(Shipment.customer_id, Customer.name, Stop.name, Stop.city, Stop.region)
    )
    stops: list[DetentionRow] = []
    customers: dict[uuid.UUID, DetentionCustomer] = {}
    minutes: dict[uuid.UUID, float] = {}
    for cid, cname, sname, city, region, visits, detained, dwell_min, over_min in (
        await session.execute(stmt)
    ).all():
        row = DetentionRow(
            customer_id=cid,
            customer_name=cname,
            stop_name=sname,
            city=city,
            region=region,
            visits=int(visits),
            detained=int(detained or 0),
            dwell_hours=round(float(dwell_min or 0) / 60, 2),
            detention_hours=round(float(over_min or 0) / 60, 2),
        )
        stops.append(row)
        total = customers.setdefault(
            cid,
            DetentionCustomer(
                customer_id=cid, customer_name=cname, visits=0, detained=0, detention_hours=0
            ),
        )
        total.visits += row.visits
        total.detained += row.detained
        minutes[cid] = minutes.get(cid, 0.0) + float(over_min or 0)
    for cid, total in customers.items():
        total.detention_hours = round(minutes[cid] / 60, 2)  # rounded once, not per stop
    stops.sort(key=lambda r: (-r.detention_hours, r.customer_name, r.city))
    return DetentionReport(
        title="Detention",
        filters=ReportFilters.model_validate(period.echo()),
        stops=stops,
        customers=sorted(customers.values(), key=lambda c: (-c.detention_hours, c.customer_name)),
    )


async def _loads_in(session: AsyncSession, period: Period) -> tuple[int, int]:
    """Loads whose pickup window opens in the period, and how many of them are delivered."""
    first = (
        select(Stop.shipment_id, func.min(Stop.window_start).label("opens"))
        .join(Shipment, Shipment.id == Stop.shipment_id)
        .where(*period.shipment_filter())
        .group_by(Stop.shipment_id)
        .subquery("first")
    )
    stmt = (
        select(func.count(), func.sum(case((Shipment.status == Status.DELIVERED, 1), else_=0)))
        .select_from(first)
        .join(Shipment, Shipment.id == first.c.shipment_id)
        .where(first.c.opens >= at(period.start), first.c.opens < at(period.end))
    )
    loads, delivered = (await session.execute(stmt)).one()
    return int(loads or 0), int(delivered or 0)


async def exceptions(session: AsyncSession, period: Period) -> ExceptionsReport:
    """Exceptions reported in the period by kind and reason, and per 100 loads."""
    stmt = (
        select(
            ShipmentException.kind,
            ShipmentException.reason,
            func.count(),
            func.sum(func.coalesce(ShipmentException.pieces_affected, 0)),
            func.sum(func.coalesce(ShipmentException.amount_cents, 0)),
        )
        .join(Shipment, Shipment.id == ShipmentException.shipment_id)
        .where(
            ShipmentException.organization_id == period.organization_id,
            *period.shipment_filter(),
            ShipmentException.created_at >= at(period.start),
            ShipmentException.created_at < at(period.end),
        )
        .group_by(ShipmentException.kind, ShipmentException.reason)
    )
    rows = [
        ExceptionRow(
            kind=k, reason=r, count=int(n), pieces_affected=int(p or 0), amount_cents=int(a or 0)
        )
        for k, r, n, p, a in (await session.execute(stmt)).all()
    ]
    rows.sort(key=lambda r: (-r.count, r.kind, r.reason))
    kinds: dict[str, int] = {}
    for row in rows:
        kinds[row.kind] = kinds.get(row.kind, 0) + row.count
    total = sum(kinds.values())
    loads, _ = await _loads_in(session, period)
    return ExceptionsReport(
        title="Exceptions",
        filters=ReportFilters.model_validate(period.echo()),
        rows=rows,
        kinds=[ExceptionKindTotal(kind=k, count=n) for k, n in sorted(kinds.items())],
        total=total,
        loads=loads,
        per_100_loads=pct(total, loads),
    )


async def service(session: AsyncSession, period: Period, customer_id: uuid.UUID) -> ServiceReport:
    """One shipper account's loads, on-time rates, exceptions and spend in the period."""
    name = await session.scalar(select(Customer.name).where(Customer.id == customer_id))
    loads, delivered = await _loads_in(session, period)
    punctual = summarize(await grouped(session, period))
    found = await exceptions(session, period)
    spend: dict[str, Spend] = {}
    invoiced = (
        select(Invoice.currency, func.sum(Invoice.total_cents))
        .where(
            Invoice.organization_id == period.organization_id,
            Invoice.customer_id == customer_id,
            Invoice.status.in_(LIVE),
            Invoice.issued_at >= at(period.start),
            Invoice.issued_at < at(period.end),
        )
        .group_by(Invoice.currency)
    )
    for currency, cents in (await session.execute(invoiced)).all():
        spend[currency] = Spend(currency=currency, invoiced_cents=int(cents or 0), open_cents=0)
    owed = (
        select(Invoice.currency, func.sum(Invoice.total_cents - Invoice.paid_cents))
        .where(
            Invoice.organization_id == period.organization_id,
            Invoice.customer_id == customer_id,
            Invoice.status.in_(OPEN_INVOICE),
            Invoice.issued_at < at(period.end),
        )
        .group_by(Invoice.currency)
    )
    for currency, cents in (await session.execute(owed)).all():
        row = spend.setdefault(currency, Spend(currency=currency, invoiced_cents=0, open_cents=0))
        row.open_cents = int(cents or 0)
    return ServiceReport(
        title=f"Service report: {name}",
        filters=ReportFilters.model_validate(period.echo()),
        customer_id=customer_id,
        customer_name=name or "",
        loads=loads,
        delivered=delivered,
        pickup_on_time_pct=punctual["pickup"].on_time_pct,
        delivery_on_time_pct=punctual["delivery"].on_time_pct,
        exceptions=found.total,
        spend=[spend[c] for c in sorted(spend)],
    )
