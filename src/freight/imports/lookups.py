"""The few queries an import needs beyond the domain services: which rows exist already,
and the human keys (a vehicle's number, an account's reference) behind ids."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, scoped
from freight.db import TenantMixin
from freight.fleet.models import Vehicle
from freight.identity.models import Customer


async def existing(
    session: AsyncSession,
    actor: Actor,
    model: type[TenantMixin],
    column: str,
    values: Collection[Any],
) -> set[str]:
    """Which of ``values`` the ``column`` of ``model`` holds in the caller's organisation
    (as text: ids as their canonical string)."""
    if not values:
        return set()
    attribute = getattr(model, column)
    found = await session.execute(
        scoped(model, actor, select(attribute)).where(attribute.in_(values))
    )
    return {str(value) for value in found.scalars()}


async def customer_id(session: AsyncSession, actor: Actor, reference: str) -> uuid.UUID | None:
    """The shipper account an import names by its ``external_ref``."""
    stmt = scoped(Customer, actor, select(Customer.id)).where(Customer.external_ref == reference)
    found: uuid.UUID | None = await session.scalar(stmt)
    return found


async def vehicle_id(session: AsyncSession, actor: Actor, number: str) -> uuid.UUID | None:
    """The vehicle an import names by its number."""
    stmt = scoped(Vehicle, actor, select(Vehicle.id)).where(Vehicle.number == number)
    found: uuid.UUID | None = await session.scalar(stmt)
    return found


async def vehicle_numbers(
    session: AsyncSession, actor: Actor, ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, str]:
    """The numbers of these vehicles, for an export of drivers."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    stmt = select(Vehicle.id, Vehicle.number).where(
        Vehicle.organization_id == actor.organization_id, Vehicle.id.in_(wanted)
    )
    return {ident: number for ident, number in (await session.execute(stmt)).all()}


async def customer_keys(
    session: AsyncSession, actor: Actor, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """How an export of shipments names each account: its ``external_ref``, else its id."""
    wanted = set(ids)
    if not wanted:
        return {}
    stmt = select(Customer.id, Customer.external_ref).where(
        Customer.organization_id == actor.organization_id, Customer.id.in_(wanted)
    )
    rows = (await session.execute(stmt)).all()
    return {ident: reference or str(ident) for ident, reference in rows}
