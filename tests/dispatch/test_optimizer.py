"""The auto-dispatch optimiser: worked examples, every infeasibility rule, and properties."""

# Seeded pseudo-random test data, not cryptography.
# ruff: noqa: S311

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from freight.dispatch.optimizer import (
    DriverCandidate,
    LoadCandidate,
    Plan,
    PlanParams,
    Unassigned,
    check_pair,
    propose,
)
from freight.geo import EARTH_RADIUS_KM, haversine_km, haversine_matrix_km

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PARAMS = PlanParams(now=NOW)
# On the equator a degree of longitude is exactly this much great-circle distance.
KM_PER_DEG = EARTH_RADIUS_KM * math.pi / 180
ROAD_KM_PER_DEG = KM_PER_DEG * 1.2


def driver(
    n: int,
    lng: float,
    lat: float = 0.0,
    equipment: tuple[str, ...] = ("dry_van",),
    capacity: float | None = None,
    hos: int = 660,
) -> DriverCandidate:
    return DriverCandidate(UUID(int=n), lat, lng, frozenset(equipment), capacity, hos)


def load(
    n: int,
    lng: float,
    lat: float = 0.0,
    equipment: str = "dry_van",
    weight: float = 10_000.0,
    start_h: float = 0.0,
    end_h: float = 24.0,
    drive: float = 0.0,
) -> LoadCandidate:
    start, end = NOW + timedelta(hours=start_h), NOW + timedelta(hours=end_h)
    return LoadCandidate(UUID(int=1000 + n), lat, lng, equipment, weight, start, end, drive)


def pairs(plan: Plan) -> set[tuple[int, int]]:
    return {(a.load_id.int - 1000, a.driver_id.int) for a in plan.assignments}


def test_haversine_matches_known_distances() -> None:
    assert haversine_km(0.0, 0.0, 0.0, 1.0) == pytest.approx(KM_PER_DEG, rel=1e-12)
    assert haversine_km(-90.0, 0.0, 90.0, 0.0) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert haversine_km(41.8781, -87.6298, 40.7128, -74.0060) == pytest.approx(1144.3, abs=1.0)
    assert haversine_km(33.0, -97.0, 33.0, -97.0) == 0.0


def test_haversine_matrix_agrees_with_scalar() -> None:
    rng = random.Random(7)
    a = [(rng.uniform(-80, 80), rng.uniform(-180, 180)) for _ in range(6)]
    b = [(rng.uniform(-80, 80), rng.uniform(-180, 180)) for _ in range(4)] + [a[0]]
    matrix = haversine_matrix_km(*zip(*a, strict=True), *zip(*b, strict=True))
    assert matrix.shape == (6, 5)
    for i, (lat1, lng1) in enumerate(a):
        for j, (lat2, lng2) in enumerate(b):
            assert matrix[i, j] == pytest.approx(haversine_km(lat1, lng1, lat2, lng2), abs=1e-9)
    assert haversine_matrix_km([], [], [1.0], [2.0]).shape == (0, 1)


def test_optimal_beats_greedy_on_a_worked_example() -> None:
    # Greedy serves the earlier load L1 from D2 (0.9 deg) and leaves D1 3 deg from L2.
    drivers = [driver(1, 0.0), driver(2, 2.0)]
    loads = [load(1, 1.1, start_h=0.0), load(2, 3.0, start_h=1.0)]
    plan = propose(drivers, loads, PARAMS)
    assert pairs(plan) == {(1, 1), (2, 2)}
    assert plan.optimal_deadhead_km == pytest.approx((1.1 + 1.0) * ROAD_KM_PER_DEG)
    assert plan.greedy_deadhead_km == pytest.approx((0.9 + 3.0) * ROAD_KM_PER_DEG)
    assert plan.km_saved == pytest.approx(1.8 * ROAD_KM_PER_DEG)
    assert plan.percent_saved == pytest.approx(100 * 1.8 / 3.9)
    assert plan.greedy_assigned_count == plan.assigned_count == 2
    first = plan.assignments[0]
    minutes = 1.1 * ROAD_KM_PER_DEG / 65.0 * 60.0
    assert first.load_id == loads[0].id
    assert first.minutes_to_pickup == pytest.approx(minutes)
    assert first.wait_minutes == 0.0
    assert first.slack_minutes == pytest.approx(24 * 60 - minutes)
    assert first.hos_minutes_after == pytest.approx(660 - minutes)
    assert first.equipment_ok and first.capacity_ok and first.hours_ok


