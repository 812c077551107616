"""Seeding the demo: the rate card, the people and fleet, and 50 loads, each with its story.

Every load is booked, assigned, picked up and delivered through the services the API uses,
so prices, the event log, its hash chains and the proofs of delivery are real. Times are
relative to the moment of seeding: pending and assigned loads pick up in the future,
loads on the road picked up earlier today (their moves carry the time they happened, as a
driver's phone reports it) and their trucks' GPS tracks end minutes ago.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, Role
from freight.billing import booking, rates
from freight.db import utcnow
from freight.demo import tracks
from freight.demo.data import (
    CANCEL_REASONS,
    COMMODITIES,
    DEMO_ORG,
    DEMO_SIGNATURE,
    DEMO_USERS,
    HUBS,
    RATES,
    STATUS_MIX,
    Hub,
)
from freight.demo.people import Crew, DemoLogin, fleet, users
from freight.demo.stories import Story, story_for
from freight.dispatch import assignment, pod
from freight.fleet.models import Driver
from freight.fleet.statuses import DriverStatus
from freight.identity import api_keys
from freight.identity.models import Customer, Organization, User
from freight.identity.schemas import ApiKeyCreate
from freight.mail.kind import KIND as MAIL_KIND
from freight.outbox.cursor import start_at_newest
from freight.routing.configure import estimate_for
from freight.security.passwords import PasswordHasher
from freight.settings import Settings
from freight.shipments import service as shipments
from freight.shipments.lifecycle import Status, path_to
from freight.shipments.schemas import ShipmentCreate, StopIn
from freight.storage import FileStore

# The first load in these statuses goes to the driver who signs in with this index.
DRIVER_LOADS = {Status.IN_TRANSIT: 0, Status.ASSIGNED: 1, Status.PICKED_UP: 2}
TRAILER_MIX = ["dry_van", "reefer", "flatbed"]  # loads no driver took yet, 6:2:2
NEEDS_DRIVER = {Status.ASSIGNED, Status.PICKED_UP, Status.IN_TRANSIT, Status.DELIVERED}


def stop(rng: random.Random, kind: str, hub: Hub, start: datetime, hours: int) -> StopIn:
    """A pickup or delivery at a hub, its window ``hours`` long from ``start``."""
    city, region, lat, lng = hub
    return StopIn(
        kind=kind,
        name=f"{city} {'Distribution Center' if kind == 'pickup' else 'Receiving'}",
        address=f"{rng.randint(100, 9999)} Industrial Pkwy",
        city=city,
        region=region,
        postal_code=f"{rng.randint(10000, 99999)}",
        country="US",
        lat=lat,
        lng=lng,
        window_start=start,
        window_end=start + timedelta(hours=hours),
    )


def body_for(
    rng: random.Random, account: Customer, trailer: str, origin: Hub, tale: Story
) -> ShipmentCreate:
    """The load of a story, priced by the quote when it is booked."""
    return ShipmentCreate(
        customer_id=account.id,
        equipment_type=trailer,
        weight_kg=rng.randint(8, 36) * 500,
        pieces=rng.randint(6, 26),
        commodity=rng.choice(COMMODITIES[trailer]),
        stops=[
            stop(rng, "pickup", origin, tale.pickup_at, 3),
            stop(rng, "delivery", tale.destination, tale.delivery_at, 4),
        ],
    )


class Seeder:
    """The demo organisation's loads, one status at a time."""

    def __init__(
        self, session: AsyncSession, settings: Settings, store: FileStore, rng: random.Random
    ) -> None:
        self.session, self.settings, self.store, self.rng = session, settings, store, rng
        self.now = utcnow()
        self.planning = assignment.Planning.of(settings)

    async def people(self, hasher: PasswordHasher, org: Organization) -> list[DemoLogin]:
        logins, made = await users(self.session, hasher, org)
        admin = made[DEMO_USERS[0][1]]
        self.admin = Actor(organization_id=org.id, role=Role.ADMIN, user_id=admin.id)
        self.staff = Actor(
            organization_id=org.id, role=Role.DISPATCHER, user_id=made[DEMO_USERS[1][1]].id
        )
        self.crews = await fleet(self.session, org, self.rng, made)
        key, _ = await api_keys.create_api_key(
            self.session, self.admin, ApiKeyCreate(name="ELD telematics feed", role=Role.DISPATCHER)
        )
        self.feed = Actor(organization_id=org.id, role=Role.DISPATCHER, api_key_id=key.id)
        self.account = Customer(
            organization_id=org.id,
            name="Demo Shipper Inc.",
            billing_email="ap@shipper.example",
            payment_terms_days=30,
        )
        self.session.add(self.account)
        await self.session.flush()
        made[DEMO_USERS[2][1]].customer_id = self.account.id
        return logins

    def crew_for(self, final: Status, n: int, free: list[Crew]) -> Crew | None:
        """Who carries this load: a driver who signs in, or any free one on duty."""
        if final not in NEEDS_DRIVER:
            return None
        if n == 0 and final in DRIVER_LOADS:
            crew = self.crews[DRIVER_LOADS[final]]
        else:
            signs_in = {self.crews[i].driver.id for i in DRIVER_LOADS.values()}
            crew = self.rng.choice([c for c in free if c.driver.id not in signs_in])
        if final != Status.DELIVERED:  # a delivered load leaves its driver free again
            free.remove(crew)
        return crew

    async def load(self, final: Status, crew: Crew | None) -> None:
        rng = self.rng
        origin = crew.hub if crew else rng.choice(HUBS)
        trailer = (
            crew.trailer if crew else rng.choices(["dry_van", "reefer", "flatbed"], [6, 2, 2])[0]
        )
        tale = story_for(final, rng, self.now, crew, origin)
        body = body_for(rng, self.account, trailer, origin, tale)
        offline = estimate_for(self.settings)  # demo data stays offline
        shipment = await booking.book(self.session, self.staff, body, offline)

        async def given() -> Driver:
            assert crew is not None
            return crew.driver

        async def between(action: str) -> None:
            fixes = tale.fixes.get(action)
            if crew is not None and fixes:
                await tracks.post(self.session, self.feed, crew.driver.id, fixes, self.settings)

        await advance(
            self.session,
            self.staff,
            shipment.id,
            final,
            given,
            self.planning,
            self.store,
            times=tale.times,
            between=between,
            reason=rng.choice(CANCEL_REASONS),
        )


