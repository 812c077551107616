"""The weekly report mail: last week's figures for each organisation's admins.

``freight reports weekly-mail`` (run it from cron on Monday morning) records one
``report.weekly`` event per organisation with last week's headline figures (Monday to
Sunday in the organisation's zone); the outbox mails it to the admins like any other
mail (``freight.mail``, type ``weekly_report``, which each admin can turn off). Running
the command again in the same week records nothing new, so a retried cron job never
mails twice.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from freight import events
from freight.access import Actor, Role
from freight.events import Event
from freight.identity import organization
from freight.identity.models import Organization
from freight.reports import fleet, money, operations, punctuality
from freight.reports.period import Query, resolve
from freight.reports.schemas import (
    AgingReport,
    DeadheadReport,
    ExceptionsReport,
    OnTimeReport,
    RevenueReport,
)
from freight.timezones import zone

EVENT = "report.weekly"


def last_week(now: datetime, timezone: str) -> tuple[date, date]:
    """Monday and Sunday of the last whole week before ``now``, in ``timezone``."""
    today = now.astimezone(zone(timezone)).date()
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


async def figures(
    session: AsyncSession, org: uuid.UUID, monday: date, sunday: date
) -> dict[str, Any]:
    """The week's headline figures, from the reports themselves."""
    actor = Actor(organization_id=org, role=Role.ADMIN)
    period = await resolve(session, actor, Query(monday, sunday))
    on_time = await punctuality.on_time(session, period)
    revenue = await money.revenue(session, period)
    deadhead = await fleet.deadhead(session, period)
    aging = await money.aging(session, period)
    road = await operations.exceptions(session, period)
    assert isinstance(on_time, OnTimeReport) and isinstance(revenue, RevenueReport)
    assert isinstance(deadhead, DeadheadReport) and isinstance(aging, AgingReport)
    assert isinstance(road, ExceptionsReport)
    deliveries = next((r for r in on_time.summary if r.kind == "delivery"), None)
    return {
        "week_start": monday.isoformat(),
        "week_end": sunday.isoformat(),
        "units": period.units,
        "deliveries": deliveries.stops if deliveries else 0,
        "delivery_on_time_pct": deliveries.on_time_pct if deliveries else None,
        "revenue": [
            {
                "currency": t.currency,
                "revenue_cents": t.revenue_cents,
                "per_unit_cents": t.revenue_per_unit_cents,
            }
            for t in revenue.totals
        ],
        "deadhead_pct": deadhead.fleet.deadhead_pct if deadhead.fleet else None,
        "receivables": [
            {"currency": t.currency, "total_cents": t.total, "over_90_cents": t.over_90}
            for t in aging.totals
        ],
        "exceptions": road.total,
    }


async def _already(session: AsyncSession, org: uuid.UUID, monday: date) -> bool:
    rows = await session.scalars(
        select(Event.data).where(Event.organization_id == org, Event.type == EVENT)
    )
    return any((data or {}).get("week_start") == monday.isoformat() for data in rows)


async def record(session: AsyncSession, org: uuid.UUID, now: datetime) -> bool:
    """Record last week's report event for one organisation (False: it was already)."""
    # One run at a time per organisation: the second waits here, then finds the first's.
    await session.execute(select(Organization.id).where(Organization.id == org).with_for_update())
    shown = await organization.presentation(session, org)
    monday, sunday = last_week(now, shown.timezone)
    if await _already(session, org, monday):
        return False
    data = await figures(session, org, monday, sunday)
    system = Actor(organization_id=org, role=Role.ADMIN)
    await events.record(session, system, org, EVENT, data)
    return True


async def record_all(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Last week's report for every organisation, one transaction each; how many were new."""
    async with sessions() as session:
        orgs = list(await session.scalars(select(Organization.id)))
    made = 0
    for org in orgs:
        async with sessions() as session, session.begin():
            made += await record(session, org, now)
    return made
