"""Who may read which report, and the one entry point that runs a report by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, Role
from freight.errors import Forbidden, NotFound, invalid
from freight.reports import fleet, money, operations, punctuality
from freight.reports.period import Period, Query, resolve
from freight.reports.schemas import Report, ReportName

Runner = Callable[[AsyncSession, Period], Awaitable[Report]]

STAFF_REPORTS: dict[str, Runner] = {
    "on-time": punctuality.on_time,
    "revenue": money.revenue,
    "deadhead": fleet.deadhead,
    "utilization": fleet.utilization,
    "lanes": money.lanes,
    "detention": operations.detention,
    "aging": money.aging,
    "exceptions": operations.exceptions,
}


async def _service(session: AsyncSession, actor: Actor, query: Query) -> tuple[Report, Period]:
    if actor.role == Role.CUSTOMER:
        if actor.customer_id is None:
            raise Forbidden("this sign-in belongs to no shipper account")
        if query.customer_id not in (None, actor.customer_id):
            raise NotFound("customer", query.customer_id)
        query = Query(query.from_date, query.to_date, actor.customer_id, None, query.equipment)
    elif query.customer_id is None:
        raise invalid("query", "customer_id", msg="the service report is of one account")
    period = await resolve(session, actor, query)
    assert period.customer_id is not None
    return await operations.service(session, period, period.customer_id), period


async def run(
    session: AsyncSession, actor: Actor, name: ReportName, query: Query
) -> tuple[Report, Period]:
    """The report ``name`` for the caller (and the filters it ran with): staff read any,
    a shipper only its own account's service report; drivers none."""
    if name == "service":
        if actor.role not in (Role.CUSTOMER, Role.ADMIN, Role.DISPATCHER):
            raise Forbidden("drivers do not read reports")
        return await _service(session, actor, query)
    if not actor.is_staff:
        raise Forbidden("only dispatchers and admins read this report")
    runner = STAFF_REPORTS.get(name)
    if runner is None:
        raise NotFound("report", name)
    period = await resolve(session, actor, query)
    return await runner(session, period), period
