"""What the dispatch board shows: pending loads with the best few drivers for each
(``picker``), free drivers and loads on the road, with their shipper accounts' names, all
read through the caller's scope."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, scoped
from freight.dispatch import offers
from freight.dispatch.models import OfferStatus
from freight.dispatch.picker import Choice, Seat, rank
from freight.dispatch.schemas import (
    BoardActive,
    BoardDriver,
    BoardLoad,
    BoardRead,
    BoardStop,
    CandidateRead,
)
from freight.fleet.models import Driver, Vehicle, driver_is_free
from freight.identity import accounts
from freight.places.nearby import Nearby, as_json, nearby_many
from freight.schema import NearPlace
from freight.shipments.lifecycle import ACTIVE, Status
from freight.shipments.models import Shipment, Stop
from freight.shipments.queries import ends, visible
from freight.shipments.service import get_visible

# Per list: every pending load of a busy carrier's day fits (the page says when not).
PENDING_LIMIT = 1000
DRIVER_LIMIT = 1000
ACTIVE_LIMIT = 200


@dataclass(frozen=True)
class LoadCard:
    shipment: Shipment
    pickup: Stop
    delivery: Stop
    choices: list[Choice]
    customer: str
    offer: OnOffer | None = None


@dataclass(frozen=True)
class OnOffer:
    """The offer a pending load is out on: to whom, until when, which step of how many."""

    offer_id: uuid.UUID
    driver_name: str
    expires_at: datetime | None
    rank: int
    steps: int  # 1 for a single offer


@dataclass(frozen=True)
class DriverCard:
    driver: Driver
    vehicle: Vehicle | None
    position: tuple[float, float] | None
    near: Nearby | None = None
    seen_at: datetime | None = None  # the last fix's time (None: home base or unknown)


@dataclass(frozen=True)
class ActiveCard:
    shipment: Shipment
    pickup: Stop
    delivery: Stop
    driver: Driver | None
    position: tuple[float, float] | None  # the truck's last fix, else the driver's
    customer: str
    near: Nearby | None = None
    seen_at: datetime | None = None

    @property
    def late_risk(self) -> bool:
        """The stored ETA (at the next stop) is after that stop's window closes: the
        pickup's until the load is on board, then the delivery's."""
        eta = self.shipment.eta
        if eta is None:
            return False
        stop = self.pickup if self.shipment.status == Status.ASSIGNED else self.delivery
        closes = stop.window_end
        if closes.tzinfo is None and eta.tzinfo is not None:
            closes = closes.replace(tzinfo=eta.tzinfo)
        elif eta.tzinfo is None and closes.tzinfo is not None:
            eta = eta.replace(tzinfo=closes.tzinfo)
        return eta > closes


@dataclass
class Board:
    loads: list[LoadCard] = field(default_factory=list)
    drivers: list[DriverCard] = field(default_factory=list)
    active: list[ActiveCard] = field(default_factory=list)
    more_loads: bool = False
    more_drivers: bool = False
    more_active: bool = False


def _first_window(shipment: Shipment) -> tuple[Any, str]:
    return ends(shipment)[0].window_start, shipment.reference


async def _vehicles(session: AsyncSession, actor: Actor, ids: set[uuid.UUID]) -> dict[Any, Vehicle]:
    if not ids:
        return {}
    rows = await session.execute(scoped(Vehicle, actor).where(Vehicle.id.in_(ids)))
    return {v.id: v for v in rows.scalars()}


async def free_drivers(session: AsyncSession, actor: Actor) -> tuple[list[DriverCard], bool]:
    """Drivers a load can be given now (trucks in service), by name."""
    stmt = (
        scoped(Driver, actor)
        .where(driver_is_free())
        .order_by(Driver.full_name, Driver.id)
        .limit(DRIVER_LIMIT + 1)
    )
    rows = list((await session.execute(stmt)).scalars())
    vehicles = await _vehicles(session, actor, {d.vehicle_id for d in rows if d.vehicle_id})
    cards = [
        DriverCard(
            d,
            vehicles.get(d.vehicle_id) if d.vehicle_id else None,
            d.position,
            seen_at=d.position_at if d.lat is not None else None,
        )
        for d in rows[:DRIVER_LIMIT]
    ]
    return cards, len(rows) > DRIVER_LIMIT


async def in_words(cards: Sequence[DriverCard | ActiveCard]) -> list[Any]:
    """The cards with the nearest place to each position, in one batch off the event loop
    (the first call loads the place index)."""
    near = await anyio.to_thread.run_sync(nearby_many, [c.position for c in cards])
    return [replace(c, near=n) for c, n in zip(cards, near, strict=True)]


def _seats(cards: Sequence[DriverCard]) -> list[Seat]:
    return [Seat(c.driver, c.vehicle) for c in cards]


async def _shipments(
    session: AsyncSession, actor: Actor, statuses: Sequence[Status], limit: int
) -> tuple[list[Shipment], bool]:
    stmt = (
        visible(select(Shipment), actor)
        .where(Shipment.status.in_([s.value for s in statuses]))
        .order_by(Shipment.created_at, Shipment.id)
        .limit(limit + 1)
    )
    rows = list((await session.execute(stmt)).scalars())
    return rows[:limit], len(rows) > limit


async def _on_offer(
    session: AsyncSession, actor: Actor, shipment_ids: list[uuid.UUID]
) -> dict[uuid.UUID, OnOffer]:
    """The open offer of each of these loads (two queries for the whole board)."""
    live = await offers.live_offers(session, shipment_ids=shipment_ids) if shipment_ids else []
    steps: dict[uuid.UUID, int] = {}
    for offer in live:
        steps[offer.shipment_id] = steps.get(offer.shipment_id, 0) + 1
    open_ = [o for o in live if o.status == OfferStatus.OPEN]
    names: dict[uuid.UUID, str] = {}
    if open_:
        rows = await session.execute(
            scoped(Driver, actor)
            .with_only_columns(Driver.id, Driver.full_name)
            .where(Driver.id.in_({o.driver_id for o in open_}))
        )
        names = {driver_id: name for driver_id, name in rows}
    found = {}
    for offer in open_:
        # a waterfall counts the steps taken before this one too
        total = offer.rank - 1 + steps[offer.shipment_id] if offer.waterfall_id else 1
        found[offer.shipment_id] = OnOffer(
            offer.id, names.get(offer.driver_id, "a driver"), offer.expires_at, offer.rank, total
        )
    return found


async def load_board(
    session: AsyncSession,
    actor: Actor,
    road_factor: float,
    keep: Mapping[uuid.UUID, uuid.UUID] | None = None,
) -> Board:
    """Everything on the board, in the caller's organisation; ``keep`` (load -> driver)
    puts a driver just chosen in that load's picker even when not among the best."""
    board = Board()
    board.drivers, board.more_drivers = await free_drivers(session, actor)
    pending, board.more_loads = await _shipments(session, actor, [Status.PENDING], PENDING_LIMIT)
    pending.sort(key=_first_window)  # the next pickup first
    active, board.more_active = await _shipments(session, actor, sorted(ACTIVE), ACTIVE_LIMIT)
    customers = await accounts.names(session, actor, {s.customer_id for s in pending + active})
    pickers = rank(pending, _seats(board.drivers), road_factor, keep=keep)
    on_offer = await _on_offer(session, actor, [s.id for s in pending])
    for shipment, choices in zip(pending, pickers, strict=True):
        pickup, delivery = ends(shipment)
        customer = customers.get(shipment.customer_id, "")
        offer = on_offer.get(shipment.id)
        board.loads.append(LoadCard(shipment, pickup, delivery, choices, customer, offer))
    holders = {s.driver_id for s in active if s.driver_id}
    drivers: dict[Any, Driver] = {}
    if holders:
        rows = await session.execute(scoped(Driver, actor).where(Driver.id.in_(holders)))
        drivers = {d.id: d for d in rows.scalars()}
    for shipment in active:
        pickup, delivery = ends(shipment)
        driver = drivers.get(shipment.driver_id)
        position: tuple[float, float] | None = None
        seen_at = None
        if shipment.last_lat is not None and shipment.last_lng is not None:
            position, seen_at = (shipment.last_lat, shipment.last_lng), shipment.last_position_at
        elif driver is not None:
            position = driver.position
            seen_at = driver.position_at if driver.lat is not None else None
        customer = customers.get(shipment.customer_id, "")
        card = ActiveCard(shipment, pickup, delivery, driver, position, customer, seen_at=seen_at)
        board.active.append(card)
    worded = await in_words([*board.drivers, *board.active])
    board.drivers, board.active = worded[: len(board.drivers)], worded[len(board.drivers) :]
    return board


