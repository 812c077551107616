"""Changing a vehicle: ``PATCH /api/vehicles/{id}``, staff of its organisation only."""

from __future__ import annotations

from httpx import AsyncClient

from tests.fleet_helpers import add_driver, add_vehicle
from tests.helpers import Session, add_user, assert_problem

VIN = "1HGCM82633A004352"


async def test_staff_change_a_vehicle_and_the_change_is_kept(
    client: AsyncClient, admin: Session
) -> None:
    vehicle = await add_vehicle(client, admin, vin=VIN)
    dispatcher = await add_user(client, admin, "dispatcher", "disp@acme.example")
    url = f"/api/vehicles/{vehicle['id']}"
    resp = await client.patch(
        url,
        headers=dispatcher.auth,
        json={"status": "maintenance", "capacity_kg": 18000, "equipment_type": "reefer"},
    )
    assert resp.status_code == 200, resp.text
    changed = resp.json()
    assert (changed["status"], changed["capacity_kg"], changed["equipment_type"]) == (
        "maintenance",
        18000,
        "reefer",
    )
    assert (changed["number"], changed["kind"], changed["vin"]) == ("T-100", "tractor", VIN)
    assert (await client.get(url, headers=admin.auth)).json() == changed


async def test_a_null_clears_the_vin_and_leaves_required_fields_alone(
    client: AsyncClient, admin: Session
) -> None:
    vehicle = await add_vehicle(client, admin, vin=VIN)
    url = f"/api/vehicles/{vehicle['id']}"
    resp = await client.patch(url, headers=admin.auth, json={"vin": None, "number": None})
    assert resp.status_code == 200, resp.text
    assert (resp.json()["vin"], resp.json()["number"]) == (None, "T-100")


async def test_bad_input_names_each_field_and_changes_nothing(
    client: AsyncClient, admin: Session
) -> None:
    vehicle = await add_vehicle(client, admin)
    url = f"/api/vehicles/{vehicle['id']}"
    bad = await client.patch(
        url,
        headers=admin.auth,
        json={"status": "scrapped", "capacity_kg": 0, "equipment_type": "hovercraft", "vin": "IOQ"},
    )
    locs = {tuple(e["loc"]) for e in assert_problem(bad, 422)["errors"]}
    assert {
        ("body", "status"),
        ("body", "capacity_kg"),
        ("body", "equipment_type"),
        ("body", "vin"),
    } <= locs
    assert (await client.get(url, headers=admin.auth)).json() == vehicle


async def test_taking_another_vehicles_number_is_a_conflict(
    client: AsyncClient, admin: Session
) -> None:
    await add_vehicle(client, admin, "T-100")
    second = await add_vehicle(client, admin, "T-200")
    resp = await client.patch(
        f"/api/vehicles/{second['id']}", headers=admin.auth, json={"number": "T-100"}
    )
    assert_problem(resp, 409)


async def test_another_organisations_vehicle_is_not_found_and_unchanged(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    theirs = await add_vehicle(client, other_admin)
    url = f"/api/vehicles/{theirs['id']}"
    assert_problem(
        await client.patch(url, headers=admin.auth, json={"status": "retired"}), 404, "not_found"
    )
    assert (await client.get(url, headers=other_admin.auth)).json()["status"] == "active"


async def test_drivers_and_customers_cannot_change_vehicles(
    client: AsyncClient, admin: Session
) -> None:
    vehicle = await add_vehicle(client, admin)
    url = f"/api/vehicles/{vehicle['id']}"
    dee = await add_driver(client, admin, "dee@acme.example")
    buyer = await add_user(client, admin, "customer", "buyer@globex.example")
    for who in (dee.session, buyer):
        assert_problem(await client.patch(url, headers=who.auth, json={"status": "retired"}), 403)
    assert_problem(await client.patch(url, json={"status": "retired"}), 401)
    assert (await client.get(url, headers=admin.auth)).json()["status"] == "active"
