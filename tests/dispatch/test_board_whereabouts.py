"""The board says where each free driver and each truck on the road is in words: the
nearest town a dispatcher knows, how far and which way, and how long ago the fix was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from httpx import AsyncClient

from tests.fleet_helpers import add_driver, assign, book_load
from tests.helpers import Session, add_customer


def _fix(lat: float, lng: float, minutes_ago: float) -> dict[str, object]:
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {"lat": lat, "lng": lng, "recorded_at": at.isoformat()}


async def test_free_drivers_and_trucks_on_the_road_are_placed_in_words(
    client: AsyncClient, admin: Session
) -> None:
    account = await add_customer(client, admin)
    at_home = await add_driver(client, admin, "home@acme.example", city="Dallas")
    moving = await add_driver(client, admin, "moving@acme.example", city="Chicago")
    hauling = await add_driver(client, admin, "hauling@acme.example", city="Chicago")
    # on I-44 east of Joplin, MO, 12 minutes ago
    resp = await client.post(
        "/api/tracking/positions",
        headers=moving.auth,
        json={"positions": [_fix(37.05, -94.40, 12)]},
    )
    assert resp.status_code == 202 and resp.json()["accepted"] == 1, resp.text
    load = await book_load(client, admin, account)
    await assign(client, admin, load["id"], hauling)

    board = (await client.get("/api/dispatch/board", headers=admin.auth)).json()
    drivers = {d["driver_id"]: d for d in board["drivers"]}
    home = drivers[at_home.id]["near"]
    assert home["place"] == "Dallas, TX" and home["km"] < 2, home  # the page says "in Dallas"
    assert drivers[at_home.id]["seen_at"] is None  # a home base, not a fix
    near = drivers[moving.id]["near"]
    assert near["place"] == "Joplin, MO" and near["direction"] == "E", near
    assert 5 < near["km"] < 20
    seen = datetime.fromisoformat(drivers[moving.id]["seen_at"])
    assert abs((datetime.now(UTC) - seen) - timedelta(minutes=12)) < timedelta(minutes=1)
    (active,) = board["active"]
    assert active["near"]["place"] == "Chicago, IL" and active["near"]["km"] < 5
    assert active["seen_at"] is None  # the driver's home base until the first fix


async def test_a_position_far_from_any_town_has_no_words(
    client: AsyncClient, admin: Session
) -> None:
    # a home base in the Gulf of Mexico, 250 km from shore
    await add_driver(client, admin, "gulf@acme.example", home_lat=25.0, home_lng=-90.0)
    (driver,) = (await client.get("/api/dispatch/board", headers=admin.auth)).json()["drivers"]
    assert driver["near"] is None and driver["lat"] == 25.0
