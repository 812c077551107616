"""Shipper accounts: the companies whose customer users book shipments.

Opening or changing one records ``customer.created`` / ``customer.updated`` (the fields
that changed, with the values of the terms and credit limit only: never the email,
phone or address).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor, Role, get_scoped, scoped
from freight.errors import NotFound, invalid
from freight.identity.models import Customer, User
from freight.identity.schemas import CustomerCreate, CustomerUpdate
from freight.pagination import page_newest_first


async def create(session: AsyncSession, actor: Actor, body: CustomerCreate) -> Customer:
    """Open a shipper account in the caller's organisation."""
    values = body.model_dump()
    values["notification_emails"] = contacts(values["notification_emails"])
    customer = Customer(organization_id=actor.organization_id, **values)
    session.add(customer)
    await session.flush()
    data = {"customer_id": str(customer.id)} | {f: getattr(customer, f) for f in TERMS}
    await events.record(session, actor, customer.organization_id, "customer.created", data)
    return customer


def contacts(emails: list[str] | None) -> list[str]:
    """Notification addresses as stored: lower case, each once, in the order given."""
    return list(dict.fromkeys(e.strip().lower() for e in emails or [] if e.strip()))


# The account fields whose values an event may carry; any other change is only named.
TERMS = ("payment_terms_days", "credit_limit_cents")


async def get(session: AsyncSession, actor: Actor, customer_id: uuid.UUID) -> Customer:
    """One account of the caller's organisation."""
    return await get_scoped(session, Customer, actor, customer_id)


async def list_page(
    session: AsyncSession, actor: Actor, limit: int, cursor: str | None
) -> tuple[Sequence[Customer], str | None]:
    """Accounts, newest first."""
    return await page_newest_first(session, Customer, scoped(Customer, actor), limit, cursor)


async def update(
    session: AsyncSession, actor: Actor, customer_id: uuid.UUID, body: CustomerUpdate
) -> Customer:
    """Change an account's details (fields sent as null are cleared where optional)."""
    customer = await get(session, actor, customer_id)
    changes = body.model_dump(exclude_unset=True)
    before: dict[str, Any] = {f: getattr(customer, f) for f in changes}
    for field, value in changes.items():
        if value is None and field in ("name", "billing_email", "payment_terms_days"):
            continue
        if field == "notification_emails":
            value = contacts(value)
        setattr(customer, field, value)
    await session.flush()
    fields = sorted(f for f, old in before.items() if getattr(customer, f) != old)
    if fields:
        values = {f: [before[f], getattr(customer, f)] for f in fields if f in TERMS}
        data = {"customer_id": str(customer.id), "fields": fields, "changes": values}
        await events.record(session, actor, customer.organization_id, "customer.updated", data)
    return customer


async def users_of(session: AsyncSession, actor: Actor, customer_id: uuid.UUID) -> list[User]:
    """The customer users who book for this account, by name."""
    await get(session, actor, customer_id)
    stmt = scoped(User, actor).where(User.customer_id == customer_id).order_by(User.full_name)
    return list((await session.execute(stmt.limit(500))).scalars())


async def require_in_org(
    session: AsyncSession, actor: Actor, customer_id: uuid.UUID | None, loc: str = "customer_id"
) -> uuid.UUID:
    """A customer id of the caller's organisation, or a 422 naming the field."""
    if customer_id is None:
        raise invalid("body", loc, msg="field required", kind="missing")
    try:
        await get(session, actor, customer_id)
    except NotFound:
        raise invalid("body", loc, msg="no such customer") from None
    return customer_id


async def choices(session: AsyncSession, actor: Actor, limit: int = 500) -> list[Customer]:
    """The organisation's accounts by name, for a picker."""
    found = await session.execute(scoped(Customer, actor).order_by(Customer.name).limit(limit))
    return list(found.scalars())


async def names(
    session: AsyncSession, actor: Actor, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Names of the accounts among ``ids`` the caller may see (a customer: only their own)."""
    wanted = set(ids)
    if not wanted:
        return {}
    stmt = scoped(Customer, actor).where(Customer.id.in_(wanted))
    if actor.role == Role.CUSTOMER:
        stmt = stmt.where(Customer.id == actor.customer_id)
    return {c.id: c.name for c in (await session.execute(stmt)).scalars()}