def test_early_arrival_waits_for_the_window() -> None:
    plan = propose([driver(1, 0.5)], [load(1, 0.0, start_h=10.0, end_h=12.0, drive=30)], PARAMS)
    minutes = 0.5 * ROAD_KM_PER_DEG / 65.0 * 60.0
    (only,) = plan.assignments
    assert only.wait_minutes == pytest.approx(600 - minutes)
    assert only.slack_minutes == pytest.approx(720 - minutes)
    assert only.hos_minutes_after == pytest.approx(660 - minutes - 30)


@pytest.mark.parametrize(
    ("the_driver", "the_load", "reason"),
    [
        (driver(1, 0.0, equipment=("flatbed",)), load(1, 0.1), "equipment"),
        (driver(1, 0.0, capacity=9_999.0), load(1, 0.1, weight=10_000.0), "capacity"),
        # 1 deg is ~123 min of deadhead; with 600 min loaded that exceeds 660.
        (driver(1, 0.0), load(1, 1.0, drive=600.0), "hours"),
        # 3 deg is ~370 min away; the window closes after 360.
        (driver(1, 0.0), load(1, 3.0, end_h=6.0), "window"),
    ],
)
def test_each_rule_rules_a_pair_out(
    the_driver: DriverCandidate, the_load: LoadCandidate, reason: str
) -> None:
    assert check_pair(the_driver, the_load, PARAMS).reasons == (reason,)
    plan = propose([the_driver], [the_load], PARAMS)
    assert plan.assignments == []
    assert plan.unassigned == [Unassigned(the_load.id, "no_feasible_driver", {reason: 1})]


def test_rule_boundaries_are_inclusive() -> None:
    assert check_pair(driver(1, 0.0, capacity=10_000.0), load(1, 0.0), PARAMS).feasible
    assert check_pair(driver(1, 0.0, hos=100), load(1, 0.0, drive=100.0), PARAMS).feasible
    assert check_pair(driver(1, 0.0), load(1, 0.0, start_h=0.0, end_h=0.0), PARAMS).feasible
    assert not check_pair(driver(1, 0.0, hos=0), load(1, 0.0, drive=1.0), PARAMS).feasible


def test_ruled_out_counts_every_failing_rule() -> None:
    drivers = [
        driver(1, 0.0, equipment=("reefer",)),
        driver(2, 0.0, equipment=("flatbed",), capacity=1_000.0),
        driver(3, 3.0),
    ]
    plan = propose(drivers, [load(1, 0.0, end_h=6.0)], PARAMS)
    assert plan.unassigned[0].ruled_out == {"equipment": 2, "capacity": 1, "window": 1}


def test_more_loads_than_drivers() -> None:
    loads = [load(1, 0.3), load(2, 0.1), load(3, 0.2)]
    plan = propose([driver(1, 0.0)], loads, PARAMS)
    assert pairs(plan) == {(2, 1)}
    assert [u.reason for u in plan.unassigned] == ["outcompeted", "outcompeted"]
    assert all(u.ruled_out == {} for u in plan.unassigned)


def test_more_drivers_than_loads() -> None:
    drivers = [driver(1, 0.3), driver(2, -0.1, equipment=("reefer",)), driver(3, 0.2)]
    plan = propose(drivers, [load(1, 0.0)], PARAMS)
    assert pairs(plan) == {(1, 3)}
    assert plan.unassigned == []


