"""The organisation's own settings: its name and how its pages present units and times.

Functions take the session first, raise DomainErrors and never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor, Role
from freight.errors import Forbidden, NotFound
from freight.identity.models import Organization
from freight.identity.schemas import OrganizationUpdate

SETTINGS = ("name", "units", "locale", "paper_size", "timezone", "country")


@dataclass(frozen=True, slots=True)
class Presentation:
    """What a page needs to show numbers and times the organisation's way."""

    units: str = "imperial"
    locale: str = "en-US"
    timezone: str = "America/Chicago"
    paper_size: str = "letter"
    country: str = "US"


async def _own(session: AsyncSession, organization_id: uuid.UUID) -> Organization:
    org = await session.get(Organization, organization_id)
    if org is None:
        raise NotFound("organization", organization_id)
    return org


async def get(session: AsyncSession, actor: Actor) -> Organization:
    """The caller's organisation (staff only: customers and drivers have no use for it)."""
    if not actor.is_staff:
        raise Forbidden("only staff see the organisation's settings")
    return await _own(session, actor.organization_id)


async def presentation(session: AsyncSession, organization_id: uuid.UUID) -> Presentation:
    """How pages present values for anyone signed in to ``organization_id``."""
    org = await session.get(Organization, organization_id)
    if org is None:
        return Presentation()
    return Presentation(org.units, org.locale, org.timezone, org.paper_size, org.country)


async def update(session: AsyncSession, actor: Actor, body: OrganizationUpdate) -> Organization:
    """Change the settings (admin only); the change is an ``organization.updated`` event."""
    if actor.role != Role.ADMIN:
        raise Forbidden("only an admin changes the organisation's settings")
    org = await _own(session, actor.organization_id)
    changed: dict[str, dict[str, str]] = {}
    for field, value in body.model_dump(exclude_unset=True).items():
        if value is None or value == getattr(org, field):
            continue
        changed[field] = {"from": getattr(org, field), "to": value}
        setattr(org, field, value)
    if changed:
        await events.record(session, actor, org.id, "organization.updated", {"changes": changed})
    await session.flush()
    return org