async def seed_demo(
    session: AsyncSession, hasher: PasswordHasher, store: FileStore, settings: Settings
) -> list[DemoLogin] | None:
    """Create the demo organisation and its UAT data; None when it already exists."""
    exists = await session.scalar(select(User.id).where(User.email == DEMO_USERS[0][1]))
    if exists is not None:
        return None
    org = Organization(name=DEMO_ORG)
    session.add(org)
    await session.flush()
    seeder = Seeder(session, settings, store, random.Random(2026))  # noqa: S311 (demo data)
    logins = await seeder.people(hasher, org)
    await rates.put_card(session, seeder.admin, RATES)
    free = [c for c in seeder.crews if c.driver.status == DriverStatus.AVAILABLE]
    for final, count in STATUS_MIX.items():
        for n in range(count):
            await seeder.load(final, seeder.crew_for(final, n, free))
    # The made-up history is not mailed: mail starts with what happens from now on.
    await start_at_newest(session, MAIL_KIND)
    return logins


async def advance(
    session: AsyncSession,
    staff: Actor,
    shipment_id: uuid.UUID,
    final: Status,
    driver_for: Callable[[], Awaitable[Driver]],
    planning: assignment.Planning,
    store: FileStore,
    signature: bytes = DEMO_SIGNATURE,
    *,
    times: Mapping[str, datetime] | None = None,
    between: Callable[[str], Awaitable[None]] | None = None,
    reason: str = "shipper cancelled",
) -> None:
    """Take a PENDING shipment to ``final`` by the state machine's shortest path, as staff.

    ``driver_for`` is asked for a driver only when the path assigns one. ``times`` gives
    a move (by its action: pickup, depart, deliver, cancel) the time it happened;
    ``between`` is awaited before each move with its action, and with ``"done"`` after.
    """
    times = times or {}
    for target, move in path_to(final):
        if between is not None:
            await between(move.action)
        at = times.get(move.action)
        if move.action == "assign":
            driver = await driver_for()
            await assignment.assign(session, staff, shipment_id, driver.id, None, planning)
        elif move.action == "cancel":
            await shipments.transition(
                session, staff, shipment_id, target, via="cancel", reason=reason, at=at
            )
        elif move.action == "deliver":
            proof = pod.PodInput(
                "Receiving clerk", pod.Upload("signature", None, signature), [], None, None, at
            )
            limits = pod.PodLimits(10 * 1024 * 1024, 10, 40_000_000)
            await pod.deliver(session, staff, store, shipment_id, proof, limits)
        elif move.via is None:
            await shipments.transition(session, staff, shipment_id, target, at=at)
        else:
            raise NotImplementedError(f"seeding cannot {move.action} a shipment yet")
    if between is not None:
        await between("done")
