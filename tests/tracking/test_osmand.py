"""The Traccar Client app's OsmAnd reports: device identifiers issued, shown once, revoked;
the formats the app sends; the same filters as the phone view's."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text

from freight.tracking import osmand
from tests.fleet_helpers import move
from tests.helpers import Session, add_user, assert_problem
from tests.tracking.conftest import CHICAGO, Road, ago, north_of

URL = "/api/tracking/osmand"


async def _device(
    client: AsyncClient, staff: Session, road: Road, name: str = "Dee's Pixel"
) -> dict[str, Any]:
    resp = await client.post(
        f"/api/drivers/{road.driver.id}/devices", headers=staff.auth, json={"name": name}
    )
    assert resp.status_code == 201, resp.text
    issued: dict[str, Any] = resp.json()
    return issued


async def _track(client: AsyncClient, road: Road) -> list[dict[str, Any]]:
    resp = await client.get(f"/api/shipments/{road.load_id}/positions", headers=road.admin.auth)
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


def test_the_timestamp_forms_the_app_sends() -> None:
    moment = datetime(2026, 12, 4, 15, 30, 5, tzinfo=UTC)
    seconds = int(moment.timestamp())
    assert osmand.timestamp(str(seconds)) == moment
    assert osmand.timestamp(str(seconds * 1000)) == moment
    assert osmand.timestamp("2026-12-04T15:30:05Z") == moment
    assert osmand.timestamp("2026-12-04T09:30:05-06:00") == moment
    assert osmand.timestamp("2026-12-04 15:30:05") == moment  # no offset: UTC
    with pytest.raises(osmand.OsmandError) as caught:
        osmand.timestamp("yesterday")
    assert caught.value.field == "timestamp"


async def test_an_identifier_is_shown_once_and_stored_hashed(
    client: AsyncClient, road: Road, app: FastAPI
) -> None:
    issued = await _device(client, road.admin, road)
    identifier = issued["identifier"]
    assert len(identifier) == 20 and issued["token_hint"] == identifier[-4:]
    listed = await client.get(f"/api/drivers/{road.driver.id}/devices", headers=road.admin.auth)
    [row] = listed.json()["items"]
    assert "identifier" not in row and row["name"] == "Dee's Pixel"
    async with app.state.ctx.engine.connect() as conn:
        stored = (
            (await conn.execute(text("SELECT token_sha256 FROM driver_devices"))).scalars().all()
        )
    assert stored == [hashlib.sha256(identifier.encode()).hexdigest()]
    assert identifier not in str(stored)


async def test_who_may_issue_and_revoke(
    client: AsyncClient, road: Road, other_admin: Session
) -> None:
    path = f"/api/drivers/{road.driver.id}/devices"
    assert_problem(await client.post(path, headers=road.driver.auth, json={}), 403)
    assert_problem(await client.post(path, headers=road.buyer.auth, json={}), 403)
    assert_problem(await client.post(path, headers=other_admin.auth, json={}), 404)
    assert (await client.post(path, json={})).status_code == 401
    dispatcher = await add_user(client, road.admin, "dispatcher", "dot@acme.example")
    issued = await _device(client, dispatcher, road)
    gone = await client.delete(f"{path}/{issued['id']}", headers=other_admin.auth)
    assert_problem(gone, 404)
    too_long = await client.post(path, headers=road.admin.auth, json={"name": "x" * 101})
    assert "name" in str(assert_problem(too_long, 422))


async def test_query_form_and_json_reports_go_on_the_track(client: AsyncClient, road: Road) -> None:
    await move(client, road.driver, road.load_id, "PICKED_UP")
    identifier = (await _device(client, road.admin, road))["identifier"]
    first = ago(30)
    resp = await client.get(
        URL,
        params={
            "id": identifier,
            "lat": str(CHICAGO[0]),
            "lon": str(CHICAGO[1]),
            "timestamp": str(int(first.timestamp())),
            "speed": "30",  # knots
            "bearing": "180.5",
            "altitude": "181",
            "accuracy": "8",
            "batt": "76.0",
        },
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["accepted"] == 1
    second = north_of(CHICAGO, 5_000)
    resp = await client.post(
        URL,
        data={
            "deviceid": identifier.lower(),  # typed on a phone: case does not matter
            "lat": str(second[0]),
            "lon": str(second[1]),
            "timestamp": ago(20).isoformat(),
            "speed": "40",
        },
    )
    assert resp.status_code == 200 and resp.json()["accepted"] == 1, resp.text
    third = north_of(CHICAGO, 10_000)
    resp = await client.post(
        URL,
        json={
            "device_id": identifier,
            "location": {
                "timestamp": ago(10).isoformat().replace("+00:00", "Z"),
                "coords": {
                    "latitude": third[0],
                    "longitude": third[1],
                    "speed": 20.0,  # m/s in this shape
                    "heading": 0,
                    "accuracy": 5,
                },
                "battery": {"level": 0.71, "is_charging": False},
            },
        },
    )
    assert resp.status_code == 200 and resp.json()["accepted"] == 1, resp.text
    track = await _track(client, road)
    assert [round(p["speed_kmh"], 2) for p in track] == [55.56, 74.08, 72.0]
    assert track[0]["heading"] == 180.5
    devices = await client.get(f"/api/drivers/{road.driver.id}/devices", headers=road.admin.auth)
    [device] = devices.json()["items"]
    assert device["last_seen_at"] is not None and device["last_battery_pct"] == 71.0


async def test_unknown_revoked_and_unreadable_reports(client: AsyncClient, road: Road) -> None:
    issued = await _device(client, road.admin, road)
    where = {"lat": str(CHICAGO[0]), "lon": str(CHICAGO[1])}
    assert_problem(await client.get(URL, params={"id": "NOTAREALDEVICE", **where}), 401)
    assert_problem(await client.get(URL, params=where), 422)
    no_lat = await client.get(URL, params={"id": issued["identifier"], "lon": "1"})
    assert "lat" in str(assert_problem(no_lat, 422))
    bad_time = await client.get(
        URL, params={"id": issued["identifier"], **where, "timestamp": "soon"}
    )
    assert "timestamp" in str(assert_problem(bad_time, 422))
    bad_speed = await client.get(URL, params={"id": issued["identifier"], **where, "speed": "fast"})
    assert "speed" in str(assert_problem(bad_speed, 422))
    ok = await client.get(URL, params={"id": issued["identifier"], **where})
    assert ok.status_code == 200
    revoked = await client.delete(
        f"/api/drivers/{road.driver.id}/devices/{issued['id']}", headers=road.admin.auth
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert_problem(await client.get(URL, params={"id": issued["identifier"], **where}), 401)


async def test_a_burst_of_buffered_fixes_late_but_in_order(client: AsyncClient, road: Road) -> None:
    """The app queues fixes while offline and sends them one by one when back: each is
    old, in order, and accepted; a resent one is a duplicate, not a second fix."""
    await move(client, road.driver, road.load_id, "PICKED_UP")
    identifier = (await _device(client, road.admin, road))["identifier"]
    start = datetime.now(UTC) - timedelta(hours=2)
    sent = []
    for i in range(60):
        lat, lng = north_of(CHICAGO, 400 * i)
        params = {
            "id": identifier,
            "lat": f"{lat:.6f}",
            "lon": f"{lng:.6f}",
            "timestamp": str(int((start + timedelta(seconds=30 * i)).timestamp())),
            "speed": "26",
        }
        resp = await client.get(URL, params=params)
        assert resp.status_code == 200 and resp.json()["accepted"] == 1, (i, resp.text)
        sent.append(params)
    again = await client.get(URL, params=sent[-1])
    assert again.status_code == 200 and again.json()["accepted"] == 0
    assert again.json()["dropped"]["duplicate"] + again.json()["dropped"]["out_of_order"] == 1
    assert len(await _track(client, road)) == 60
