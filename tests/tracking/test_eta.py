"""ETA at the next stop: from recent speed, the floor, the average when stopped, no position."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from freight.geo import haversine_km
from freight.hours_of_service import Clocks
from freight.tracking.eta import estimate
from freight.tracking.filters import Fix
from freight.tracking.geofence import StopState
from tests.fleet_helpers import move
from tests.helpers import add_user, assert_problem
from tests.tracking.conftest import CHICAGO, DALLAS, Road, accept, ago, fix, north_of

ROAD_FACTOR = 1.2


async def _eta(client: AsyncClient, road: Road) -> dict[str, Any]:
    resp = await client.get(f"/api/shipments/{road.load_id}/eta", headers=road.buyer.auth)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def _hours(body: dict[str, Any], last_at: datetime) -> float:
    return (datetime.fromisoformat(body["eta"]) - last_at).total_seconds() / 3600


async def test_no_position_yet(client: AsyncClient, road: Road) -> None:
    body = await _eta(client, road)
    assert body["basis"] == "no_position" and body["eta"] is None
    assert body["next_stop_sequence"] == 1 and body["distance_remaining_km"] is None


async def test_recent_speed_drives_the_eta(client: AsyncClient, road: Road) -> None:
    await move(client, road.driver, road.load_id, "PICKED_UP")
    points = [north_of(CHICAGO, -1500 * i) for i in range(6)]  # heading south
    times = [ago(6 - i) for i in range(6)]
    await accept(
        client, road.driver, [fix(*p, t, speed_kmh=90) for p, t in zip(points, times, strict=True)]
    )
    body = await _eta(client, road)
    km = haversine_km(*points[-1], *DALLAS) * ROAD_FACTOR
    assert body["basis"] == "recent_speed" and body["speed_kmh_used"] == 90
    assert body["next_stop_sequence"] == 2  # the pickup is behind a loaded truck
    assert body["distance_remaining_km"] == pytest.approx(km, abs=0.1)
    # About 17 h of driving for a fresh driver: 8 h, a 30-minute break, 3 h (the 11 hours
    # are used up), 10 hours off, then the rest of the way.
    assert 11 < km / 90 < 19
    assert body["assumed_rests"] == [
        {"kind": "break", "minutes": 30},
        {"kind": "off_duty", "minutes": 600},
    ]
    assert _hours(body, times[-1]) == pytest.approx(km / 90 + 10.5, rel=1e-3)
    stored = (await client.get(f"/api/shipments/{road.load_id}", headers=road.buyer.auth)).json()
    assert datetime.fromisoformat(stored["eta"]) == datetime.fromisoformat(body["eta"])
    closes = datetime.fromisoformat(stored["stops"][-1]["window_end"])
    assert body["late_risk"] is (datetime.fromisoformat(body["eta"]) > closes)


async def test_crawling_uses_the_floor(client: AsyncClient, road: Road) -> None:
    await move(client, road.driver, road.load_id, "PICKED_UP")
    fixes = [fix(*north_of(CHICAGO, -2000 - 130 * i), ago(6 - i), speed_kmh=8) for i in range(6)]
    await accept(client, road.driver, fixes)
    body = await _eta(client, road)
    assert body["basis"] == "recent_speed" and body["speed_kmh_used"] == 15


async def test_stationary_uses_the_average_speed(client: AsyncClient, road: Road) -> None:
    await move(client, road.driver, road.load_id, "PICKED_UP")
    parked = north_of(CHICAGO, -3000)
    await accept(client, road.driver, [fix(*parked, ago(5 - i), speed_kmh=0) for i in range(5)])
    body = await _eta(client, road)
    assert body["basis"] == "average_speed" and body["speed_kmh_used"] == 65


async def test_without_reported_speeds_the_path_gives_the_speed(
    client: AsyncClient, road: Road
) -> None:
    await move(client, road.driver, road.load_id, "PICKED_UP")
    # 1 km a minute for 5 minutes: 60 km/h.
    fixes = [fix(*north_of(CHICAGO, -5000 - 1000 * i), ago(6 - i)) for i in range(6)]
    await accept(client, road.driver, fixes)
    body = await _eta(client, road)
    assert body["basis"] == "recent_speed"
    assert body["speed_kmh_used"] == pytest.approx(60, abs=0.5)


async def test_eta_follows_the_shipment_access_rules(client: AsyncClient, road: Road) -> None:
    stranger = await add_user(client, road.admin, "customer", "stranger@initech.example")
    url = f"/api/shipments/{road.load_id}/eta"
    assert_problem(await client.get(url, headers=stranger.auth), 404)


def test_old_fixes_do_not_count_as_recent() -> None:
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    pickup = StopState(uuid.uuid4(), 1, *CHICAGO, arrived_at=None, departed_at=None)
    stop = StopState(uuid.uuid4(), 2, *DALLAS, arrived_at=None, departed_at=None)
    fast_long_ago = Fix(*north_of(CHICAGO, -1000), now - timedelta(hours=2), speed_kmh=100)
    stopped_now = [Fix(*CHICAGO, now - timedelta(minutes=m), speed_kmh=0) for m in (2, 1, 0)]
    result = estimate(
        stopped_now[-1],
        [pickup, stop],
        [fast_long_ago, *stopped_now],
        loaded=True,
        road_factor=ROAD_FACTOR,
        floor_kmh=15,
        average_kmh=65,
        now=now,
    )
    assert result.basis == "average_speed" and result.next_stop_sequence == 2


def test_late_risk_when_a_remaining_stop_is_reached_after_its_window() -> None:
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    here = Fix(*north_of(DALLAS, 90_000), now, speed_kmh=90)  # about 1.2 h out
    fresh = Clocks()

    def late(delivery_closes: timedelta, clocks: Clocks = fresh) -> bool:
        pickup = StopState(uuid.uuid4(), 1, *CHICAGO, now - timedelta(hours=20), None)
        stop = StopState(uuid.uuid4(), 2, *DALLAS, None, None, now + delivery_closes)
        result = estimate(
            here,
            [pickup, stop],
            [here],
            loaded=True,
            road_factor=ROAD_FACTOR,
            floor_kmh=15,
            average_kmh=65,
            now=now,
            clocks=clocks,
        )
        return result.late_risk

    assert late(timedelta(hours=3)) is False
    assert late(timedelta(minutes=45)) is True
    # a driver out of hours rests 10 h first: a window three hours away is missed
    assert late(timedelta(hours=3), Clocks(driving_left=timedelta(0))) is True
