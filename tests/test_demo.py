"""The demo data: the plan's UAT set, built through the real services, believable at once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from freight.access import Role
from freight.demo import DRIVER_LOGINS, DemoLogin, seed_demo
from freight.demo.banner import banner
from freight.events import verify_chains
from freight.geo import haversine_km
from freight.settings import Settings
from freight.storage import FileStore

Headers = dict[str, str]


@pytest.fixture
async def demo(app: FastAPI, settings: Settings) -> list[DemoLogin]:
    ctx = app.state.ctx
    async with ctx.sessions() as session:
        logins = await seed_demo(
            session, ctx.passwords, FileStore(settings.file_store_dir), settings
        )
        await session.commit()
    assert logins is not None
    return logins


async def _sign_in(client: AsyncClient, login: DemoLogin) -> Headers:
    resp = await client.post(
        "/api/auth/login", json={"email": login.email, "password": login.password}
    )
    assert resp.status_code == 200, login.email
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


async def _as(client: AsyncClient, demo: list[DemoLogin], email_start: str) -> Headers:
    return await _sign_in(client, next(x for x in demo if x.email.startswith(email_start)))


async def _shipments(client: AsyncClient, headers: Headers) -> list[dict[str, Any]]:
    resp = await client.get("/api/shipments", params={"limit": 200}, headers=headers)
    assert resp.status_code == 200
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def _track(client: AsyncClient, headers: Headers, shipment_id: str) -> list[dict[str, Any]]:
    """Every fix of a load's track, oldest first, page by page."""
    fixes: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = await client.get(
            f"/api/shipments/{shipment_id}/positions", params=params, headers=headers
        )
        assert page.status_code == 200, page.text
        fixes += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return fixes


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_demo_seed_builds_fifty_shipments_in_every_status(
    app: FastAPI, client: AsyncClient, settings: Settings, demo: list[DemoLogin]
) -> None:
    assert Counter(login.role.value for login in demo) == {
        "admin": 1,
        "dispatcher": 1,
        "customer": 1,
        "driver": 3,
    }
    tokens = {login.email: await _sign_in(client, login) for login in demo}
    dispatcher = await _as(client, demo, "dispatcher@")
    shipments = await _shipments(client, dispatcher)
    assert Counter(s["status"] for s in shipments) == {
        "PENDING": 15,
        "ASSIGNED": 8,
        "PICKED_UP": 5,
        "IN_TRANSIT": 7,
        "DELIVERED": 10,
        "CANCELLED": 5,
    }
    mine = await _shipments(client, await _as(client, demo, "customer@"))
    assert len(mine) == 50  # the demo customer's account holds them all
    # Each driver who can sign in has one load, each at another stage of its trip.
    stages = []
    for email, _ in DRIVER_LOGINS:
        loads = (await client.get("/api/drivers/me/loads", headers=tokens[email])).json()
        stages.append([s["status"] for s in loads["items"]])
    assert stages == [["IN_TRANSIT"], ["ASSIGNED"], ["PICKED_UP"]]
    delivered = next(s for s in shipments if s["status"] == "DELIVERED")
    customer = await _as(client, demo, "customer@")
    pod = await client.get(f"/api/shipments/{delivered['id']}/pod", headers=customer)
    assert pod.status_code == 200

    ctx = app.state.ctx
    async with ctx.sessions() as session:
        assert [p async for p in verify_chains(session)] == []
        store = FileStore(settings.file_store_dir)
        assert await seed_demo(session, ctx.passwords, store, settings) is None