def test_covering_more_loads_beats_fewer_km() -> None:
    # D1 alone is 0.1 deg from L1; taking it strands L2, which only D1 can haul.
    drivers = [driver(1, 0.0, equipment=("dry_van", "reefer")), driver(2, 5.0, hos=100_000)]
    loads = [load(1, 0.1, start_h=0.0, end_h=72.0), load(2, 0.2, equipment="reefer")]
    plan = propose(drivers, loads, PARAMS)
    assert pairs(plan) == {(1, 2), (2, 1)}
    assert plan.optimal_deadhead_km == pytest.approx((4.9 + 0.2) * ROAD_KM_PER_DEG)
    # The greedy covers one load cheaply; the comparison reports both plans as they are.
    assert plan.greedy_assigned_count == 1
    assert plan.greedy_deadhead_km == pytest.approx(0.1 * ROAD_KM_PER_DEG)
    assert plan.km_saved == pytest.approx(-5.0 * ROAD_KM_PER_DEG)
    assert plan.km_saved < 0


def test_ties_go_to_the_lower_id_whatever_the_input_order() -> None:
    drivers = [driver(2, 0.1), driver(1, -0.1)]
    for ordering in (drivers, drivers[::-1]):
        assert pairs(propose(ordering, [load(1, 0.0)], PARAMS)) == {(1, 1)}


def test_empty_inputs() -> None:
    for drivers, loads in (([], []), ([driver(1, 0.0)], []), ([], [load(1, 0.0)])):
        plan = propose(drivers, loads, PARAMS)
        assert plan.assignments == []
        assert plan.optimal_deadhead_km == plan.greedy_deadhead_km == plan.km_saved == 0.0
        assert plan.percent_saved == 0.0
        assert plan.unassigned == [Unassigned(ld.id, "no_feasible_driver", {}) for ld in loads]


def test_invalid_input_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        PlanParams(now=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="positive"):
        PlanParams(now=NOW, average_speed_kmh=0.0)
    with pytest.raises(ValueError, match="unique"):
        propose([driver(1, 0.0), driver(1, 1.0)], [load(1, 0.0)], PARAMS)


# --- properties over random instances -------------------------------------------------


def random_instance(
    rng: random.Random, n_drivers: int, n_loads: int
) -> tuple[list[DriverCandidate], list[LoadCandidate]]:
    """Drivers and loads over ~400 km with a mix of every rule passing and failing."""
    kinds = ["dry_van", "reefer", "flatbed"]
    drivers = [
        DriverCandidate(
            UUID(int=rng.getrandbits(64)),
            rng.uniform(39.0, 42.0),
            rng.uniform(-90.0, -86.0),
            frozenset(rng.sample(kinds, rng.randint(1, 2))),
            None if rng.random() < 0.3 else rng.uniform(5_000, 25_000),
            rng.randint(0, 660),
        )
        for _ in range(n_drivers)
    ]
    loads: list[LoadCandidate] = []
    for _ in range(n_loads):
        start = NOW + timedelta(minutes=rng.uniform(-120, 1800))  # three 12-hour steps
        loads.append(
            LoadCandidate(
                UUID(int=rng.getrandbits(64)),
                rng.uniform(39.0, 42.0),
                rng.uniform(-90.0, -86.0),
                rng.choice(kinds),
                rng.uniform(1_000, 24_000),
                start,
                start + timedelta(minutes=rng.uniform(30, 360)),
                rng.uniform(30, 500),
            )
        )
    return drivers, loads


WAIT_KM_PER_HOUR = 10.0  # PlanParams' default, restated


def independent_km(d: DriverCandidate, ld: LoadCandidate) -> float | None:
    """Road km when the pair passes every rule, else None; written apart from the module
    (the instances are small enough that no rest is due on the way)."""
    km = 1.2 * haversine_km(d.lat, d.lng, ld.pickup_lat, ld.pickup_lng)
    minutes = km / 65.0 * 60.0
    assert minutes < 8 * 60
    ok = (
        ld.equipment_type in d.equipment_types
        and (d.capacity_kg is None or d.capacity_kg >= ld.weight_kg)
        and minutes + ld.drive_minutes <= d.hos_minutes_remaining
        and NOW + timedelta(minutes=minutes) <= ld.pickup_window_end
    )
    return km if ok else None


