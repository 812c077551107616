"""Seed a fresh, migrated database with a realistic volume for the load test.

One organisation (a carrier) with several shipper accounts, a fleet of hundreds of
drivers and trucks, and thousands of shipments in every status, built in one process
through Freight's own services (so timelines, hash chains, proofs of delivery and the
draft invoices that delivery creates are real). Then one login per simulated user and
role, each its own account so no simulated user shares another's rate limit.

Writes a JSON file the locustfile reads: the password, the logins by role (with the
customer account or driver record each one belongs to) and the account ids.

    FREIGHT_DATABASE_URL=... python loadtest/seed.py --out seed.json --shipments 3000

Run it with the server's environment (same database, encryption keys and file store).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, Role
from freight.billing import booking, rates
from freight.billing.schemas import RateCardIn
from freight.db import create_engine, create_session_factory, utcnow
from freight.demo import advance
from freight.dispatch import assignment
from freight.errors import DomainError
from freight.fleet.models import Driver, Vehicle
from freight.fleet.statuses import DriverStatus
from freight.geo import haversine_km
from freight.identity.models import Customer, Organization, User
from freight.routing.configure import estimate_for
from freight.security.encryption import configure_keyring, keyring_from_settings
from freight.security.passwords import PasswordHasher
from freight.settings import get_settings
from freight.shipments.lifecycle import ACTIVE, FINAL, Status
from freight.shipments.schemas import ShipmentCreate, StopIn
from freight.storage import FileStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from loadtest.samples import CITIES, png_1x1

SHIPPERS = [
    "Prairie Foods",
    "Lone Star Steel",
    "Peachtree Paper",
    "Pacific Produce",
    "Great Lakes Auto Parts",
    "Rocky Mountain Lumber",
    "Gulf Coast Chemicals",
    "Music City Beverages",
    "Keystone Building Supply",
    "Desert Sun Electronics",
    "Bluegrass Distilling",
    "Cascade Outfitters",
]
COMMODITIES = ["Canned goods", "Auto parts", "Paper rolls", "Steel coils", "Produce", "Lumber"]
EQUIPMENT = ["dry_van"] * 7 + ["reefer"] * 2 + ["flatbed"]
ALL_EQUIPMENT = ["dry_van", "reefer", "flatbed"]
# Final status of the seeded shipments, as shares of the total.
STATUS_MIX = [
    (Status.DELIVERED, 0.40),
    (Status.CANCELLED, 0.05),
    (Status.IN_TRANSIT, 0.05),
    (Status.PICKED_UP, 0.03),
    (Status.ASSIGNED, 0.04),
    (Status.PENDING, 0.43),
]
ROLES = ("customer", "watcher", "driver", "dispatcher", "office")


@dataclass
class Plan:
    """How much to seed."""

    shipments: int = 3000
    drivers: int = 400  # the fleet, besides the simulated drivers
    logins: int = 60  # per simulated role
    seed: int = 2026


@dataclass
class Seeded:
    organization_id: str = ""
    accounts: list[str] = field(default_factory=list)
    logins: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)


def stops(
    rng: random.Random, days_from_now: float, origin: tuple[str, str, float, float]
) -> list[StopIn]:
    """A pickup at ``origin`` and a delivery at a hub within a day or two's drive."""
    near = [
        c for c in CITIES if c != origin and haversine_km(origin[2], origin[3], c[2], c[3]) < 1600
    ]
    destination = rng.choice(near or [c for c in CITIES if c != origin])
    start = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=days_from_now)
    out = []
    for kind, (city, region, lat, lng), at in (
        ("pickup", origin, start),
        ("delivery", destination, start + timedelta(days=rng.choice((1, 2, 3)))),
    ):
        out.append(
            StopIn(
                kind=kind,
                name=f"{city} {'DC' if kind == 'pickup' else 'Receiving'} {rng.randint(1, 40)}",
                address=f"{rng.randint(100, 9999)} Industrial Pkwy",
                city=city,
                region=region,
                postal_code=f"{rng.randint(10000, 99999)}",
                country="US",
                lat=lat + rng.uniform(-0.05, 0.05),
                lng=lng + rng.uniform(-0.05, 0.05),
                window_start=at,
                window_end=at + timedelta(hours=4),
            )
        )
    return out


def _user(org: Organization, email: str, name: str, role: Role, password_hash: str) -> User:
    return User(
        organization_id=org.id, email=email, full_name=name, role=role, password_hash=password_hash
    )


