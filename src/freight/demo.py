"""Demo data for the embedded default: one organisation with a user of every role."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Role
from freight.identity.models import Organization, User
from freight.security.passwords import PasswordHasher

DEMO_ORG = "Demo Freight Co"
DEMO_USERS = [
    (Role.ADMIN, "admin@demo.freight.example", "Avery Admin"),
    (Role.DISPATCHER, "dispatcher@demo.freight.example", "Dana Dispatcher"),
    (Role.DRIVER, "driver@demo.freight.example", "Dev Driver"),
    (Role.CUSTOMER, "customer@demo.freight.example", "Casey Customer"),
]


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    email: str
    password: str


async def seed_demo(session: AsyncSession, hasher: PasswordHasher) -> list[DemoLogin] | None:
    """Create the demo organisation; None when it already exists (nothing is changed)."""
    exists = await session.scalar(select(User.id).where(User.email == DEMO_USERS[0][1]))
    if exists is not None:
        return None
    org = Organization(name=DEMO_ORG)
    session.add(org)
    await session.flush()
    logins = []
    for role, email, name in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        session.add(
            User(
                organization_id=org.id,
                email=email,
                full_name=name,
                role=role,
                password_hash=await hasher.hash(password),
            )
        )
        logins.append(DemoLogin(role, email, password))
    await session.flush()
    return logins
