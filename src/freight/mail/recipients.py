"""Who an event's mail goes to: one outbox job per address (the job's target).

Expansion runs in the cursor's transaction, so it only reads: the event, and the rows
that name the addresses. An address that turned the mail off gets no job; one that turns
it off after the job was made is checked again when the mail is composed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Role
from freight.billing.models import Invoice
from freight.events import Event
from freight.identity.models import Customer, User
from freight.mail.catalog import MailType, mail_for
from freight.mail.models import MailPreference
from freight.outbox.kinds import EventRef, NewJob
from freight.shipments.models import Shipment


def _clean(addresses: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for address in addresses:
        if address and "@" in address:
            seen.setdefault(address.strip().lower(), None)
    return list(seen)


async def _booking_user(session: AsyncSession, shipment_id: uuid.UUID) -> str | None:
    """The address of the user who booked the load (not an API key, not a departed user)."""
    return await session.scalar(
        select(User.email)
        .join(Event, Event.actor_id == User.id)
        .where(
            Event.shipment_id == shipment_id,
            Event.type == "shipment.created",
            User.is_active,
        )
        .limit(1)
    )


async def _account(session: AsyncSession, customer_id: uuid.UUID | None) -> Customer | None:
    return await session.get(Customer, customer_id) if customer_id else None


async def addresses(session: AsyncSession, mail: MailType, org: uuid.UUID, event: Any) -> list[str]:
    """The addresses ``mail`` goes to for ``event`` (a row of the event log)."""
    data: dict[str, Any] = event.data or {}
    if mail.audience == "shipment" and event.shipment_id is not None:
        customer_id = await session.scalar(
            select(Shipment.customer_id).where(Shipment.id == event.shipment_id)
        )
        account = await _account(session, customer_id)
        contacts = account.notification_emails if account else []
        return _clean([await _booking_user(session, event.shipment_id), *contacts])
    if mail.audience == "billing" and data.get("invoice_id"):
        customer_id = await session.scalar(
            select(Invoice.customer_id).where(
                Invoice.id == uuid.UUID(str(data["invoice_id"])), Invoice.organization_id == org
            )
        )
        account = await _account(session, customer_id)
        return _clean([account.billing_email, *account.notification_emails] if account else [])
    if mail.audience == "user" and data.get("user_id"):
        email = await session.scalar(
            select(User.email).where(
                User.id == uuid.UUID(str(data["user_id"])), User.organization_id == org
            )
        )
        return _clean([email])
    if mail.audience == "admins":
        admins = await session.scalars(
            select(User.email).where(
                User.organization_id == org, User.role == Role.ADMIN.value, User.is_active
            )
        )
        return _clean(admins)
    return []


async def muted(
    session: AsyncSession, org: uuid.UUID, emails: Sequence[str]
) -> dict[str, set[str]]:
    """Address -> the mails it turned off, for these addresses of ``org``."""
    if not emails:
        return {}
    rows = await session.execute(
        select(MailPreference.email, MailPreference.muted).where(
            MailPreference.organization_id == org, MailPreference.email.in_(list(emails))
        )
    )
    return {email: set(names or []) for email, names in rows.all()}


async def expand(session: AsyncSession, found: Sequence[EventRef]) -> list[NewJob]:
    """One job per event and address that wants its mail."""
    if not found:
        return []
    rows = await session.execute(
        select(Event.id, Event.organization_id, Event.type, Event.data, Event.shipment_id)
        .where(Event.id.in_([e.id for e in found]))
        .order_by(Event.id)
    )
    jobs: list[NewJob] = []
    for event in rows.all():
        mail = mail_for(event.type, event.data or {})
        if mail is None:
            continue
        org = event.organization_id
        to = await addresses(session, mail, org, event)
        off = await muted(session, org, to) if mail.optional else {}
        jobs.extend(NewJob(org, event.id, a) for a in to if mail.name not in off.get(a, ()))
    return jobs
