"""Auto-dispatch optimiser: pure functions over plain dataclasses, no database, no I/O.

The rules a dispatcher expects, in order:

1. plan only the loads whose pickup window opens within the planning horizon (36 h by
   default): a load three days out waits for a later plan, it does not take a driver
   from tomorrow's;
2. cover as many of those loads as possible;
3. then the least cost: empty kilometres plus each driver's time from now until the
   load starts (driving, resting on the way, waiting at the dock for the window), an
   hour of it counted as ``wait_km_per_hour`` km. So a nearer driver wins when both make
   the window, one who makes it beats one who would arrive late, and when not every
   load can be covered the earlier pickups are preferred.

The drive to a pickup includes the rests the hours-of-service rules call for on the
way (``freight.hours_of_service``): a pair is in time when the driver can be there, rests
included, before the window closes. ``propose`` solves this exactly with
``scipy.optimize.linear_sum_assignment`` and, in the same call, runs the greedy baseline
a person would (loads in pickup order, each taking the nearest free driver) so the plan
can say how much it saved.

Empty kilometres and driving times come from a ``RoadTable`` when the caller has one (the
configured router's distance matrix, ``freight.dispatch.plans``), else from the estimate
(great-circle km x ``road_factor`` at ``average_speed_kmh``). Each pair says whether its
numbers were estimated, and the plan how many were.

It is CPU-bound (70-160 ms at 1,000 x 1,000 on 2 cores): async callers run it in a worker
thread (``anyio.to_thread.run_sync``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from uuid import UUID

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from freight.geo import haversine_km, haversine_matrix_km
from freight.hours_of_service import fresh_elapsed_minutes

Reason = Literal["equipment", "capacity", "hours", "window"]
REASONS: tuple[Reason, ...] = ("equipment", "capacity", "hours", "window")
UnassignedReason = Literal["no_feasible_driver", "outcompeted", "beyond_horizon"]

FloatMatrix = npt.NDArray[np.float64]
BoolMatrix = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class DriverCandidate:
    """A driver who could take a load now, with where they are and what they can haul."""

    id: UUID
    lat: float
    lng: float
    equipment_types: frozenset[str]
    capacity_kg: float | None  # vehicle capacity; None means unknown, treated as unlimited
    hos_minutes_remaining: int


@dataclass(frozen=True, slots=True)
class LoadCandidate:
    """A load waiting for a driver; ``drive_minutes`` is the loaded drive for the whole load."""

    id: UUID
    pickup_lat: float
    pickup_lng: float
    equipment_type: str
    weight_kg: float
    pickup_window_start: datetime
    pickup_window_end: datetime
    drive_minutes: float


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanParams:
    """Planning assumptions: road km = great-circle km x ``road_factor``, at a constant speed."""

    now: datetime
    road_factor: float = 1.2
    average_speed_kmh: float = 65.0
    horizon_hours: float = 36.0  # plan the loads whose pickup opens within this
    wait_km_per_hour: float = 10.0  # an hour of a driver's time until the load starts, in km

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        if not self.road_factor > 0 or not self.average_speed_kmh > 0:
            raise ValueError("road_factor and average_speed_kmh must be positive")
        if not self.horizon_hours > 0 or self.wait_km_per_hour < 0:
            raise ValueError("horizon_hours must be positive, wait_km_per_hour not negative")


@dataclass(frozen=True, slots=True)
class RoadTable:
    """Road km and driving minutes from each driver (columns) to each load's pickup (rows),
    in the order the drivers and loads are handed to ``propose``.

    ``estimated`` marks the pairs the estimate answered (the router could not);
    ``source`` names the router asked (``"estimate"`` when none is configured).
    """

    km: FloatMatrix
    minutes: FloatMatrix
    estimated: BoolMatrix
    source: str = "estimate"

    def take(self, rows: Sequence[int], cols: Sequence[int]) -> RoadTable:
        """These loads (rows) and drivers (columns), in this order."""
        pick = np.ix_(np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp))
        return RoadTable(self.km[pick], self.minutes[pick], self.estimated[pick], self.source)


@dataclass(frozen=True, slots=True)
class PairCheck:
    """Whether one driver can take one load, and why not."""

    deadhead_km: float
    minutes_to_pickup: float
    equipment_ok: bool
    capacity_ok: bool
    hours_ok: bool
    window_ok: bool
    arrive_minutes: float = 0.0  # from now until at the pickup, rests on the way included

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """Reason codes of every failed rule, in ``REASONS`` order; empty when feasible."""
        oks = (self.equipment_ok, self.capacity_ok, self.hours_ok, self.window_ok)
        return tuple(reason for reason, ok in zip(REASONS, oks, strict=True) if not ok)

    @property
    def feasible(self) -> bool:
        """True when every rule passes."""
        return not self.reasons


@dataclass(frozen=True, slots=True)
class Assignment:
    """One proposed driver-load pair with the numbers that justify it."""

    load_id: UUID
    driver_id: UUID
    deadhead_km: float
    minutes_to_pickup: float  # driving only
    arrive_minutes: float  # from now until at the pickup, the rests on the way included
    wait_minutes: float  # arriving before the window opens: the driver waits
    slack_minutes: float  # window end minus arrival, >= 0
    equipment_ok: bool
    capacity_ok: bool
    hours_ok: bool
    hos_minutes_after: float  # hours of service left after deadhead and the loaded drive
    deadhead_estimated: bool = True  # the estimate answered this pair, not the router


@dataclass(frozen=True, slots=True)
class Unassigned:
    """A load the plan leaves uncovered, and why.

    ``no_feasible_driver``: ``ruled_out`` counts, per reason code, the drivers that fail
    that rule; a driver failing several rules is counted under each. ``outcompeted``:
    some drivers could take it, but every one of them is used on another load.
    """

    load_id: UUID
    reason: UnassignedReason
    ruled_out: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Plan:
    """The optimal plan plus its comparison with the greedy baseline.

    ``km_saved = greedy_deadhead_km - optimal_deadhead_km`` over both plans as they are.
    The optimum never covers fewer loads than the greedy; when it covers more, it may
    drive more deadhead, so ``km_saved`` can be negative: compare ``assigned_count``
    with ``greedy_assigned_count`` before reading it. ``percent_saved`` is relative to
    the greedy total (0 when that is 0). ``solve_ms`` is the wall time of the whole call.
    """

    assignments: list[Assignment]
    unassigned: list[Unassigned]
    optimal_deadhead_km: float
    greedy_deadhead_km: float
    greedy_assigned_count: int
    km_saved: float
    percent_saved: float
    solve_ms: float
    distance_source: str = "estimate"  # the router the road table came from
    estimated_pairs: int = 0  # pairs within the horizon the estimate answered

    @property
    def assigned_count(self) -> int:
        """Number of loads the optimal plan covers."""
        return len(self.assignments)


def _minutes_from(params: PlanParams, moment: datetime) -> float:
    return (moment - params.now).total_seconds() / 60.0


def check_pair(driver: DriverCandidate, load: LoadCandidate, params: PlanParams) -> PairCheck:
    """Apply the feasibility rules to a single driver-load pair."""
    km = params.road_factor * haversine_km(driver.lat, driver.lng, load.pickup_lat, load.pickup_lng)
    minutes = km / params.average_speed_kmh * 60.0
    arrive = float(fresh_elapsed_minutes(np.array([minutes]))[0])
    capacity = math.inf if driver.capacity_kg is None else driver.capacity_kg
    return PairCheck(
        deadhead_km=km,
        minutes_to_pickup=minutes,
        equipment_ok=load.equipment_type in driver.equipment_types,
        capacity_ok=capacity >= load.weight_kg,
        hours_ok=minutes + load.drive_minutes <= driver.hos_minutes_remaining,
        window_ok=arrive <= _minutes_from(params, load.pickup_window_end),
        arrive_minutes=arrive,
    )


@dataclass(slots=True)
class _Matrices:
    """Every rule for every pair at once; rows are loads, columns drivers."""

    km: FloatMatrix
    minutes: FloatMatrix
    arrive: FloatMatrix  # minutes until at the pickup, rests included
    oks: dict[Reason, BoolMatrix]
    feasible: BoolMatrix
    start_min: FloatMatrix
    end_min: FloatMatrix
    estimated: BoolMatrix


def estimate_table(
    drivers: Sequence[DriverCandidate], loads: Sequence[LoadCandidate], params: PlanParams
) -> RoadTable:
    """The estimated road table (the same arithmetic as ``check_pair``)."""
    km = haversine_matrix_km(
        [ld.pickup_lat for ld in loads],
        [ld.pickup_lng for ld in loads],
        [d.lat for d in drivers],
        [d.lng for d in drivers],
    )
    km *= params.road_factor
    minutes = km / params.average_speed_kmh * 60.0
    return RoadTable(km, minutes, np.ones(km.shape, dtype=np.bool_))


def _build(
    drivers: Sequence[DriverCandidate],
    loads: Sequence[LoadCandidate],
    params: PlanParams,
    road: RoadTable,
) -> _Matrices:
    km, minutes = road.km, road.minutes
    arrive = fresh_elapsed_minutes(minutes)
    types = sorted({ld.equipment_type for ld in loads})
    type_index = {name: i for i, name in enumerate(types)}
    has_type = np.zeros((len(drivers), len(types)), dtype=np.bool_)
    for j, driver in enumerate(drivers):
        for name in driver.equipment_types:
            if name in type_index:
                has_type[j, type_index[name]] = True
    load_type = np.array([type_index[ld.equipment_type] for ld in loads], dtype=np.intp)
    capacity = np.array([math.inf if d.capacity_kg is None else d.capacity_kg for d in drivers])
    weight = np.array([ld.weight_kg for ld in loads], dtype=np.float64)
    drive = np.array([ld.drive_minutes for ld in loads], dtype=np.float64)
    hos = np.array([d.hos_minutes_remaining for d in drivers], dtype=np.float64)
    start_min = np.array([_minutes_from(params, ld.pickup_window_start) for ld in loads])
    end_min = np.array([_minutes_from(params, ld.pickup_window_end) for ld in loads])
    oks: dict[Reason, BoolMatrix] = {
        "equipment": has_type[:, load_type].T,
        "capacity": capacity[np.newaxis, :] >= weight[:, np.newaxis],
        "hours": minutes + drive[:, np.newaxis] <= hos[np.newaxis, :],
        "window": arrive <= end_min.reshape(-1, 1),
    }
    feasible = oks["equipment"] & oks["capacity"] & oks["hours"] & oks["window"]
    return _Matrices(km, minutes, arrive, oks, feasible, start_min, end_min, road.estimated)


def _optimal(m: _Matrices, wait_km_per_hour: float) -> list[tuple[int, int]]:
    """Maximum coverage, then the least cost (empty km and the drivers' time until each
    load starts), as (load, driver) index pairs."""
    if not m.feasible.any():
        return []
    # A driver is tied up from now until the load starts: the drive and the rests on the
    # way, and any wait at the dock. An hour of it costs ``wait_km_per_hour`` km, so of two
    # drivers who both make the window the nearer wins, a driver who makes the window
    # beats one who would arrive late, and earlier pickups are preferred.
    tied = np.maximum(m.start_min.reshape(-1, 1), m.arrive)
    cost = m.km + tied / 60.0 * wait_km_per_hour
    # Each covered load earns a bonus larger than any plan's total cost, so one more
    # covered load always wins. Infeasible pairs cost 0: the solver may pick them to
    # fill the rectangle; they are dropped right after.
    bonus = (min(m.km.shape) + 1) * (float(cost[m.feasible].max()) + 1.0)
    rows, cols = linear_sum_assignment(np.where(m.feasible, cost - bonus, 0.0))
    keep = m.feasible[rows, cols]
    return list(zip(rows[keep].tolist(), cols[keep].tolist(), strict=True))


def _greedy(m: _Matrices, order: Sequence[int]) -> list[tuple[int, int]]:
    """Loads in ``order`` each take the nearest feasible free driver (lowest index on ties)."""
    free = np.ones(m.km.shape[1], dtype=np.bool_)
    pairs: list[tuple[int, int]] = []
    for i in order:
        candidates = m.feasible[i] & free
        if candidates.any():
            j = int(np.argmin(np.where(candidates, m.km[i], np.inf)))
            free[j] = False
            pairs.append((i, j))
    return pairs


def _why(m: _Matrices, i: int, load_id: UUID) -> Unassigned:
    """Explain why load ``i`` (within the horizon) is left out of a maximum-coverage plan."""
    if m.feasible[i].any():
        # Maximum coverage means every driver feasible for this load is on another one.
        return Unassigned(load_id, "outcompeted")
    counts = {r: int(np.count_nonzero(~m.oks[r][i])) for r in REASONS}
    return Unassigned(load_id, "no_feasible_driver", {r: n for r, n in counts.items() if n})


def _assignment(
    m: _Matrices, driver: DriverCandidate, load: LoadCandidate, i: int, j: int
) -> Assignment:
    minutes, arrive = float(m.minutes[i, j]), float(m.arrive[i, j])
    return Assignment(
        load_id=load.id,
        driver_id=driver.id,
        deadhead_km=float(m.km[i, j]),
        minutes_to_pickup=minutes,
        arrive_minutes=arrive,
        wait_minutes=max(0.0, float(m.start_min[i]) - arrive),
        slack_minutes=float(m.end_min[i]) - arrive,
        equipment_ok=bool(m.oks["equipment"][i, j]),
        capacity_ok=bool(m.oks["capacity"][i, j]),
        hours_ok=bool(m.oks["hours"][i, j]),
        hos_minutes_after=driver.hos_minutes_remaining - minutes - load.drive_minutes,
        deadhead_estimated=bool(m.estimated[i, j]),
    )


def propose(
    drivers: Sequence[DriverCandidate],
    loads: Sequence[LoadCandidate],
    params: PlanParams,
    road: RoadTable | None = None,
) -> Plan:
    """Propose the plan covering the most loads within the horizon, earliest first, with
    the least empty driving and waiting; versus greedy. ``road``: the loads x drivers road
    table in the given order (else estimated)."""
    started = time.perf_counter()
    if len({d.id for d in drivers}) != len(drivers) or len({ld.id for ld in loads}) != len(loads):
        raise ValueError("driver and load ids must be unique")
    if road is not None and road.km.shape != (len(loads), len(drivers)):
        raise ValueError("the road table must be loads x drivers")
    # Sorting by id makes the result independent of input order, ties included.
    by_driver = sorted(range(len(drivers)), key=lambda j: drivers[j].id)
    by_load = sorted(range(len(loads)), key=lambda i: loads[i].id)
    horizon = params.horizon_hours * 60.0
    opens = [_minutes_from(params, ld.pickup_window_start) for ld in loads]
    later = [loads[i] for i in by_load if opens[i] > horizon]
    within = [i for i in by_load if opens[i] <= horizon]
    drivers = [drivers[j] for j in by_driver]
    if road is not None:
        road = road.take(within, by_driver)
    loads = [loads[i] for i in within]
    if road is None:
        road = estimate_table(drivers, loads, params)
    m = _build(drivers, loads, params, road)
    pickup_order = sorted(range(len(loads)), key=lambda i: loads[i].pickup_window_start)
    optimal = _optimal(m, params.wait_km_per_hour)
    greedy = _greedy(m, pickup_order)
    rank = {i: r for r, i in enumerate(pickup_order)}

    assignments = [
        _assignment(m, drivers[j], loads[i], i, j)
        for i, j in sorted(optimal, key=lambda pair: rank[pair[0]])
    ]
    covered = {i for i, _ in optimal}
    unassigned = [_why(m, i, loads[i].id) for i in pickup_order if i not in covered]
    later.sort(key=lambda ld: ld.pickup_window_start)
    unassigned += [Unassigned(ld.id, "beyond_horizon") for ld in later]

    optimal_km = math.fsum(a.deadhead_km for a in assignments)
    greedy_km = math.fsum(float(m.km[i, j]) for i, j in greedy)
    km_saved = greedy_km - optimal_km
    return Plan(
        assignments=assignments,
        unassigned=unassigned,
        optimal_deadhead_km=optimal_km,
        greedy_deadhead_km=greedy_km,
        greedy_assigned_count=len(greedy),
        km_saved=km_saved,
        percent_saved=100.0 * km_saved / greedy_km if greedy_km > 0 else 0.0,
        solve_ms=(time.perf_counter() - started) * 1000.0,
        distance_source=road.source,
        estimated_pairs=int(road.estimated.sum()),
    )
