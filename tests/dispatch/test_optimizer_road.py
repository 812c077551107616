"""The optimiser on a road table: the router's distances and times decide, in whatever
order drivers and loads are handed over; loads beyond the horizon leave the table."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from freight.dispatch.optimizer import RoadTable, estimate_table, propose
from tests.dispatch.test_optimizer import PARAMS, driver, load, pairs


def table(km: list[list[float]], estimated: bool = False) -> RoadTable:
    distance = np.array(km, dtype=np.float64)
    minutes = distance / 60.0 * 60.0  # 60 km/h on these roads
    return RoadTable(distance, minutes, np.full(distance.shape, estimated), "osrm")


def test_the_road_table_decides_where_geometry_would_disagree() -> None:
    # As the crow flies driver 1 is next to the load; by road (a river, no bridge) it is far.
    drivers = [driver(1, 0.1), driver(2, 1.0)]
    loads = [load(1, 0.0)]
    assert pairs(propose(drivers, loads, PARAMS)) == {(1, 1)}
    plan = propose(drivers, loads, PARAMS, table([[400.0, 120.0]]))
    assert pairs(plan) == {(1, 2)}
    (pair,) = plan.assignments
    assert pair.deadhead_km == 120.0 and pair.minutes_to_pickup == 120.0
    assert pair.deadhead_estimated is False
    assert (plan.distance_source, plan.estimated_pairs) == ("osrm", 0)


def test_any_input_order_gives_the_same_plan() -> None:
    drivers = [driver(1, 0.0), driver(2, 1.0), driver(3, 2.0)]
    loads = [load(1, 0.0), load(2, 1.0)]
    km = [[300.0, 10.0, 50.0], [20.0, 250.0, 40.0]]  # load 1 wants driver 2, load 2 driver 1
    expected = {(1, 2), (2, 1)}
    for d_order in itertools.permutations(range(3)):
        for l_order in itertools.permutations(range(2)):
            road = table([[km[i][j] for j in d_order] for i in l_order])
            plan = propose([drivers[j] for j in d_order], [loads[i] for i in l_order], PARAMS, road)
            assert pairs(plan) == expected
            assert plan.optimal_deadhead_km == pytest.approx(30.0)


def test_loads_beyond_the_horizon_leave_the_table_and_estimated_pairs_are_counted() -> None:
    drivers = [driver(1, 0.0), driver(2, 1.0)]
    loads = [load(1, 0.0, start_h=60, end_h=70), load(2, 1.0)]  # load 1: beyond 36 h
    road = RoadTable(
        np.array([[5.0, 6.0], [7.0, 8.0]]),
        np.array([[5.0, 6.0], [7.0, 8.0]]),
        np.array([[True, True], [True, False]]),
        "osrm",
    )
    plan = propose(drivers, loads, PARAMS, road)
    assert plan.estimated_pairs == 1  # only load 2's row is planned
    (pair,) = plan.assignments
    assert (pair.load_id.int - 1000, pair.deadhead_km, pair.deadhead_estimated) == (2, 7.0, True)
    assert [u.reason for u in plan.unassigned] == ["beyond_horizon"]


def test_a_table_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="loads x drivers"):
        propose([driver(1, 0.0)], [load(1, 0.0), load(2, 1.0)], PARAMS, table([[1.0, 2.0]]))


def test_without_a_table_the_plan_is_the_estimate() -> None:
    drivers, loads = [driver(1, 0.5)], [load(1, 0.0)]
    plan = propose(drivers, loads, PARAMS)
    assert (plan.distance_source, plan.estimated_pairs) == ("estimate", 1)
    same = propose(drivers, loads, PARAMS, estimate_table(drivers, loads, PARAMS))
    assert same.assignments == plan.assignments
