"""What the dispatch board shows: pending loads with a ranked driver picker, free drivers,
loads on the road, and a stored auto-dispatch plan, all read through the caller's scope."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, scoped
from freight.dispatch.assignment import refusal
from freight.dispatch.schemas import (
    BoardActive,
    BoardDriver,
    BoardLoad,
    BoardRead,
    BoardStop,
    CandidateRead,
)
from freight.fleet.models import Driver, Vehicle, driver_is_free
from freight.geo import haversine_km
from freight.shipments.lifecycle import ACTIVE, Status
from freight.shipments.models import Shipment, Stop
from freight.shipments.queries import ends, visible
from freight.shipments.service import get_visible

BOARD_LIMIT = 200  # per column; the board says when there are more


@dataclass(frozen=True)
class Choice:
    """One driver in a load's picker: how far away, and why they cannot take it (if so)."""

    driver_id: uuid.UUID
    name: str
    deadhead_km: float | None
    problem: str | None

    @property
    def label(self) -> str:
        """``Drew — 12 km`` or ``Drew — 12 km, not qualified for flatbed``."""
        parts = [f"{self.deadhead_km:,.0f} km away" if self.deadhead_km is not None else ""]
        if self.problem:
            parts.append(self.problem)
        detail = ", ".join(p for p in parts if p)
        return f"{self.name} — {detail}" if detail else self.name


@dataclass(frozen=True)
class LoadCard:
    shipment: Shipment
    pickup: Stop
    delivery: Stop
    choices: list[Choice]


@dataclass(frozen=True)
class DriverCard:
    driver: Driver
    vehicle: Vehicle | None
    position: tuple[float, float] | None


@dataclass(frozen=True)
class ActiveCard:
    shipment: Shipment
    pickup: Stop
    delivery: Stop
    driver: Driver | None
    position: tuple[float, float] | None  # the truck's last fix, else the driver's


@dataclass
class Board:
    loads: list[LoadCard] = field(default_factory=list)
    drivers: list[DriverCard] = field(default_factory=list)
    active: list[ActiveCard] = field(default_factory=list)
    more_loads: bool = False
    more_drivers: bool = False
    more_active: bool = False


def _first_window(shipment: Shipment) -> Any:
    return ends(shipment)[0].window_start


def choices_for(
    shipment: Shipment, drivers: Sequence[DriverCard], road_factor: float
) -> list[Choice]:
    """Free drivers for a load, those who fit first, nearest first."""
    pickup, _ = ends(shipment)
    out = []
    for card in drivers:
        km = None
        if card.position is not None:
            km = haversine_km(card.position[0], card.position[1], pickup.lat, pickup.lng)
            km *= road_factor
        problem = refusal(card.driver, card.vehicle, shipment, None)
        out.append(Choice(card.driver.id, card.driver.full_name, km, problem))
    return sorted(out, key=lambda c: (c.problem is not None, c.deadhead_km or 0.0, c.name))


async def _vehicles(session: AsyncSession, actor: Actor, ids: set[uuid.UUID]) -> dict[Any, Vehicle]:
    if not ids:
        return {}
    rows = await session.execute(scoped(Vehicle, actor).where(Vehicle.id.in_(ids)))
    return {v.id: v for v in rows.scalars()}


async def free_drivers(session: AsyncSession, actor: Actor) -> tuple[list[DriverCard], bool]:
    """Available drivers without a load, by name."""
    stmt = (
        scoped(Driver, actor)
        .where(driver_is_free())
        .order_by(Driver.full_name, Driver.id)
        .limit(BOARD_LIMIT + 1)
    )
    rows = list((await session.execute(stmt)).scalars())
    vehicles = await _vehicles(session, actor, {d.vehicle_id for d in rows if d.vehicle_id})
    cards = [
        DriverCard(d, vehicles.get(d.vehicle_id) if d.vehicle_id else None, d.position)
        for d in rows[:BOARD_LIMIT]
    ]
    return cards, len(rows) > BOARD_LIMIT


async def _shipments(
    session: AsyncSession, actor: Actor, statuses: Sequence[Status]
) -> tuple[list[Shipment], bool]:
    stmt = (
        visible(select(Shipment), actor)
        .where(Shipment.status.in_([s.value for s in statuses]))
        .order_by(Shipment.created_at, Shipment.id)
        .limit(BOARD_LIMIT + 1)
    )
    rows = list((await session.execute(stmt)).scalars())
    return rows[:BOARD_LIMIT], len(rows) > BOARD_LIMIT


async def load_board(session: AsyncSession, actor: Actor, road_factor: float) -> Board:
    """Everything on the board, in the caller's organisation."""
    board = Board()
    board.drivers, board.more_drivers = await free_drivers(session, actor)
    pending, board.more_loads = await _shipments(session, actor, [Status.PENDING])
    pending.sort(key=_first_window)  # the next pickup first
    for shipment in pending:
        pickup, delivery = ends(shipment)
        choices = choices_for(shipment, board.drivers, road_factor)
        board.loads.append(LoadCard(shipment, pickup, delivery, choices))
    active, board.more_active = await _shipments(session, actor, sorted(ACTIVE))
    holders = {s.driver_id for s in active if s.driver_id}
    drivers: dict[Any, Driver] = {}
    if holders:
        rows = await session.execute(scoped(Driver, actor).where(Driver.id.in_(holders)))
        drivers = {d.id: d for d in rows.scalars()}
    for shipment in active:
        pickup, delivery = ends(shipment)
        driver = drivers.get(shipment.driver_id)
        position: tuple[float, float] | None = None
        if shipment.last_lat is not None and shipment.last_lng is not None:
            position = (shipment.last_lat, shipment.last_lng)
        elif driver is not None:
            position = driver.position
        board.active.append(ActiveCard(shipment, pickup, delivery, driver, position))
    return board


async def candidates(
    session: AsyncSession, actor: Actor, shipment_id: uuid.UUID, road_factor: float
) -> list[CandidateRead]:
    """The free drivers for one load, ranked as the board's picker ranks them."""
    shipment = await get_visible(session, actor, shipment_id)
    drivers, _ = await free_drivers(session, actor)
    return [_candidate(c) for c in choices_for(shipment, drivers, road_factor)]


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
            lat=a.position[0] if a.position else None,
            lng=a.position[1] if a.position else None,
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
