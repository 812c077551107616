"""Device identifiers for the Traccar Client app: issued by the office, shown once, kept
as a SHA-256, revocable. A device posts its driver's positions by its identifier alone
(``freight.tracking.osmand``), so the identifier is a long random secret, typed once into
the app's "Device identifier" field."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, Role, get_scoped, scoped
from freight.db import utcnow
from freight.errors import Forbidden, NotFound
from freight.fleet.models import Driver, DriverDevice
from freight.security.tokens import digest

# No 0/O, 1/I/L: read off a screen and typed on a phone without a mix-up. 20 of them are
# about 99 bits, far beyond guessing.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 20


@dataclass(frozen=True)
class Issued:
    device: DriverDevice
    identifier: str  # the only time it is seen


def new_identifier() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def _staff(actor: Actor) -> None:
    if actor.role not in (Role.ADMIN, Role.DISPATCHER):
        raise Forbidden("only admins and dispatchers manage drivers' devices")


async def issue(session: AsyncSession, actor: Actor, driver_id: uuid.UUID, name: str) -> Issued:
    """A new identifier for one of the organisation's drivers."""
    _staff(actor)
    driver = await get_scoped(session, Driver, actor, driver_id)
    identifier = new_identifier()
    device = DriverDevice(
        id=uuid.uuid4(),
        created_at=utcnow(),
        organization_id=driver.organization_id,
        driver_id=driver.id,
        name=name,
        token_sha256=digest(identifier),
        token_hint=identifier[-4:],
        created_by=actor.user_id,
    )
    session.add(device)
    await session.flush()
    return Issued(device, identifier)


async def listed(session: AsyncSession, actor: Actor, driver_id: uuid.UUID) -> list[DriverDevice]:
    """The driver's devices, newest first, revoked ones included (with when)."""
    _staff(actor)
    await get_scoped(session, Driver, actor, driver_id)
    rows = await session.execute(
        scoped(DriverDevice, actor, select(DriverDevice))
        .where(DriverDevice.driver_id == driver_id)
        .order_by(DriverDevice.created_at.desc())
    )
    return list(rows.scalars())


async def revoke(
    session: AsyncSession, actor: Actor, driver_id: uuid.UUID, device_id: uuid.UUID
) -> DriverDevice:
    """Refuse the device's identifier from now on (revoking twice is a no-op)."""
    _staff(actor)
    device = await get_scoped(session, DriverDevice, actor, device_id)
    if device.driver_id != driver_id:
        raise NotFound("device", device_id)
    if device.revoked_at is None:
        device.revoked_at = utcnow()
    return device


async def holder_of(session: AsyncSession, identifier: str) -> DriverDevice | None:
    """The live device with this identifier, or None (unknown or revoked alike)."""
    if not identifier or len(identifier) > 100:
        return None
    device = (
        await session.execute(
            select(DriverDevice).where(
                DriverDevice.token_sha256 == digest(identifier.strip().upper()),
                DriverDevice.revoked_at.is_(None),
            )
        )
    ).scalar_one_or_none()
    return device


async def seen(session: AsyncSession, device: DriverDevice, battery_pct: float | None) -> None:
    """Note when the device last reported, and its battery (shown to the office)."""
    values: dict[str, object] = {"last_seen_at": utcnow()}
    if battery_pct is not None:
        values["last_battery_pct"] = battery_pct
    await session.execute(update(DriverDevice).where(DriverDevice.id == device.id).values(**values))
