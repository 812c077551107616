"""A busy carrier's board for the dense-board tests: hundreds of pending loads and free
drivers written in one transaction of the running server's database.

Loads are booked through ``billing.booking.book`` (the service the API calls, so
references, prices, stops and events are real); drivers and trucks are rows, as the demo
seeds them. 500 loads through the API would take ~15 s; this takes a couple of seconds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from freight.access import Actor, Role
from freight.billing import booking
from freight.fleet.models import Driver, Vehicle
from freight.fleet.statuses import DriverStatus
from freight.identity.models import Customer
from freight.routing.configure import estimate_for
from freight.shipments.schemas import ShipmentCreate, StopIn
from tests.realtime.conftest import LiveServer
from tests.shipments.factory import CITIES
from tests.web.conftest import World

EQUIPMENT = ["dry_van"] * 3 + ["reefer", "flatbed"]
CHICAGO = ZoneInfo("America/Chicago")
SHIPPERS = ["Prairie Foods", "Lone Star Steel", "Peachtree Paper"]


@dataclass
class Crowd:
    """What was seeded: load ids by equipment, how many pick up when."""

    loads: dict[str, list[str]]  # equipment -> shipment ids
    tomorrow: int  # loads picking up tomorrow (organisation's zone, Chicago)
    drivers: int


def _stop(kind: str, city: str, start: datetime, seq: int) -> StopIn:
    region, lat, lng = CITIES[city]
    return StopIn(
        kind=kind,
        name=f"{city} {'DC' if kind == 'pickup' else 'Store'} #{seq}",
        address=f"{100 + seq} Logistics Way",
        city=city,
        region=region,
        postal_code="60601",
        country="US",
        lat=lat,
        lng=lng,
        window_start=start,
        window_end=start + timedelta(hours=4),
    )


def _day_after(now: datetime, days: int) -> datetime:
    """Noon in Chicago (the organisation's default zone), ``days`` after Chicago's today:
    the board's "tomorrow" is the organisation's, whatever the hour in UTC."""
    today = now.astimezone(CHICAGO).date()
    return datetime.combine(today + timedelta(days=days), time(12), CHICAGO).astimezone(UTC)


async def crowd(site: LiveServer, world: World, loads: int = 500, drivers: int = 300) -> Crowd:
    """``loads`` pending loads (a third tomorrow, the rest in two or three days) and
    ``drivers`` free drivers, each with a truck, in the world's organisation."""
    rng = random.Random(14)  # noqa: S311 - test data
    org_id = world.admin.organization_id
    actor = Actor(organization_id=org_id, role=Role.ADMIN, user_id=world.admin.id)
    now = datetime.now(UTC)
    seeded = Crowd({}, 0, drivers)
    async with site.ctx.sessions() as session:
        accounts = [
            Customer(organization_id=org_id, name=n, billing_email="ap@x.example") for n in SHIPPERS
        ]
        session.add_all(accounts)
        trucks = [
            Vehicle(
                organization_id=org_id,
                number=f"B-{i:03d}",
                kind="tractor",
                equipment_type=EQUIPMENT[i % len(EQUIPMENT)],
                capacity_kg=22_000,
            )
            for i in range(drivers)
        ]
        session.add_all(trucks)
        await session.flush()  # no relationship orders drivers after their trucks
        for i, truck in enumerate(trucks):
            _, lat, lng = CITIES[rng.choice(sorted(CITIES))]
            session.add(
                Driver(
                    organization_id=org_id,
                    full_name=f"Crew {i:03d}",
                    equipment_types=sorted({truck.equipment_type, "dry_van"}),
                    status=DriverStatus.AVAILABLE,
                    home_lat=lat + rng.uniform(-0.5, 0.5),
                    home_lng=lng + rng.uniform(-0.5, 0.5),
                    vehicle_id=truck.id,
                )
            )
        await session.flush()
        for i in range(loads):
            origin, destination = rng.sample(sorted(CITIES), 2)
            days = 1 if i % 3 == 0 else 2 + i % 2
            seeded.tomorrow += days == 1
            start = _day_after(now, days) + timedelta(minutes=rng.randint(-300, 240))
            kind = EQUIPMENT[i % len(EQUIPMENT)]
            body = ShipmentCreate(
                customer_id=accounts[i // 3 % len(accounts)].id,
                equipment_type=kind,
                weight_kg=rng.randint(2_000, 20_000),
                stops=[
                    _stop("pickup", origin, start, i),
                    _stop("delivery", destination, start + timedelta(days=1), i),
                ],
            )
            shipment = await booking.book(session, actor, body, estimate_for(site.settings))
            seeded.loads.setdefault(kind, []).append(str(shipment.id))
        await session.commit()
    return seeded