async def test_rates_are_set_so_a_quote_works_and_every_load_is_priced(
    client: AsyncClient, demo: list[DemoLogin]
) -> None:
    customer = await _as(client, demo, "customer@")
    chicago_dallas = [{"lat": 41.8781, "lng": -87.6298}, {"lat": 32.7767, "lng": -96.7970}]
    prices = {}
    for equipment in ("dry_van", "reefer", "flatbed"):
        resp = await client.post(
            "/api/quotes",
            json={"equipment_type": equipment, "stops": chicago_dallas},
            headers=customer,
        )
        assert resp.status_code == 200, resp.text
        quote = resp.json()
        assert quote["currency"] == "USD"
        assert [line["kind"] for line in quote["lines"]] == ["linehaul", "fuel_surcharge"]
        assert quote["detention_hourly_cents"] > 0
        prices[equipment] = quote["total_cents"]
    # About 1,540 road km: a US spot rate of $2-4 a mile with fuel is $2,000-4,000.
    assert 2_000_00 < prices["dry_van"] < prices["reefer"] < prices["flatbed"] < 4_000_00
    refused = await client.post(
        "/api/quotes", json={"equipment_type": "tanker", "stops": chicago_dallas}, headers=customer
    )
    assert refused.status_code == 422  # the carrier runs no tankers
    shipments = await _shipments(client, await _as(client, demo, "dispatcher@"))
    assert all(s["price_cents"] and s["currency"] == "USD" for s in shipments)
    assert {s["equipment_type"] for s in shipments} == {"dry_van", "reefer", "flatbed"}


def _off_line_km(point: tuple[float, float], start: dict[str, Any], end: dict[str, Any]) -> float:
    """How far ``point`` is from the straight pickup-delivery line (in degrees, flat)."""
    ax, ay, bx, by = start["lat"], start["lng"], end["lat"], end["lng"]
    px, py = point
    t = max(
        0.0,
        min(
            1.0, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)
        ),
    )
    return haversine_km(px, py, ax + t * (bx - ax), ay + t * (by - ay))


async def test_every_load_on_the_road_has_a_long_track_along_its_route_and_an_eta(
    client: AsyncClient, demo: list[DemoLogin]
) -> None:
    dispatcher = await _as(client, demo, "dispatcher@")
    now = datetime.now(UTC)
    on_the_road = [s for s in await _shipments(client, dispatcher) if s["status"] == "IN_TRANSIT"]
    assert len(on_the_road) == 7
    for load in on_the_road:
        pickup, delivery = load["stops"]
        fixes = await _track(client, dispatcher, load["id"])
        assert len(fixes) >= 12, load["reference"]
        times = [_at(f["recorded_at"]) for f in fixes]
        assert times == sorted(times) and times[-1] <= now
        assert now - times[-1] < timedelta(minutes=10)  # it reported minutes ago
        assert times[-1] - times[0] > timedelta(minutes=30)
        departed = _at(pickup["departed_at"])  # the geofence saw the truck leave
        assert _at(pickup["arrived_at"]) < departed < times[-1]
        for fix, at in zip(fixes, times, strict=True):
            if at >= departed:  # on the road: along the line, a road's width off it
                assert _off_line_km((fix["lat"], fix["lng"]), pickup, delivery) < 1
            else:  # from the yard to the dock, and loading
                assert haversine_km(fix["lat"], fix["lng"], pickup["lat"], pickup["lng"]) < 15
        assert len([at for at in times if at >= departed]) >= 6
        last = (fixes[-1]["lat"], fixes[-1]["lng"])
        assert haversine_km(*last, pickup["lat"], pickup["lng"]) > 20  # it has left the pickup
        assert haversine_km(*last, delivery["lat"], delivery["lng"]) > 5  # and not yet arrived
        eta = (await client.get(f"/api/shipments/{load['id']}/eta", headers=dispatcher)).json()
        assert eta["basis"] == "recent_speed" and eta["next_stop_sequence"] == delivery["sequence"]
        assert _at(eta["eta"]) > now and load["eta"] is not None
        assert _at(delivery["window_end"]) > now  # its delivery window is still ahead


