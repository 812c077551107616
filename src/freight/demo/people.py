"""The demo's people and fleet: a user of every role, drivers who can sign in, trucks."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Role
from freight.demo.data import (
    CAPACITY_KG,
    DEMO_USERS,
    DRIVER_LOGINS,
    DRIVER_NAMES,
    HUBS,
    TRAILERS,
    Hub,
)
from freight.fleet.models import Driver, Vehicle
from freight.fleet.statuses import DriverStatus
from freight.identity.models import Organization, User
from freight.security.passwords import PasswordHasher

OFF_DUTY = 4  # the fleet's last drivers are off duty today


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    email: str
    password: str


@dataclass
class Crew:
    """A driver with the hub they are based at and the trailer their truck pulls."""

    driver: Driver
    hub: Hub
    trailer: str


async def users(
    session: AsyncSession, hasher: PasswordHasher, org: Organization
) -> tuple[list[DemoLogin], dict[str, User]]:
    """Every demo user with a fresh password, keyed by email."""
    logins, made = [], {}
    people = [*DEMO_USERS, *((Role.DRIVER, email, name) for email, name in DRIVER_LOGINS)]
    for role, email, name in people:
        password = secrets.token_urlsafe(12)
        user = User(
            organization_id=org.id,
            email=email,
            full_name=name,
            role=role,
            password_hash=await hasher.hash(password),
        )
        session.add(user)
        made[email] = user
        logins.append(DemoLogin(role, email, password))
    await session.flush()
    return logins, made


def _name(i: int) -> str:
    return DRIVER_LOGINS[i][1] if i < len(DRIVER_LOGINS) else DRIVER_NAMES[i - len(DRIVER_LOGINS)]


async def fleet(
    session: AsyncSession, org: Organization, rng: random.Random, logins: dict[str, User]
) -> list[Crew]:
    """Two drivers and trucks per hub; the first drivers are the ones who can sign in."""
    crews = []
    count = len(DRIVER_LOGINS) + len(DRIVER_NAMES)
    for i in range(count):
        hub = HUBS[i % len(HUBS)]
        _, region, lat, lng = hub
        trailer = TRAILERS[i % len(TRAILERS)]
        truck = Vehicle(
            organization_id=org.id,
            number=f"TRK-{101 + i}",
            kind="tractor",
            equipment_type=trailer,
            capacity_kg=CAPACITY_KG[trailer],
        )
        session.add(truck)
        await session.flush()
        user = logins[DRIVER_LOGINS[i][0]] if i < len(DRIVER_LOGINS) else None
        driver = Driver(
            organization_id=org.id,
            user_id=user.id if user else None,
            full_name=_name(i),
            phone=f"+1 555 01{i:02d}",
            license_number=f"CDL-{rng.randint(10**7, 10**8 - 1)}",
            license_region=region,
            equipment_types=sorted({trailer, "dry_van"}),
            status=DriverStatus.OFF_DUTY if i >= count - OFF_DUTY else DriverStatus.AVAILABLE,
            # Home is the carrier's yard near the hub: within 10 km of it.
            home_lat=lat + rng.uniform(-0.06, 0.06),
            home_lng=lng + rng.uniform(-0.06, 0.06),
            hos_minutes_remaining=rng.randint(3600, 4200),
            vehicle_id=truck.id,
        )
        session.add(driver)
        crews.append(Crew(driver, hub, trailer))
    await session.flush()
    return crews
