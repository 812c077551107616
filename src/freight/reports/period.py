"""A report's filters resolved once: the date range as UTC bounds in the organisation's
zone, its Mondays, its units, and the shipment conditions every report shares."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor
from freight.db import utcnow
from freight.errors import invalid
from freight.fleet.models import Driver
from freight.formatting import KM_PER_MI
from freight.identity import organization
from freight.identity.models import Customer
from freight.shipments.lifecycle import Status
from freight.shipments.models import Shipment
from freight.timezones import zone

DEFAULT_WEEKS = 12
MAX_DAYS = 731  # two years: a CASE of 105 weeks stays cheap
Unit = Literal["mi", "km"]


@dataclass(frozen=True, slots=True)
class Query:
    """What the caller asked for (already typed by the route)."""

    from_date: date | None = None
    to_date: date | None = None
    customer_id: uuid.UUID | None = None
    driver_id: uuid.UUID | None = None
    equipment: str | None = None


@dataclass(frozen=True, slots=True)
class Period:
    """The resolved filters of one report run."""

    organization_id: uuid.UUID
    from_date: date
    to_date: date
    start: datetime  # local midnight of from_date, in UTC
    end: datetime  # local midnight after to_date, in UTC (exclusive)
    timezone: str
    units: Unit
    locale: str
    paper_size: str
    customer_id: uuid.UUID | None = None
    driver_id: uuid.UUID | None = None
    equipment: str | None = None
    mondays: list[date] = field(default_factory=list)  # each week's label (its Monday)
    week_bounds: list[datetime] = field(default_factory=list)  # UTC starts of weeks 2..n

    @property
    def days(self) -> int:
        return (self.to_date - self.from_date).days + 1

    def distance(self, km: float) -> float:
        """Kilometres in the organisation's unit."""
        return km / KM_PER_MI if self.units == "mi" else km

    def week_of(self, index: int) -> date:
        """The Monday labelling bucket ``index`` (see ``sql.bucket``)."""
        return self.mondays[index]

    def shipment_filter(self) -> list[ColumnElement[bool]]:
        """The organisation, customer, driver and equipment conditions on shipments."""
        where: list[ColumnElement[bool]] = [
            Shipment.organization_id == self.organization_id,
            Shipment.status != Status.CANCELLED,
        ]
        if self.customer_id is not None:
            where.append(Shipment.customer_id == self.customer_id)
        if self.driver_id is not None:
            where.append(Shipment.driver_id == self.driver_id)
        if self.equipment is not None:
            where.append(Shipment.equipment_type == self.equipment)
        return where

    def echo(self) -> dict[str, Any]:
        """The filters as the report states them."""
        return {
            "from": self.from_date,
            "to": self.to_date,
            "timezone": self.timezone,
            "units": self.units,
            "customer_id": self.customer_id,
            "driver_id": self.driver_id,
            "equipment": self.equipment,
        }


def local_midnight(day: date, tz: str) -> datetime:
    """00:00 of ``day`` in ``tz``, as UTC."""
    return datetime.combine(day, time(0), tzinfo=zone(tz)).astimezone(UTC)


def weeks(from_date: date, to_date: date, tz: str) -> tuple[list[date], list[datetime]]:
    """The Mondays labelling each week touched by the range, and the UTC instants where
    the second and later weeks start (the bounds ``sql.bucket`` compares against)."""
    first = from_date - timedelta(days=from_date.weekday())
    mondays = [first]
    while mondays[-1] + timedelta(days=7) <= to_date:
        mondays.append(mondays[-1] + timedelta(days=7))
    return mondays, [local_midnight(m, tz) for m in mondays[1:]]


async def _check_ids(session: AsyncSession, actor: Actor, query: Query) -> None:
    for name, model, ident in (
        ("customer_id", Customer, query.customer_id),
        ("driver_id", Driver, query.driver_id),
    ):
        if ident is None:
            continue
        found = await session.scalar(
            select(model.id).where(
                and_(model.id == ident, model.organization_id == actor.organization_id)
            )
        )
        if found is None:
            raise invalid("query", name, msg=f"no such {name.removesuffix('_id')}")


async def resolve(session: AsyncSession, actor: Actor, query: Query) -> Period:
    """The filters checked (422 naming the field) and turned into UTC bounds."""
    shown = await organization.presentation(session, actor.organization_id)
    today = utcnow().astimezone(zone(shown.timezone)).date()
    to_date = query.to_date or today
    from_date = query.from_date or to_date - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
    if from_date > to_date:
        raise invalid("query", "from", msg="must not be after 'to'")
    if (to_date - from_date).days + 1 > MAX_DAYS:
        raise invalid("query", "to", msg=f"a report covers at most {MAX_DAYS} days")
    await _check_ids(session, actor, query)
    mondays, bounds = weeks(from_date, to_date, shown.timezone)
    return Period(
        organization_id=actor.organization_id,
        from_date=from_date,
        to_date=to_date,
        start=local_midnight(from_date, shown.timezone),
        end=local_midnight(to_date + timedelta(days=1), shown.timezone),
        timezone=shown.timezone,
        units="km" if shown.units == "metric" else "mi",
        locale=shown.locale,
        paper_size=shown.paper_size,
        customer_id=query.customer_id,
        driver_id=query.driver_id,
        equipment=query.equipment,
        mondays=mondays,
        week_bounds=bounds,
    )