def pair_cost(km: float, ld: LoadCandidate) -> float:
    """Empty km plus the driver's hours until the load starts (10 km each): the drive,
    or the wait for the window when that opens later."""
    opens = (ld.pickup_window_start - NOW).total_seconds() / 60
    return km + max(opens, km / 65.0 * 60.0) / 60 * WAIT_KM_PER_HOUR


def brute_force(km: list[list[float | None]], loads: list[LoadCandidate]) -> tuple[int, float]:
    """Best (covered, -cost) over every partial one-to-one plan."""
    best = (0, 0.0)

    def walk(i: int, used: frozenset[int], covered: int, total: float) -> None:
        nonlocal best
        if i == len(km):
            best = max(best, (covered, -total))
            return
        walk(i + 1, used, covered, total)
        for j, road in enumerate(km[i]):
            if road is not None and j not in used:
                walk(i + 1, used | {j}, covered + 1, total + pair_cost(road, loads[i]))

    walk(0, frozenset(), 0, 0.0)
    return best[0], -best[1]


@pytest.mark.parametrize("seed", range(4))
def test_plans_are_feasible_and_optimal_on_random_instances(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(50):
        drivers, loads = random_instance(rng, rng.randint(0, 6), rng.randint(0, 6))
        plan = propose(drivers, loads, PARAMS)
        km = [[independent_km(d, ld) for d in drivers] for ld in loads]
        by_id = {ld.id: i for i, ld in enumerate(loads)}
        driver_index = {d.id: j for j, d in enumerate(drivers)}
        for a in plan.assignments:
            cost = km[by_id[a.load_id]][driver_index[a.driver_id]]
            assert cost is not None, "an infeasible pair was assigned"
            assert a.deadhead_km == pytest.approx(cost)
        assert len({a.driver_id for a in plan.assignments}) == plan.assigned_count
        assert plan.assigned_count + len(plan.unassigned) == len(loads)
        covered, total = brute_force(km, loads)
        assert plan.assigned_count == covered
        by_load = {ld.id: ld for ld in loads}
        cost = math.fsum(pair_cost(a.deadhead_km, by_load[a.load_id]) for a in plan.assignments)
        assert cost == pytest.approx(total)
        assert plan.greedy_assigned_count <= plan.assigned_count


def test_unassigned_reasons_hold_on_a_larger_random_instance() -> None:
    drivers, loads = random_instance(random.Random(42), 40, 60)
    plan = propose(drivers, loads, PARAMS)
    busy = {a.driver_id for a in plan.assignments}
    by_id = {ld.id: ld for ld in loads}
    assert plan.assigned_count > 0 and plan.unassigned
    for u in plan.unassigned:
        feasible = [d.id for d in drivers if independent_km(d, by_id[u.load_id]) is not None]
        if u.reason == "outcompeted":
            assert feasible and set(feasible) <= busy
        else:
            assert feasible == [] and u.ruled_out
            checks = [check_pair(d, by_id[u.load_id], PARAMS) for d in drivers]
            for reason, count in u.ruled_out.items():
                assert count == sum(reason in c.reasons for c in checks)


def test_same_input_same_plan_in_any_order() -> None:
    drivers, loads = random_instance(random.Random(3), 30, 30)
    # Co-located pairs and duplicate equipment create ties the solver must break the same way.
    drivers += [replace(d, id=UUID(int=d.id.int + 1)) for d in drivers[:5]]
    first = replace(propose(drivers, loads, PARAMS), solve_ms=0.0)
    again = replace(propose(drivers, loads, PARAMS), solve_ms=0.0)
    shuffled = replace(propose(drivers[::-1], loads[::-1], PARAMS), solve_ms=0.0)
    assert first == again == shuffled


def test_a_load_three_days_out_does_not_take_the_driver_from_tomorrows() -> None:
    # 1,500 km empty to a load three days out, or 1,800 km to tomorrow's: the old rule
    # (least deadhead) sent the driver to the far-off one and left tomorrow's uncovered.
    tomorrow = load(1, 1_800 / ROAD_KM_PER_DEG, start_h=20, end_h=60)
    three_days = load(2, 1_500 / ROAD_KM_PER_DEG, start_h=72, end_h=80)
    plan = propose([driver(1, 0.0, hos=4200)], [tomorrow, three_days], PARAMS)
    assert pairs(plan) == {(1, 1)}
    assert plan.unassigned == [Unassigned(three_days.id, "beyond_horizon")]
    # A longer horizon (a setting) puts it in the plan's reach.
    longer = replace(PARAMS, horizon_hours=96)
    plan = propose([driver(1, 0.0, hos=4200)], [tomorrow, three_days], longer)
    assert plan.assigned_count == 1
    assert [u.reason for u in plan.unassigned] == ["outcompeted"]


def test_the_earlier_pickup_is_preferred_unless_it_is_much_further() -> None:
    # One driver. 300 km to a pickup opening in 2 h (there in 4 h 37 min: 300 + 46 = 346)
    # or 100 km to one opening in 30 h (100 + 300 = 400): the earlier one.
    soon = load(1, 300 / ROAD_KM_PER_DEG, start_h=2, end_h=14)
    later = load(2, 100 / ROAD_KM_PER_DEG, start_h=30, end_h=34)
    the_driver = [driver(1, 0.0, hos=4200)]
    assert pairs(propose(the_driver, [soon, later], PARAMS)) == {(1, 1)}
    # 500 km to the early one (500 + 77 = 577) is too far: the later one.
    far_soon = replace(soon, pickup_lng=500 / ROAD_KM_PER_DEG)
    assert pairs(propose(the_driver, [far_soon, later], PARAMS)) == {(2, 1)}


def test_waiting_at_a_pickup_is_weighed_against_empty_km() -> None:
    # 80 km to a load opening in 20 h (80 + 200 = 280) or 200 km to one open now
    # (200 + 31 = 231): the driver's day is worth more than the 120 km. With the time
    # free, the nearer one.
    near_later = load(1, 80 / ROAD_KM_PER_DEG, start_h=20, end_h=30)
    far_now = load(2, 200 / ROAD_KM_PER_DEG, start_h=0, end_h=20)
    the_driver = [driver(1, 0.0, hos=4200)]
    assert pairs(propose(the_driver, [near_later, far_now], PARAMS)) == {(2, 1)}
    free_waiting = replace(PARAMS, wait_km_per_hour=0.0)
    assert pairs(propose(the_driver, [near_later, far_now], free_waiting)) == {(1, 1)}


def test_rests_on_the_way_can_make_a_pickup_window_unreachable() -> None:
    # 1,000 road km at 65 km/h is 15 h 23 min of driving: with a break and 10 hours off
    # the driver is there after about 25 h 53 min, after a window that closes at 20 h.
    far = load(1, 1_000 / ROAD_KM_PER_DEG, start_h=0, end_h=20)
    check = check_pair(driver(1, 0.0, hos=4200), far, PARAMS)
    assert check.minutes_to_pickup == pytest.approx(1_000 / 65 * 60)
    assert check.arrive_minutes == pytest.approx(1_000 / 65 * 60 + 600 + 30)
    assert check.reasons == ("window",)
    plan = propose(
        [driver(1, 0.0, hos=4200)],
        [replace(far, pickup_window_end=NOW + timedelta(hours=30))],
        PARAMS,
    )
    [pair] = plan.assignments
    assert pair.arrive_minutes == pytest.approx(check.arrive_minutes)
    assert pair.slack_minutes == pytest.approx(30 * 60 - check.arrive_minutes)
