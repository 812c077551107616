"""With a routing server configured, the plan's empty kilometres and drive times are the
server's distance matrix, cached; pairs it cannot answer are estimated, and the plan says
how many."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient

from freight.dispatch.schemas import PlanResult
from freight.settings import Settings
from freight.web.board_plan import distances_from
from tests.conftest import base_settings
from tests.dispatch.test_plans_api import _board
from tests.helpers import Session
from tests.routing import engines
from tests.routing.conftest import TIMEOUT_S
from tests.routing.standin import Behaviour, drive_s, road_km

ESTIMATE_FACTOR = 1.2  # the settings' road factor (the stand-in's roads are x 1.3)


@pytest.fixture
def osrm() -> Iterator[Behaviour]:
    with engines.osrm() as behaviour:
        yield behaviour


@pytest.fixture
def settings(clean_db: str, tmp_path: Path, osrm: Behaviour) -> Settings:
    return base_settings(
        clean_db, tmp_path, router="osrm", router_url=osrm.url, router_timeout_s=TIMEOUT_S
    )


def pickup_of(load: dict[str, Any]) -> tuple[float, float]:
    first = load["stops"][0]
    return first["lat"], first["lng"]


def home_of(driver: dict[str, Any]) -> tuple[float, float]:
    return driver["home_lat"], driver["home_lng"]


async def propose(client: AsyncClient, admin: Session) -> dict[str, Any]:
    resp = await client.post("/api/dispatch/plans", headers=admin.auth, json={})
    assert resp.status_code == 201, resp.text
    result: dict[str, Any] = resp.json()["result"]
    return result


async def test_the_plan_drives_the_servers_roads(
    client: AsyncClient, admin: Session, osrm: Behaviour
) -> None:
    chicago, atlanta, columbus, memphis, _tanker = await _board(client, admin)
    osrm.calls.clear()  # the bookings asked for their routes
    result = await propose(client, admin)
    assert (result["distance_source"], result["estimated_pairs"]) == ("osrm", 0)
    assert [c["path"].split("/")[1] for c in osrm.calls] == ["table"]
    drivers = {columbus["id"]: columbus, memphis["id"]: memphis}
    loads = {chicago["id"]: chicago, atlanta["id"]: atlanta}
    assert len(result["assignments"]) == 2
    for pair in result["assignments"]:
        start, end = home_of(drivers[pair["driver_id"]]), pickup_of(loads[pair["shipment_id"]])
        km = road_km(start, end)
        assert km is not None
        assert pair["deadhead_km"] == pytest.approx(km, abs=0.1)
        assert pair["minutes_to_pickup"] == pytest.approx(drive_s(km) / 60, abs=0.1)
        assert pair["deadhead_estimated"] is False
        estimate = road_km(start, end)
        assert estimate is not None and pair["deadhead_km"] != pytest.approx(
            estimate / 1.3 * ESTIMATE_FACTOR, abs=1
        )
    assert result["optimal_deadhead_km"] <= result["greedy_deadhead_km"]


async def test_a_second_plan_over_the_same_board_is_answered_from_the_cache(
    client: AsyncClient, admin: Session, osrm: Behaviour
) -> None:
    await _board(client, admin)
    first = await propose(client, admin)
    osrm.calls.clear()
    second = await propose(client, admin)
    assert osrm.calls == []
    assert [p["deadhead_km"] for p in second["assignments"]] == [
        p["deadhead_km"] for p in first["assignments"]
    ]
    assert second["distance_source"] == "osrm" and second["estimated_pairs"] == 0


async def test_with_the_server_down_the_plan_is_estimated_and_says_so(
    client: AsyncClient, admin: Session, osrm: Behaviour
) -> None:
    chicago, atlanta, columbus, memphis, _tanker = await _board(client, admin)
    osrm.status = 503
    result = await propose(client, admin)
    assert result["distance_source"] == "osrm"
    assert result["estimated_pairs"] == result["loads_considered"] * result["drivers_considered"]
    assert result["estimated_pairs"] == 6
    drivers = {columbus["id"]: columbus, memphis["id"]: memphis}
    loads = {chicago["id"]: chicago, atlanta["id"]: atlanta}
    for pair in result["assignments"]:
        start, end = home_of(drivers[pair["driver_id"]]), pickup_of(loads[pair["shipment_id"]])
        road = road_km(start, end)
        assert road is not None
        assert pair["deadhead_km"] == pytest.approx(road / 1.3 * ESTIMATE_FACTOR, abs=0.1)
        assert pair["deadhead_estimated"] is True


async def test_the_plan_page_says_where_the_distances_came_from(
    client: AsyncClient, admin: Session, osrm: Behaviour
) -> None:
    await _board(client, admin)
    osrm.status = 503  # first: a good answer would be cached
    with_holes = PlanResult.model_validate(await propose(client, admin))
    assert distances_from(with_holes) == "OSRM (6 pairs estimated: the server did not answer)"
    good = with_holes.model_copy(update={"estimated_pairs": 0})
    assert distances_from(good) == "OSRM"
    stored_before = good.model_dump(exclude={"distance_source", "estimated_pairs"})
    assert distances_from(PlanResult.model_validate(stored_before)).startswith("Road estimate")