async def test_timelines_happen_over_hours_and_days_not_in_the_seeding_second(
    client: AsyncClient, demo: list[DemoLogin]
) -> None:
    dispatcher = await _as(client, demo, "dispatcher@")
    now = datetime.now(UTC)
    for load in await _shipments(client, dispatcher):
        events = (
            await client.get(f"/api/shipments/{load['id']}/events", headers=dispatcher)
        ).json()
        moments = {
            e["data"].get("action", e["type"]): _at(e["device_time"] or e["occurred_at"])
            for e in events["items"]
        }
        if load["status"] == "IN_TRANSIT":
            assert moments["pickup"] < moments["depart"] < now - timedelta(minutes=20)
        if load["status"] == "DELIVERED":
            delivered = moments["deliver"]
            assert now - delivered > timedelta(days=1)
            assert moments["pickup"] < moments["depart"] < delivered
            delivery = load["stops"][-1]
            assert _at(delivery["window_start"]) <= delivered <= _at(delivery["window_end"])


async def test_pending_and_assigned_loads_pick_up_in_the_future(
    client: AsyncClient, demo: list[DemoLogin]
) -> None:
    now = datetime.now(UTC)
    shipments = await _shipments(client, await _as(client, demo, "dispatcher@"))
    waiting = [s for s in shipments if s["status"] in ("PENDING", "ASSIGNED")]
    assert len(waiting) == 23
    for load in waiting:
        pickup, delivery = load["stops"]
        assert _at(pickup["window_start"]) > now, load["reference"]
        assert _at(delivery["window_start"]) > _at(pickup["window_end"])
    soon = [s for s in waiting if _at(s["stops"][0]["window_start"]) < now + timedelta(days=1)]
    assert soon and len(soon) < len(waiting)  # some today or tomorrow, some later


async def test_drivers_are_consistent_with_their_loads(
    client: AsyncClient, demo: list[DemoLogin]
) -> None:
    dispatcher = await _as(client, demo, "dispatcher@")
    shipments = {s["id"]: s for s in await _shipments(client, dispatcher)}
    drivers = (await client.get("/api/drivers", params={"limit": 200}, headers=dispatcher)).json()
    holding = {d["current_shipment_id"]: d for d in drivers["items"] if d["current_shipment_id"]}
    active = {
        i for i, s in shipments.items() if s["status"] in ("ASSIGNED", "PICKED_UP", "IN_TRANSIT")
    }
    assert set(holding) == active  # every active load is held, by exactly one driver
    for shipment_id, driver in holding.items():
        load = shipments[shipment_id]
        assert load["driver_id"] == driver["id"] and driver["status"] == "available"
        assert load["equipment_type"] in driver["equipment_types"]
        pickup = load["stops"][0]
        here = (driver["lat"], driver["lng"])
        if load["status"] == "IN_TRANSIT":  # where its track last put the truck
            last = (await _track(client, dispatcher, shipment_id))[-1]
            assert (last["lat"], last["lng"]) == here
        else:  # waiting at the yard near the pickup, or at its dock
            limit = 15 if load["status"] == "ASSIGNED" else 1
            assert haversine_km(*here, pickup["lat"], pickup["lng"]) < limit, load["status"]
    free = [d for d in drivers["items"] if not d["current_shipment_id"]]
    assert {d["status"] for d in free} == {"available", "off_duty"}
    for load in shipments.values():
        if load["status"] in ("PENDING", "CANCELLED"):
            assert load["driver_id"] is None


def test_the_banner_names_the_url_and_a_sign_in_per_user() -> None:
    demo = [
        DemoLogin(Role.ADMIN, "admin@demo.freight.example", "pw-admin"),
        DemoLogin(Role.DISPATCHER, "dispatcher@demo.freight.example", "pw-dispatch"),
        DemoLogin(Role.CUSTOMER, "customer@demo.freight.example", "pw-customer"),
        *(DemoLogin(Role.DRIVER, email, f"pw-{i}") for i, (email, _) in enumerate(DRIVER_LOGINS)),
    ]
    lines = banner(demo, "http://127.0.0.1:8000")
    dispatcher = next(x for x in demo if x.email.startswith("dispatcher@"))
    assert (
        f"Open http://127.0.0.1:8000 and sign in as {dispatcher.email} / {dispatcher.password}"
        in lines
    )
    for login in demo:
        assert sum(login.email in line and login.password in line for line in lines) >= 1
    assert len([line for line in lines if " driver " in f" {line.strip()} "]) >= 3