async def candidates(
    session: AsyncSession, actor: Actor, shipment_id: uuid.UUID, road_factor: float
) -> list[CandidateRead]:
    """Every free driver for one load, ranked as the board's picker ranks them."""
    shipment = await get_visible(session, actor, shipment_id)
    drivers, _ = await free_drivers(session, actor)
    (ranked,) = rank([shipment], _seats(drivers), road_factor, top=None)
    return [_candidate(c) for c in ranked]


def _candidate(choice: Choice) -> CandidateRead:
    km = None if choice.deadhead_km is None else round(choice.deadhead_km, 1)
    return CandidateRead(
        driver_id=choice.driver_id,
        full_name=choice.name,
        deadhead_km=km,
        fits=choice.problem is None,
        problem=choice.problem,
    )


def _stop(stop: Stop) -> BoardStop:
    return BoardStop(
        city=stop.city,
        region=stop.region,
        country=stop.country,
        lat=stop.lat,
        lng=stop.lng,
        window_start=stop.window_start,
        window_end=stop.window_end,
    )


def _near(near: Nearby | None) -> NearPlace | None:
    said = as_json(near)
    return None if said is None else NearPlace.model_validate(said)


def board_read(board: Board) -> BoardRead:
    """The board as the JSON API answers it."""
    loads = [
        BoardLoad(
            shipment_id=c.shipment.id,
            reference=c.shipment.reference,
            equipment_type=c.shipment.equipment_type,
            weight_kg=c.shipment.weight_kg,
            distance_km=c.shipment.distance_km,
            pickup=_stop(c.pickup),
            delivery=_stop(c.delivery),
            candidates=[_candidate(choice) for choice in c.choices],
        )
        for c in board.loads
    ]
    drivers = [
        BoardDriver(
            driver_id=d.driver.id,
            full_name=d.driver.full_name,
            equipment_types=list(d.driver.equipment_types),
            hos_minutes_remaining=d.driver.hos_minutes_remaining,
            vehicle_id=d.vehicle.id if d.vehicle else None,
            vehicle_number=d.vehicle.number if d.vehicle else None,
            lat=d.position[0] if d.position else None,
            lng=d.position[1] if d.position else None,
            near=_near(d.near),
            seen_at=d.seen_at,
        )
        for d in board.drivers
    ]
    active = [
        BoardActive(
            shipment_id=a.shipment.id,
            reference=a.shipment.reference,
            status=a.shipment.status,
            driver_id=a.driver.id if a.driver else None,
            driver_name=a.driver.full_name if a.driver else None,
            pickup=_stop(a.pickup),
            delivery=_stop(a.delivery),
            eta=a.shipment.eta,
            late_risk=a.late_risk,
            lat=a.position[0] if a.position else None,
            lng=a.position[1] if a.position else None,
            near=_near(a.near),
            seen_at=a.seen_at,
        )
        for a in board.active
    ]
    return BoardRead(
        loads=loads,
        drivers=drivers,
        active=active,
        more_loads=board.more_loads,
        more_drivers=board.more_drivers,
        more_active=board.more_active,
    )
