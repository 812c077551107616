"""Revenue by week, receivables aging with days-sales-outstanding, and lane revenue.

Revenue is what was invoiced (lines before tax) on issued, partly paid or paid invoices,
in the week the invoice was issued; its distance is that of the invoiced loads.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from freight.billing.models import Invoice, InvoicedShipment, InvoiceLine
from freight.billing.statuses import OPEN_INVOICE, InvoiceStatus
from freight.identity.models import Customer
from freight.reports.period import Period, local_midnight
from freight.reports.schemas import (
    BUCKETS,
    AgingReport,
    AgingRow,
    AgingTotal,
    LaneRow,
    LanesReport,
    ReportFilters,
    RevenueReport,
    RevenueTotal,
    RevenueWeek,
)
from freight.reports.sql import at, bucket
from freight.shipments.lifecycle import Status
from freight.shipments.models import Shipment, Stop

LIVE = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID)


def _per_unit(cents: int, distance: float) -> int | None:
    return round(cents / distance) if distance > 0 else None


def _issued_in(period: Period) -> list[ColumnElement[bool]]:
    where = [
        Invoice.organization_id == period.organization_id,
        Invoice.status.in_(LIVE),
        Invoice.issued_at >= at(period.start),
        Invoice.issued_at < at(period.end),
    ]
    if period.customer_id is not None:
        where.append(Invoice.customer_id == period.customer_id)
    return where


def _load_filter(period: Period) -> list[ColumnElement[bool]]:
    where = []
    if period.driver_id is not None:
        where.append(Shipment.driver_id == period.driver_id)
    if period.equipment is not None:
        where.append(Shipment.equipment_type == period.equipment)
    return where


async def revenue(session: AsyncSession, period: Period) -> RevenueReport:
    """Invoiced revenue and revenue per mile (or km) by week and in total."""
    week = bucket(Invoice.issued_at, period.week_bounds).label("week")
    loads = _load_filter(period)
    money = select(
        week,
        Invoice.currency,
        func.count(func.distinct(Invoice.id)),
        func.sum(InvoiceLine.amount_cents),
    ).join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
    if loads:
        money = money.join(Shipment, Shipment.id == InvoiceLine.shipment_id).where(*loads)
    money = money.where(*_issued_in(period)).group_by(week, Invoice.currency)
    hauled = (
        select(week, Invoice.currency, func.count(Shipment.id), func.sum(Shipment.distance_km))
        .select_from(InvoicedShipment)
        .join(Invoice, Invoice.id == InvoicedShipment.invoice_id)
        .join(Shipment, Shipment.id == InvoicedShipment.shipment_id)
        .where(*_issued_in(period), *loads)
        .group_by(week, Invoice.currency)
    )
    km: dict[tuple[int, str], tuple[int, float]] = {
        (int(w), c): (int(n), float(d or 0)) for w, c, n, d in (await session.execute(hauled)).all()
    }
    weeks: list[RevenueWeek] = []
    totals: dict[str, list[Any]] = {}
    for w, currency, invoices, cents in sorted((await session.execute(money)).all()):
        n, dist = km.get((int(w), currency), (0, 0.0))
        cents, dist = int(cents or 0), period.distance(dist)
        weeks.append(
            RevenueWeek(
                week=period.week_of(int(w)),
                currency=currency,
                invoices=int(invoices),
                loads=n,
                revenue_cents=cents,
                distance=round(dist, 1),
                revenue_per_unit_cents=_per_unit(cents, dist),
            )
        )
        total = totals.setdefault(currency, [0, 0, 0, 0.0])
        for i, v in enumerate((int(invoices), n, cents, dist)):
            total[i] += v
    return RevenueReport(
        title="Revenue",
        filters=ReportFilters.model_validate(period.echo()),
        weeks=weeks,
        totals=[
            RevenueTotal(
                currency=c,
                invoices=t[0],
                loads=t[1],
                revenue_cents=t[2],
                distance=round(t[3], 1),
                revenue_per_unit_cents=_per_unit(t[2], t[3]),
            )
            for c, t in sorted(totals.items())
        ],
    )


def _aging_bucket(period: Period) -> ColumnElement[str]:
    """Days past due as of ``to``, counted on UTC dates like ``billing.ledger.bucket_of``."""
    as_of = period.to_date

    def edge(days: int) -> ColumnElement[Any]:
        return at(local_midnight(as_of - timedelta(days=days), "UTC"))

    return case(
        (Invoice.due_at >= edge(0), BUCKETS[0]),
        (Invoice.due_at >= edge(30), BUCKETS[1]),
        (Invoice.due_at >= edge(60), BUCKETS[2]),
        (Invoice.due_at >= edge(90), BUCKETS[3]),
        else_=BUCKETS[4],
    )


async def aging(session: AsyncSession, period: Period) -> AgingReport:
    """Open balances by account in buckets of days past due, and DSO over the period."""
    balance = Invoice.total_cents - Invoice.paid_cents
    age = _aging_bucket(period).label("age")
    where = [
        Invoice.organization_id == period.organization_id,
        Invoice.status.in_(OPEN_INVOICE),
        Invoice.due_at.is_not(None),
        Invoice.issued_at < at(period.end),
        balance > 0,
    ]
    if period.customer_id is not None:
        where.append(Invoice.customer_id == period.customer_id)
    stmt = (
        select(Invoice.customer_id, Customer.name, Invoice.currency, age, func.sum(balance))
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(*where)
        .group_by(Invoice.customer_id, Customer.name, Invoice.currency, age)
    )
    accounts: dict[tuple[uuid.UUID, str], AgingRow] = {}
    totals: dict[str, AgingTotal] = {}
    for customer_id, name, currency, bucket_name, cents in (await session.execute(stmt)).all():
        row = accounts.setdefault(
            (customer_id, currency),
            AgingRow(customer_id=customer_id, customer_name=name, currency=currency),
        )
        total = totals.setdefault(currency, AgingTotal(currency=currency))
        for target in (row, total):
            setattr(target, bucket_name, getattr(target, bucket_name) + int(cents))
            target.total += int(cents)
    invoiced = select(Invoice.currency, func.sum(Invoice.total_cents)).where(*_issued_in(period))
    for currency, cents in (await session.execute(invoiced.group_by(Invoice.currency))).all():
        total = totals.setdefault(currency, AgingTotal(currency=currency))
        total.invoiced_cents = int(cents or 0)
    for total in totals.values():
        if total.invoiced_cents:
            total.dso_days = round(total.total / total.invoiced_cents * period.days, 1)
    return AgingReport(
        title="Accounts receivable aging",
        filters=ReportFilters.model_validate(period.echo()),
        as_of=period.to_date,
        accounts=sorted(accounts.values(), key=lambda a: (a.customer_name, a.currency)),
        totals=[totals[c] for c in sorted(totals)],
    )


async def lanes(session: AsyncSession, period: Period) -> LanesReport:
    """Revenue per mile (or km) by origin -> destination region, for loads delivered in
    the period: what they were invoiced (before tax), else their agreed price."""
    delivered = [
        *period.shipment_filter(),
        Shipment.status == Status.DELIVERED,
        Shipment.delivered_at >= at(period.start),
        Shipment.delivered_at < at(period.end),
    ]
    kept = select(Shipment.id).where(*delivered)
    ends = (
        select(
            Stop.shipment_id,
            func.min(Stop.sequence).label("first"),
            func.max(Stop.sequence).label("last"),
        )
        .where(Stop.shipment_id.in_(kept))
        .group_by(Stop.shipment_id)
        .subquery("ends")
    )
    billed = (
        select(InvoiceLine.shipment_id, func.sum(InvoiceLine.amount_cents).label("cents"))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(Invoice.status.in_(LIVE), InvoiceLine.shipment_id.in_(kept))
        .group_by(InvoiceLine.shipment_id)
        .subquery("billed")
    )
    origin, destination = aliased(Stop), aliased(Stop)
    o = func.coalesce(origin.region, origin.country).label("o")
    d = func.coalesce(destination.region, destination.country).label("d")
    cents = func.coalesce(billed.c.cents, Shipment.price_cents, 0)
    stmt = (
        select(
            o,
            d,
            Shipment.currency,
            func.count(),
            func.sum(Shipment.distance_km),
            func.sum(cents),
        )
        .select_from(Shipment)
        .join(ends, ends.c.shipment_id == Shipment.id)
        .join(origin, (origin.shipment_id == Shipment.id) & (origin.sequence == ends.c.first))
        .join(
            destination,
            (destination.shipment_id == Shipment.id) & (destination.sequence == ends.c.last),
        )
        .outerjoin(billed, billed.c.shipment_id == Shipment.id)
        .where(*delivered)
        .group_by(o, d, Shipment.currency)
    )
    rows = []
    for origin_region, dest_region, currency, n, km, revenue_cents in (
        await session.execute(stmt)
    ).all():
        dist = period.distance(float(km or 0))
        rows.append(
            LaneRow(
                lane=f"{origin_region} -> {dest_region}",
                origin=origin_region,
                destination=dest_region,
                currency=currency,
                loads=int(n),
                distance=round(dist, 1),
                revenue_cents=int(revenue_cents or 0),
                revenue_per_unit_cents=_per_unit(int(revenue_cents or 0), dist),
            )
        )
    rows.sort(key=lambda r: (-(r.revenue_per_unit_cents or 0), r.lane))
    return LanesReport(
        title="Lane profitability", filters=ReportFilters.model_validate(period.echo()), lanes=rows
    )
