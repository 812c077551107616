"""Demo data for the embedded default: the plan's UAT set.

One organisation with a user of every role, a shipper account for the demo customer,
a fleet of drivers and trucks spread over US freight hubs, and 50 shipments across
every status, built through the same services the API uses (so the event log, the
hash chains and the proofs of delivery are real).
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, Role
from freight.billing import booking
from freight.db import utcnow
from freight.dispatch import assignment, pod
from freight.fleet.models import Driver, Vehicle
from freight.fleet.statuses import DriverStatus
from freight.geo import haversine_km
from freight.identity.models import Customer, Organization, User
from freight.security.passwords import PasswordHasher
from freight.shipments import service as shipments
from freight.shipments.lifecycle import FINAL, Status, path_to
from freight.shipments.schemas import ShipmentCreate, StopIn
from freight.storage import FileStore

DEMO_ORG = "Demo Freight Co"
DEMO_USERS = [
    (Role.ADMIN, "admin@demo.freight.example", "Avery Admin"),
    (Role.DISPATCHER, "dispatcher@demo.freight.example", "Dana Dispatcher"),
    (Role.DRIVER, "driver@demo.freight.example", "Dev Driver"),
    (Role.CUSTOMER, "customer@demo.freight.example", "Casey Customer"),
]
# (city, state, lat, lng)
HUBS = [
    ("Chicago", "IL", 41.8781, -87.6298),
    ("Dallas", "TX", 32.7767, -96.7970),
    ("Atlanta", "GA", 33.7490, -84.3880),
    ("Los Angeles", "CA", 34.0522, -118.2437),
    ("Memphis", "TN", 35.1495, -90.0490),
    ("Indianapolis", "IN", 39.7684, -86.1581),
    ("Columbus", "OH", 39.9612, -82.9988),
    ("Kansas City", "MO", 39.0997, -94.5786),
    ("Denver", "CO", 39.7392, -104.9903),
    ("Phoenix", "AZ", 33.4484, -112.0740),
    ("Houston", "TX", 29.7604, -95.3698),
    ("Nashville", "TN", 36.1627, -86.7816),
    ("Charlotte", "NC", 35.2271, -80.8431),
    ("Harrisburg", "PA", 40.2732, -76.8867),
    ("Salt Lake City", "UT", 40.7608, -111.8910),
    ("Seattle", "WA", 47.6062, -122.3321),
]
COMMODITIES = [
    "Canned goods",
    "Auto parts",
    "Paper products",
    "Frozen poultry",
    "Steel coils",
    "Consumer electronics",
    "Lumber",
    "Beverages",
    "Building materials",
    "Produce",
]
# How many of the 50 shipments end in each status.
STATUS_MIX = {  # IN_TRANSIT first, so the demo driver (the first free one) is on the road
    Status.IN_TRANSIT: 7,
    Status.PENDING: 15,
    Status.ASSIGNED: 8,
    Status.PICKED_UP: 5,
    Status.DELIVERED: 10,
    Status.CANCELLED: 5,
}
DEMO_SIGNATURE = bytes.fromhex(  # a 1x1 white PNG, standing in for a signed screen
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415478da63f8ffff3f0005fe02fea7d6a4ba0000000049454e44ae426082"
)


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    email: str
    password: str


def _stops(
    rng: random.Random, days_from_now: float, origin: tuple[str, str, float, float] | None = None
) -> list[StopIn]:
    origin = origin or rng.choice(HUBS)
    nearby = [
        h for h in HUBS if h != origin and haversine_km(origin[2], origin[3], h[2], h[3]) < 1500
    ]
    destination = rng.choice(nearby)
    start = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=days_from_now)
    stops = []
    for kind, hub, at in (
        ("pickup", origin, start),
        ("delivery", destination, start + timedelta(days=2)),
    ):
        city, region, lat, lng = hub
        stops.append(
            StopIn(
                kind=kind,
                name=f"{city} {'Distribution Center' if kind == 'pickup' else 'Receiving'}",
                address=f"{rng.randint(100, 9999)} Industrial Pkwy",
                city=city,
                region=region,
                postal_code=f"{rng.randint(10000, 99999)}",
                country="US",
                lat=lat,
                lng=lng,
                window_start=at,
                window_end=at + timedelta(hours=4),
            )
        )
    return stops


async def _users(
    session: AsyncSession, hasher: PasswordHasher, org: Organization
) -> tuple[list[DemoLogin], dict[Role, User]]:
    logins, users = [], {}
    for role, email, name in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        user = User(
            organization_id=org.id,
            email=email,
            full_name=name,
            role=role,
            password_hash=await hasher.hash(password),
        )
        session.add(user)
        users[role] = user
        logins.append(DemoLogin(role, email, password))
    await session.flush()
    return logins, users


async def _fleet(
    session: AsyncSession, org: Organization, rng: random.Random, driver_user: User
) -> list[Driver]:
    drivers = []
    for i in range(2 * len(HUBS)):
        city, _, lat, lng = HUBS[i % len(HUBS)]
        truck = Vehicle(
            organization_id=org.id,
            number=f"TRK-{101 + i}",
            kind="tractor",
            equipment_type="dry_van",
            capacity_kg=20000,
        )
        session.add(truck)
        await session.flush()
        driver = Driver(
            organization_id=org.id,
            user_id=driver_user.id if i == 0 else None,
            full_name=driver_user.full_name if i == 0 else f"Driver {i:02d} ({city})",
            phone=f"+1 555 01{i:02d}",
            license_number=f"CDL-{rng.randint(10**7, 10**8 - 1)}",
            license_region="IL",
            equipment_types=["dry_van", "reefer"] if i % 3 else ["dry_van", "flatbed"],
            status=DriverStatus.AVAILABLE,
            home_lat=lat + rng.uniform(-0.3, 0.3),
            home_lng=lng + rng.uniform(-0.3, 0.3),
            hos_minutes_remaining=rng.randint(3600, 4200),
            vehicle_id=truck.id,
        )
        session.add(driver)
        drivers.append(driver)
    await session.flush()
    return drivers


async def seed_demo(
    session: AsyncSession, hasher: PasswordHasher, store: FileStore, road_factor: float = 1.2
) -> list[DemoLogin] | None:
    """Create the demo organisation and its UAT data; None when it already exists."""
    exists = await session.scalar(select(User.id).where(User.email == DEMO_USERS[0][1]))
    if exists is not None:
        return None
    rng = random.Random(2026)  # noqa: S311 (demo data, not security)
    org = Organization(name=DEMO_ORG)
    session.add(org)
    await session.flush()
    logins, users = await _users(session, hasher, org)
    account = Customer(
        organization_id=org.id,
        name="Demo Shipper Inc.",
        billing_email="ap@shipper.example",
        payment_terms_days=30,
    )
    session.add(account)
    await session.flush()
    users[Role.CUSTOMER].customer_id = account.id
    drivers = await _fleet(session, org, rng, users[Role.DRIVER])
    staff = Actor(organization_id=org.id, role=Role.DISPATCHER, user_id=users[Role.DISPATCHER].id)
    planning = assignment.Planning(road_factor, 65.0)
    free = list(drivers)
    for final, count in STATUS_MIX.items():
        for n in range(count):
            past = final in FINAL
            # The demo driver (home in Chicago) carries the first load on the road.
            demo_load = final == Status.IN_TRANSIT and n == 0
            body = ShipmentCreate(
                customer_id=account.id,
                equipment_type="dry_van",
                weight_kg=rng.randint(4, 20) * 1000,
                pieces=rng.randint(1, 26),
                commodity=rng.choice(COMMODITIES),
                price_cents=rng.randint(900, 4500) * 100,
                stops=_stops(
                    rng,
                    rng.uniform(-10, -3) if past else rng.uniform(-1, 4),
                    HUBS[0] if demo_load else None,
                ),
            )
            shipment = await booking.book(session, staff, body, road_factor)
            candidates = [drivers[0]] if demo_load else free
            pick = partial(_driver_near_pickup, session, staff, shipment.id, candidates, final)
            await advance(session, staff, shipment.id, final, pick, planning, store)
            if demo_load:
                free.remove(drivers[0])
    return logins


async def _driver_near_pickup(
    session: AsyncSession, staff: Actor, shipment_id: uuid.UUID, free: list[Driver], final: Status
) -> Driver:
    """Like a dispatcher would: the nearest free driver takes it (and stays busy with it)."""
    pickup = (await shipments.get_visible(session, staff, shipment_id)).stops[0]
    driver = min(
        free, key=lambda d: haversine_km(d.home_lat or 0, d.home_lng or 0, pickup.lat, pickup.lng)
    )
    if final != Status.DELIVERED and driver in free:  # delivered loads free their driver
        free.remove(driver)
    return driver


async def advance(
    session: AsyncSession,
    staff: Actor,
    shipment_id: uuid.UUID,
    final: Status,
    driver_for: Callable[[], Awaitable[Driver]],
    planning: assignment.Planning,
    store: FileStore,
    signature: bytes = DEMO_SIGNATURE,
) -> None:
    """Take a PENDING shipment to ``final`` by the state machine's shortest path, as staff.

    ``driver_for`` is asked for a driver only when the path assigns one.
    """
    for target, move in path_to(final):
        if move.action == "assign":
            driver = await driver_for()
            await assignment.assign(session, staff, shipment_id, driver.id, None, planning)
        elif move.action == "cancel":
            await shipments.transition(
                session, staff, shipment_id, target, via="cancel", reason="shipper cancelled"
            )
        elif move.action == "deliver":
            proof = pod.PodInput(
                "Receiving clerk", pod.Upload("signature", None, signature), [], None, None, None
            )
            limits = pod.PodLimits(10 * 1024 * 1024, 10, 40_000_000)
            await pod.deliver(session, staff, store, shipment_id, proof, limits)
        elif move.via is None:
            await shipments.transition(session, staff, shipment_id, target)
        else:
            raise NotImplementedError(f"seeding cannot {move.action} a shipment yet")
