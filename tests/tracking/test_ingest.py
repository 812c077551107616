"""Who may post fixes, where they go, and what they move."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient

from tests.fleet_helpers import add_driver, move
from tests.helpers import Session, add_user, assert_problem
from tests.tracking.conftest import CHICAGO, Road, accept, ago, fix, north_of, post_fixes


async def _key(client: AsyncClient, admin: Session, role: str) -> dict[str, str]:
    resp = await client.post("/api/api-keys", headers=admin.auth, json={"name": "t", "role": role})
    assert resp.status_code == 201, resp.text
    return {"X-API-Key": resp.json()["key"]}


def _recorder(app: FastAPI) -> list[tuple[str, uuid.UUID, dict[str, Any]]]:
    seen: list[tuple[str, uuid.UUID, dict[str, Any]]] = []

    async def sink(event: str, shipment_id: uuid.UUID, payload: dict[str, Any]) -> None:
        seen.append((event, shipment_id, payload))

    app.state.ctx.live.attach(sink)
    return seen


async def test_fixes_move_the_driver_and_the_load(
    client: AsyncClient, app: FastAPI, road: Road
) -> None:
    await move(client, road.driver, road.load_id, "PICKED_UP")
    live = _recorder(app)
    before = (await client.get(f"/api/shipments/{road.load_id}", headers=road.admin.auth)).json()
    near = north_of(CHICAGO, 20_000)
    await accept(
        client,
        road.driver,
        [fix(*CHICAGO, ago(20), speed_kmh=60), fix(*near, ago(2), speed_kmh=70, heading=180)],
    )
    driver = (await client.get(f"/api/drivers/{road.driver.id}", headers=road.admin.auth)).json()
    assert (driver["lat"], driver["lng"]) == near
    shipment = (await client.get(f"/api/shipments/{road.load_id}", headers=road.admin.auth)).json()
    assert shipment["version"] == before["version"]  # a moving truck is not an edit
    assert shipment["eta"] is not None and before["eta"] is None  # the cached view was dropped
    track = await client.get(f"/api/shipments/{road.load_id}/positions", headers=road.buyer.auth)
    assert [(p["lat"], p["lng"]) for p in track.json()["items"]] == [CHICAGO, near]
    public = (await client.get(f"/api/track/{road.load['reference']}")).json()
    assert public["last_position"]["lat"] == round(near[0], 4)
    [(event, shipment_id, payload)] = live
    assert (event, str(shipment_id)) == ("shipment:location", road.load_id)
    assert payload["lat"] == near[0] and payload["heading"] == 180 and payload["speed_kmh"] == 70
    assert datetime.fromisoformat(payload["eta"]) == datetime.fromisoformat(shipment["eta"])


async def test_deadhead_fixes_are_staff_only_and_not_broadcast(
    client: AsyncClient, app: FastAPI, road: Road
) -> None:
    live = _recorder(app)
    await accept(client, road.driver, [fix(*north_of(CHICAGO, 30_000), ago(5))])
    staff_view = await client.get(
        f"/api/shipments/{road.load_id}/positions", headers=road.admin.auth
    )
    assert len(staff_view.json()["items"]) == 1  # linked while ASSIGNED, for the dispatcher
    driver_view = await client.get(
        f"/api/shipments/{road.load_id}/positions", headers=road.driver.auth
    )
    assert len(driver_view.json()["items"]) == 1
    buyer_view = await client.get(
        f"/api/shipments/{road.load_id}/positions", headers=road.buyer.auth
    )
    assert buyer_view.json()["items"] == []
    assert live == []


async def test_fixes_without_an_active_load_are_stored_unlinked(
    client: AsyncClient, admin: Session
) -> None:
    idle = await add_driver(client, admin, "idle@acme.example")
    await accept(client, idle, [fix(*CHICAGO, ago(1))])
    driver = (await client.get(f"/api/drivers/{idle.id}", headers=admin.auth)).json()
    assert (driver["lat"], driver["lng"]) == CHICAGO and driver["current_shipment_id"] is None


async def test_people_who_are_not_drivers_cannot_post(client: AsyncClient, road: Road) -> None:
    body = [fix(*CHICAGO, ago(1))]
    assert_problem(await post_fixes(client, road.buyer.auth, body), 403, "forbidden")
    assert_problem(await post_fixes(client, road.admin.auth, body), 403, "forbidden")
    assert_problem(await post_fixes(client, {}, body), 401)


async def test_a_driver_posts_only_their_own_fixes(
    client: AsyncClient, admin: Session, road: Road
) -> None:
    other = await add_driver(client, admin, "otto@acme.example")
    resp = await post_fixes(client, road.driver.auth, [fix(*CHICAGO, ago(1))], driver_id=other.id)
    assert_problem(resp, 403, "forbidden")
    resp = await post_fixes(
        client, road.driver.auth, [fix(*CHICAGO, ago(1))], driver_id=road.driver.id
    )
    assert resp.status_code == 202 and resp.json()["accepted"] == 1


async def test_an_api_key_posts_for_a_named_driver_of_its_organisation(
    client: AsyncClient, admin: Session, other_admin: Session, road: Road
) -> None:
    feed = await _key(client, admin, "driver")
    body = [fix(*CHICAGO, ago(1))]
    missing = assert_problem(await post_fixes(client, feed, body), 422, "validation_error")
    assert missing["errors"][0]["loc"] == ["body", "driver_id"]
    resp = await post_fixes(client, feed, body, driver_id=road.driver.id)
    assert resp.status_code == 202 and resp.json()["accepted"] == 1

    theirs = await add_driver(client, other_admin, "rival@rival.example")
    for driver_id in (theirs.id, str(uuid.uuid4())):
        resp = await post_fixes(client, feed, [fix(*CHICAGO, ago(0.5))], driver_id=driver_id)
        problem = assert_problem(resp, 422, "validation_error")
        assert problem["errors"][0]["loc"] == ["body", "driver_id"]
    dispatch_key = await _key(client, admin, "dispatcher")
    resp = await post_fixes(
        client, dispatch_key, [fix(*CHICAGO, ago(0.2))], driver_id=road.driver.id
    )
    assert resp.status_code == 202, resp.text
    customer_key = await _key(client, admin, "customer")
    resp = await post_fixes(client, customer_key, body, driver_id=road.driver.id)
    assert_problem(resp, 403, "forbidden")


async def test_batches_are_limited_to_500(client: AsyncClient, road: Road) -> None:
    fixes = [fix(*north_of(CHICAGO, i), ago(600 - i)) for i in range(501)]
    problem = assert_problem(await post_fixes(client, road.driver.auth, fixes), 422)
    assert problem["errors"][0]["loc"] == ["body", "positions"]
    resp = await post_fixes(client, road.driver.auth, fixes[:500])
    assert resp.status_code == 202 and resp.json()["accepted"] == 500
    assert_problem(await post_fixes(client, road.driver.auth, []), 422)


async def test_a_boolean_is_not_a_coordinate_or_a_speed(client: AsyncClient, road: Road) -> None:
    for field in ("lat", "speed_kmh", "accuracy_m"):
        one = fix(*north_of(CHICAGO, 10), ago(5)) | {field: True}
        problem = assert_problem(await post_fixes(client, road.driver.auth, [one]), 422)
        assert problem["errors"][0]["loc"] == ["body", "positions", 0, field]
    track = await client.get(f"/api/shipments/{road.load_id}/positions", headers=road.admin.auth)
    assert track.json()["items"] == []


async def test_track_pages_and_since(client: AsyncClient, admin: Session, road: Road) -> None:
    await move(client, road.driver, road.load_id, "PICKED_UP")
    times = [ago(30 - i) for i in range(5)]
    await accept(
        client, road.driver, [fix(*north_of(CHICAGO, 100 * i), t) for i, t in enumerate(times)]
    )
    url = f"/api/shipments/{road.load_id}/positions"
    first = (await client.get(url, headers=road.buyer.auth, params={"limit": 2})).json()
    second = (
        await client.get(
            url, headers=road.buyer.auth, params={"limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()
    third = (
        await client.get(
            url, headers=road.buyer.auth, params={"limit": 2, "cursor": second["next_cursor"]}
        )
    ).json()
    ids = [p["id"] for page in (first, second, third) for p in page["items"]]
    assert len(ids) == 5 == len(set(ids)) and third["next_cursor"] is None
    since = (
        await client.get(url, headers=road.buyer.auth, params={"since": times[2].isoformat()})
    ).json()
    assert len(since["items"]) == 2
    assert_problem(await client.get(url, headers=road.buyer.auth, params={"cursor": "nope"}), 422)
    naive = {"since": "2026-01-01T00:00:00"}
    assert_problem(await client.get(url, headers=road.buyer.auth, params=naive), 422)
    stranger = await add_user(client, admin, "customer", "stranger@initech.example")
    assert_problem(await client.get(url, headers=stranger.auth), 404)
