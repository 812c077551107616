"""The board's vectorised picker ranks exactly as checking every pair one at a time would:
who fits first (the assignment's own refusal rule), then the nearest, then by name."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from freight.dispatch.assignment import refusal
from freight.dispatch.picker import Seat, rank
from freight.fleet.models import Driver, Vehicle
from freight.fleet.statuses import DriverStatus, VehicleStatus
from freight.geo import haversine_km
from freight.shipments.models import Shipment, Stop

KINDS = ["dry_van", "reefer", "flatbed"]
ROAD = 1.2


def load(rng: random.Random, i: int) -> Shipment:
    start = datetime(2026, 3, 2, 12, tzinfo=UTC)

    def stop(kind: str, seq: int) -> Stop:
        return Stop(
            kind=kind,
            sequence=seq,
            city="X",
            lat=rng.uniform(30, 45),
            lng=rng.uniform(-120, -75),
            window_start=start,
            window_end=start + timedelta(hours=4),
            timezone="America/Chicago",
        )

    return Shipment(
        id=uuid.uuid4(),
        reference=f"FRT-{i:06d}",
        status="PENDING",
        equipment_type=rng.choice(KINDS),
        weight_kg=rng.choice([5_000, 15_000, 21_000]),
        stops=[stop("delivery", 1), stop("pickup", 0)],
    )


def seat(rng: random.Random, i: int) -> Seat:
    truck = None
    if i % 4:
        truck = Vehicle(
            id=uuid.uuid4(),
            number=f"T-{i}",
            equipment_type=rng.choice(KINDS),
            capacity_kg=rng.choice([10_000, 20_000, 22_000]),
            status=VehicleStatus.MAINTENANCE if i % 9 == 0 else VehicleStatus.ACTIVE,
        )
    placed = i % 7 != 0  # some drivers have no known position
    driver = Driver(
        id=uuid.uuid4(),
        full_name=f"Driver {i:03d}",
        equipment_types=rng.sample(KINDS, rng.randint(1, 3)),
        status=DriverStatus.AVAILABLE,
        current_shipment_id=None,
        home_lat=rng.uniform(30, 45) if placed else None,
        home_lng=rng.uniform(-120, -75) if placed else None,
        vehicle_id=truck.id if truck else None,
    )
    return Seat(driver, truck)


def one_at_a_time(shipment: Shipment, seats: list[Seat]) -> list[tuple[uuid.UUID, str | None]]:
    pickup = next(s for s in shipment.stops if s.kind == "pickup")
    ranked = []
    for n, s in enumerate(seats):
        where = s.driver.position
        km = ROAD * haversine_km(*where, pickup.lat, pickup.lng) if where else None
        problem = refusal(s.driver, s.vehicle, shipment, None)
        ranked.append(((problem is not None, km is None, km or 0.0, n), s.driver.id, problem))
    return [(driver_id, problem) for _, driver_id, problem in sorted(ranked)]


def test_the_best_few_and_the_whole_ranking_match_pair_by_pair_checks() -> None:
    rng = random.Random(3)  # noqa: S311 - test data
    loads = [load(rng, i) for i in range(40)]
    seats = [seat(rng, i) for i in range(60)]
    top = rank(loads, seats, ROAD, top=6)
    whole = rank(loads, seats, ROAD, top=None)
    for shipment, few, every in zip(loads, top, whole, strict=True):
        expected = one_at_a_time(shipment, seats)
        assert [(c.driver_id, c.problem) for c in every] == expected
        assert [c.driver_id for c in few] == [d for d, _ in expected[:6]]
    # the data has every case: drivers who cannot take a load, and unknown positions
    assert any(c.problem for every in whole for c in every)
    assert any(c.deadhead_km is None for every in whole for c in every)


def test_a_chosen_driver_joins_the_few_and_empty_inputs() -> None:
    rng = random.Random(5)  # noqa: S311 - test data
    loads = [load(rng, i) for i in range(3)]
    seats = [seat(rng, i) for i in range(20)]
    last = rank(loads[:1], seats, ROAD, top=None)[0][-1]
    keep = {loads[0].id: last.driver_id}
    (few,) = rank(loads[:1], seats, ROAD, top=3, keep=keep)
    assert len(few) == 4 and few[-1] == last
    assert rank([], seats, ROAD) == []
    assert rank(loads, [], ROAD) == [[], [], []]
