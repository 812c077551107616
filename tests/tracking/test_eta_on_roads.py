"""The ETA drives the router's roads: the leg into each stop is stored when the stops are
set (a router's answer only), and the estimate works from its road factor and speed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select

from freight.geo import haversine_km
from freight.hours_of_service import Clocks
from freight.settings import Settings
from freight.shipments.models import Stop
from freight.tracking.eta import Estimate, estimate
from freight.tracking.filters import Fix
from freight.tracking.geofence import StopState
from tests.conftest import base_settings
from tests.fleet_helpers import move
from tests.routing import engines
from tests.routing.conftest import TIMEOUT_S
from tests.routing.standin import ROAD_FACTOR, SPEED_KMH, Behaviour
from tests.tracking.conftest import CHICAGO, DALLAS, Road, accept, ago, fix, north_of

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
WIDE = NOW + timedelta(days=5)


def stop(n: int, lat: float, lng: float, leg_km: float | None, leg_s: float | None) -> StopState:
    return StopState(
        id=None,  # type: ignore[arg-type]
        sequence=n,
        lat=lat,
        lng=lng,
        arrived_at=None,
        departed_at=None,
        window_end=WIDE,
        leg_km=leg_km,
        leg_duration_s=leg_s,
    )


def rules(last: Fix, stops: list[StopState], recent: list[Fix], **extra: Clocks) -> Estimate:
    return estimate(
        last,
        stops,
        recent,
        loaded=True,
        road_factor=1.2,
        floor_kmh=15,
        average_kmh=65,
        now=NOW,
        **extra,
    )


# A leg of 100 km great-circle that the router says is 150 km and 2 hours (75 km/h).
A, B = (0.0, 0.0), (0.0, 100 / haversine_km(0, 0, 0, 1))
C = (0.0, 2 * B[1])


def test_stopped_the_truck_drives_the_legs_road_factor_at_its_road_speed() -> None:
    stops = [stop(1, *A, None, None), stop(2, *B, 150.0, 7200.0)]
    halfway = Fix(0.0, B[1] / 2, NOW)
    parked = [Fix(0.0, B[1] / 2, NOW - timedelta(minutes=m), speed_kmh=0) for m in (5, 0)]
    got = rules(halfway, stops, parked)
    assert got.basis == "route_speed"
    assert got.distance_remaining_km == pytest.approx(75.0, abs=0.1)
    assert got.speed_kmh_used == 75.0
    assert got.eta == NOW + timedelta(hours=1)


def test_moving_the_truck_keeps_its_speed_on_the_legs_road_distance() -> None:
    stops = [stop(1, *A, None, None), stop(2, *B, 150.0, 7200.0)]
    halfway = Fix(0.0, B[1] / 2, NOW)
    driving = [Fix(0.0, B[1] / 2, NOW - timedelta(minutes=m), speed_kmh=50) for m in (5, 0)]
    got = rules(halfway, stops, driving)
    assert got.basis == "recent_speed"
    assert got.distance_remaining_km == pytest.approx(75.0, abs=0.1)
    assert got.eta == NOW + timedelta(hours=1.5)


def test_without_stored_legs_the_estimate_is_as_before() -> None:
    stops = [stop(1, *A, None, None), stop(2, *B, None, None)]
    got = rules(Fix(0.0, B[1] / 2, NOW), stops, [])
    assert got.basis == "average_speed"
    assert got.distance_remaining_km == pytest.approx(60.0, abs=0.1)


def test_with_hours_the_later_legs_take_their_stored_road_time() -> None:
    # Stopped at A with the load: 2 h to B by road, an hour at the dock, then the router's
    # 3 h to C (not 100 km x 1.2 at 65 km/h, 1.85 h).
    stops = [stop(1, *A, None, None), stop(2, *B, 150.0, 7200.0), stop(3, *C, 200.0, 10800.0)]
    at_a = Fix(*A, NOW)
    got = rules(at_a, stops, [], clocks=Clocks())
    assert got.eta == NOW + timedelta(hours=2)
    late_stops = [*stops[:2], replace_window(stops[2], NOW + timedelta(hours=5, minutes=59))]
    assert rules(at_a, late_stops, [], clocks=Clocks()).late_risk
    on_time = [*stops[:2], replace_window(stops[2], NOW + timedelta(hours=6, minutes=1))]
    assert not rules(at_a, on_time, [], clocks=Clocks()).late_risk


def replace_window(s: StopState, end: datetime) -> StopState:
    return StopState(s.id, s.sequence, s.lat, s.lng, None, None, end, s.leg_km, s.leg_duration_s)


# --- through the app, with the OSRM stand-in ------------------------------------------------


@pytest.fixture
def osrm() -> Iterator[Behaviour]:
    with engines.osrm() as behaviour:
        yield behaviour


@pytest.fixture
def settings(clean_db: str, tmp_path: Path, osrm: Behaviour) -> Settings:
    return base_settings(
        clean_db, tmp_path, router="osrm", router_url=osrm.url, router_timeout_s=TIMEOUT_S
    )


async def test_a_booking_keeps_the_routers_legs_and_the_eta_drives_them(
    client: AsyncClient, road: Road, app: FastAPI
) -> None:
    async with app.state.ctx.sessions() as session:
        rows = (
            await session.execute(
                select(Stop)
                .where(Stop.shipment_id == uuid.UUID(road.load_id))
                .order_by(Stop.sequence)
            )
        ).scalars()
        first, second = list(rows)
    assert (first.leg_km, first.leg_source) == (None, None)
    straight = haversine_km(*CHICAGO, *DALLAS)
    assert second.leg_source == "osrm" and second.leg_polyline
    assert second.leg_km == pytest.approx(straight * ROAD_FACTOR, abs=0.01)
    assert second.leg_duration_s == pytest.approx(straight * ROAD_FACTOR / SPEED_KMH * 3600, abs=1)
    await move(client, road.driver, road.load_id, "PICKED_UP")
    parked = north_of(CHICAGO, -3000)
    await accept(client, road.driver, [fix(*parked, ago(5 - i), speed_kmh=0) for i in range(5)])
    resp = await client.get(f"/api/shipments/{road.load_id}/eta", headers=road.buyer.auth)
    body = resp.json()
    assert body["basis"] == "route_speed" and body["speed_kmh_used"] == pytest.approx(SPEED_KMH)
    remaining = haversine_km(*parked, *DALLAS) * ROAD_FACTOR
    assert body["distance_remaining_km"] == pytest.approx(remaining, abs=0.2)