def _driver(org: Organization, rng: random.Random, name: str, user: User | None) -> Driver:
    city = rng.choice(CITIES)
    return Driver(
        organization_id=org.id,
        user_id=user.id if user else None,
        full_name=name,
        phone=f"+1 555 {rng.randint(1000000, 9999999)}",
        license_number=f"CDL-{rng.randint(10**7, 10**8 - 1)}",
        license_region=city[1],
        equipment_types=list(ALL_EQUIPMENT),
        status=DriverStatus.AVAILABLE,
        home_lat=city[2] + rng.uniform(-0.3, 0.3),
        home_lng=city[3] + rng.uniform(-0.3, 0.3),
        hos_minutes_remaining=rng.randint(3000, 4200),
    )


async def _people(
    session: AsyncSession, org: Organization, rng: random.Random, plan: Plan, password_hash: str
) -> tuple[Seeded, list[Customer], list[Driver], list[Driver], User]:
    out = Seeded(organization_id=str(org.id))
    accounts = [
        Customer(
            organization_id=org.id,
            name=name,
            billing_email=f"ap@{name.lower().replace(' ', '-')}.example",
            payment_terms_days=rng.choice((15, 30, 45)),
        )
        for name in SHIPPERS
    ]
    session.add_all(accounts)
    admin = _user(org, "owner@load.freight.example", "Load Owner", Role.ADMIN, password_hash)
    session.add(admin)
    await session.flush()
    out.accounts = [str(a.id) for a in accounts]
    fleet = [_driver(org, rng, f"Fleet Driver {i:03d}", None) for i in range(plan.drivers)]
    session.add_all(fleet)
    for i in range(plan.drivers // 2):
        session.add(
            Vehicle(
                organization_id=org.id,
                number=f"TRK-{1000 + i}",
                kind="tractor",
                equipment_type=EQUIPMENT[i % len(EQUIPMENT)],
                capacity_kg=20000,
            )
        )
    await session.flush()
    role_of = {
        "customer": Role.CUSTOMER,
        "watcher": Role.CUSTOMER,
        "driver": Role.DRIVER,
        "dispatcher": Role.DISPATCHER,
        "office": Role.ADMIN,
    }
    simulated: list[Driver] = []
    for kind in ROLES:
        out.logins[kind] = []
        for i in range(plan.logins):
            email = f"{kind}{i:03d}@load.freight.example"
            user = _user(org, email, f"{kind.title()} {i:03d}", role_of[kind], password_hash)
            account = accounts[i % len(accounts)]
            if kind in ("customer", "watcher"):
                user.customer_id = account.id
            session.add(user)
            await session.flush()
            login: dict[str, Any] = {"email": email}
            if kind in ("customer", "watcher", "office"):
                login["customer_id"] = str(account.id)
            if kind == "driver":
                driver = _driver(org, rng, f"Sim Driver {i:03d}", user)
                session.add(driver)
                await session.flush()
                simulated.append(driver)
                login["driver_id"] = str(driver.id)
            out.logins[kind].append(login)
    return out, accounts, fleet, simulated, admin


async def _given(driver: Driver) -> Driver:
    """The driver chosen up front, for ``advance``'s assign step."""
    return driver


async def seed(session: AsyncSession, plan: Plan, password: str) -> Seeded:
    """Everything the load test needs, in the caller's transaction."""
    settings = get_settings()
    rng = random.Random(plan.seed)  # noqa: S311 (test data, not security)
    password_hash = await PasswordHasher(settings).hash(password)  # one hash, every login
    org = Organization(name="Load Test Haulage")
    session.add(org)
    await session.flush()
    out, accounts, fleet, simulated, admin = await _people(session, org, rng, plan, password_hash)
    staff = Actor(organization_id=org.id, role=Role.ADMIN, user_id=admin.id)
    await rates.put_card(
        session,
        staff,
        RateCardIn(
            per_km_cents={"dry_van": 150, "reefer": 190, "flatbed": 175},
            minimum_charge_cents=45000,
            fuel_surcharge_bp=1800,
            tax_rate_bp=0,
            auto_invoice=True,
        ),
    )
    planning = assignment.Planning(settings.road_factor, settings.average_speed_kmh)
    store = FileStore(settings.file_store_dir)
    signature = png_1x1()
    finals: list[Status] = []
    for status, share in STATUS_MIX:
        finals += [status] * round(share * plan.shipments)
    finals = (finals + [Status.PENDING] * plan.shipments)[: plan.shipments]
    rng.shuffle(finals)
    # Each simulated driver starts with one load already assigned to them.
    finals = [Status.ASSIGNED] * len(simulated) + finals
    busy: set[uuid.UUID] = set()
    counts: dict[str, int] = {}
    started = time.perf_counter()
    for n, final in enumerate(finals):
        past = final in FINAL
        origin = rng.choice(CITIES)
        if n < len(simulated):  # their first load starts near home, so the drive fits
            home = simulated[n]
            origin = min(
                CITIES,
                key=lambda c: haversine_km(c[2], c[3], home.home_lat or 0, home.home_lng or 0),
            )
        body = ShipmentCreate(
            customer_id=accounts[n % len(accounts)].id,
            equipment_type=rng.choice(EQUIPMENT),
            weight_kg=rng.randint(2, 20) * 1000,
            pieces=rng.randint(1, 26),
            commodity=rng.choice(COMMODITIES),
            declared_value_cents=rng.randint(1000, 100000) * 100,
            price_cents=rng.randint(900, 4500) * 100,
            stops=stops(rng, rng.uniform(-20, -2) if past else rng.uniform(-1, 5), origin),
        )
        offline = estimate_for(settings)  # seeding stays offline
        shipment = await booking.book(session, staff, body, offline)
        if n < len(simulated):
            driver = simulated[n]
        elif final in (Status.PENDING, Status.CANCELLED):
            driver = fleet[0]  # unused
        else:
            free = [d for d in rng.sample(fleet, min(40, len(fleet))) if d.id not in busy]
            if not free:
                final = Status.PENDING
                free = fleet
            driver = min(
                free,
                key=lambda d: haversine_km(d.home_lat or 0, d.home_lng or 0, origin[2], origin[3]),
            )
        if final != Status.PENDING:
            try:
                await advance(
                    session,
                    staff,
                    shipment.id,
                    final,
                    partial(_given, driver),
                    planning,
                    store,
                    signature,
                )
            except DomainError as exc:
                print(f"seed: left {shipment.reference} PENDING ({exc})", file=sys.stderr)
                final = Status.PENDING
        if final in ACTIVE:
            busy.add(driver.id)
        counts[final.value] = counts.get(final.value, 0) + 1
        if final != Status.CANCELLED and len(out.references) < 1000:
            out.references.append(shipment.reference)  # for the public tracking page
        if n % 500 == 499:
            await session.flush()
            # Keep the identity map small: the loaded drivers and accounts keep their
            # attributes, and the services read rows afresh by id.
            session.expunge_all()
            rate = (n + 1) / (time.perf_counter() - started)
            print(f"seed: {n + 1}/{len(finals)} shipments ({rate:.0f}/s)", file=sys.stderr)
    out.counts = {
        "shipments": len(finals),
        "accounts": len(accounts),
        "drivers": len(fleet) + len(simulated),
        "vehicles": plan.drivers // 2,
        **{f"status_{k}": v for k, v in sorted(counts.items())},
    }
    return out


async def main_async(plan: Plan) -> dict[str, Any]:
    """Seed in one transaction and write the JSON the locustfile reads."""
    settings = get_settings()
    configure_keyring(keyring_from_settings(settings))
    engine = create_engine(settings)
    password = secrets.token_urlsafe(18)
    try:
        async with create_session_factory(engine)() as session:
            seeded = await seed(session, plan, password)
            await session.commit()
    finally:
        await engine.dispose()
    data = {
        "password": password,
        "organization_id": seeded.organization_id,
        "accounts": seeded.accounts,
        "logins": seeded.logins,
        "counts": seeded.counts,
        "references": seeded.references,
    }
    return data


def main(argv: list[str] | None = None) -> int:
    """Command line: the volume and where to write the credentials."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="JSON file for the locustfile")
    parser.add_argument("--shipments", type=int, default=Plan.shipments)
    parser.add_argument("--drivers", type=int, default=Plan.drivers)
    parser.add_argument("--logins", type=int, default=Plan.logins, help="accounts per role")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    plan = Plan(shipments=args.shipments, drivers=args.drivers, logins=args.logins)
    data = asyncio.run(main_async(plan))
    args.out.write_text(json.dumps(data, indent=1))
    took = time.perf_counter() - started
    print(f"seeded {json.dumps(data['counts'])} in {took:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
