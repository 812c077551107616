"""Drivers and vehicles: staff manage them, personal data is encrypted and masked."""

from __future__ import annotations

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text

from tests.fleet_helpers import add_driver, add_vehicle, assign, book_load
from tests.helpers import Session, add_customer, add_user, assert_problem

VIN = "1FUJGLDR5CLBP8834"


async def test_staff_create_list_and_update_drivers(client: AsyncClient, admin: Session) -> None:
    dispatcher = await add_user(client, admin, "dispatcher", "disp@acme.example")
    driver = await add_driver(client, admin, "dee@acme.example")
    listing = (await client.get("/api/drivers", headers=dispatcher.auth)).json()
    assert [d["id"] for d in listing["items"]] == [driver.id]
    resp = await client.patch(
        f"/api/drivers/{driver.id}", headers=dispatcher.auth, json={"hos_minutes_remaining": 300}
    )
    assert resp.json()["hos_minutes_remaining"] == 300
    assert resp.json()["license_number"] == "D400-1234-5678"  # staff see it in full


async def test_personal_data_is_encrypted_at_rest(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    await add_driver(client, admin, "dee@acme.example")
    await add_vehicle(client, admin, vin=VIN)
    async with app.state.ctx.engine.connect() as conn:
        phone, licence = (
            await conn.execute(text("SELECT phone, license_number FROM drivers"))
        ).one()
        vin = (await conn.execute(text("SELECT vin FROM vehicles"))).scalar_one()
    for raw, plain in ((phone, "555 0142"), (licence, "1234-5678"), (vin, VIN)):
        assert plain not in raw and raw.startswith("v2:")


async def test_driver_sees_themself_in_full_but_no_other_driver(
    client: AsyncClient, admin: Session
) -> None:
    dee = await add_driver(client, admin, "dee@acme.example")
    other = await add_driver(client, admin, "max@acme.example")
    me = (await client.get(f"/api/drivers/{dee.id}", headers=dee.auth)).json()
    assert me["license_number"] == "D400-1234-5678" and me["phone"] == "+1 312 555 0142"
    assert_problem(await client.get(f"/api/drivers/{other.id}", headers=dee.auth), 404)
    assert_problem(await client.get("/api/drivers", headers=dee.auth), 403)


async def test_customer_sees_their_loads_driver_masked_and_no_other(
    client: AsyncClient, admin: Session
) -> None:
    account = await add_customer(client, admin)
    buyer = await add_user(client, admin, "customer", "buyer@globex.example", account)
    stranger = await add_user(client, admin, "customer", "other@initech.example")
    dee = await add_driver(client, admin, "dee@acme.example")
    assert_problem(await client.get(f"/api/drivers/{dee.id}", headers=buyer.auth), 404)
    truck = await client.post(
        "/api/vehicles",
        headers=admin.auth,
        json={
            "number": "IL-4821",
            "kind": "tractor",
            "equipment_type": "dry_van",
            "capacity_kg": 20000,
        },
    )
    linked = await client.patch(
        f"/api/drivers/{dee.id}", headers=admin.auth, json={"vehicle_id": truck.json()["id"]}
    )
    assert linked.status_code == 200, linked.text
    load = await book_load(client, admin, account)
    await assign(client, admin, load["id"], dee)
    seen = (await client.get(f"/api/drivers/{dee.id}", headers=buyer.auth)).json()
    # A customer gets the minimal view only: no home, position, hours, licence or user id.
    assert seen == {
        "id": str(dee.id),
        "full_name": "Driver dee",
        "phone": "****0142",
        "vehicle_number": "IL-4821",
    }
    assert_problem(await client.get(f"/api/drivers/{dee.id}", headers=stranger.auth), 404)


async def test_driver_user_link_must_be_a_driver_of_the_organisation(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    dispatcher = await add_user(client, admin, "dispatcher", "disp@acme.example")
    for user_id in (str(dispatcher.id), str(other_admin.id)):
        resp = await client.post(
            "/api/drivers", headers=admin.auth, json={"full_name": "X", "user_id": user_id}
        )
        assert assert_problem(resp, 422)["errors"][0]["loc"] == ["body", "user_id"]


async def test_driver_validation_names_fields(client: AsyncClient, admin: Session) -> None:
    resp = await client.post(
        "/api/drivers",
        headers=admin.auth,
        json={
            "full_name": "",
            "equipment_types": ["hovercraft"],
            "home_lat": 95,
            "hos_minutes_remaining": -5,
        },
    )
    locs = {tuple(e["loc"][:2]) for e in assert_problem(resp, 422)["errors"]}
    assert {
        ("body", "full_name"),
        ("body", "equipment_types"),
        ("body", "home_lat"),
        ("body", "hos_minutes_remaining"),
    } <= locs


async def test_availability_by_the_driver_or_a_dispatcher_only(
    client: AsyncClient, admin: Session
) -> None:
    dee = await add_driver(client, admin, "dee@acme.example")
    other = await add_driver(client, admin, "max@acme.example")
    url = f"/api/drivers/{dee.id}/availability"
    assert (await client.put(url, headers=dee.auth, json={"status": "off_duty"})).json()[
        "status"
    ] == "off_duty"
    assert_problem(await client.put(url, headers=other.auth, json={"status": "available"}), 403)
    buyer = await add_user(client, admin, "customer", "buyer@globex.example")
    assert_problem(await client.put(url, headers=buyer.auth, json={"status": "available"}), 403)
    assert_problem(await client.put(url, headers=admin.auth, json={"status": "asleep"}), 422)
    assert (
        await client.put(url, headers=admin.auth, json={"status": "available"})
    ).status_code == 200


async def test_driver_lists_their_own_active_loads(client: AsyncClient, admin: Session) -> None:
    account = await add_customer(client, admin)
    dee = await add_driver(client, admin, "dee@acme.example")
    mine = await book_load(client, admin, account)
    await book_load(client, admin, account)  # pending, not theirs
    await assign(client, admin, mine["id"], dee)
    loads = (await client.get("/api/drivers/me/loads", headers=dee.auth)).json()["items"]
    assert [s["id"] for s in loads] == [mine["id"]]
    assert_problem(await client.get("/api/drivers/me/loads", headers=admin.auth), 403)


async def test_vehicles_are_staff_only_unique_by_number_and_validated(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    vehicle = await add_vehicle(client, admin, vin=VIN)
    assert vehicle["vin"] == VIN
    dup = await client.post(
        "/api/vehicles",
        headers=admin.auth,
        json={"number": "T-100", "kind": "tractor", "equipment_type": "reefer", "capacity_kg": 1},
    )
    assert_problem(dup, 409)
    await add_vehicle(client, other_admin)  # the same number in another organisation is fine
    dee = await add_driver(client, admin, "dee@acme.example")
    assert_problem(await client.get("/api/vehicles", headers=dee.auth), 403)
    assert_problem(
        await client.get(f"/api/vehicles/{vehicle['id']}", headers=other_admin.auth), 404
    )
    bad = await client.post(
        "/api/vehicles",
        headers=admin.auth,
        json={
            "number": "",
            "kind": "x",
            "equipment_type": "dry_van",
            "capacity_kg": 0,
            "vin": "IOQ",
        },
    )
    locs = {tuple(e["loc"]) for e in assert_problem(bad, 422)["errors"]}
    assert {("body", "number"), ("body", "capacity_kg"), ("body", "vin")} <= locs
