"""Deactivating a driver and taking a vehicle out of service through the API:
``PUT /api/drivers/{id}/active`` and ``PUT /api/vehicles/{id}/service``."""

from __future__ import annotations

from httpx import AsyncClient

from tests.fleet_helpers import add_driver, add_vehicle, assign, book_load
from tests.helpers import Session, add_customer, add_user, assert_problem, register


async def test_a_deactivated_driver_is_not_free_and_comes_back_off_duty(
    client: AsyncClient, admin: Session
) -> None:
    dee = await add_driver(client, admin, "dee@acme.example")
    url = f"/api/drivers/{dee.id}/active"
    off = await client.put(url, headers=admin.auth, json={"active": False})
    assert off.status_code == 200, off.text
    assert off.json()["deactivated_at"] is not None
    assert off.json()["status"] == "off_duty"
    free = await client.get("/api/drivers?status=free", headers=admin.auth)
    assert dee.id not in free.text
    again = await client.put(
        f"/api/drivers/{dee.id}/availability", headers=admin.auth, json={"status": "available"}
    )
    assert "reactivate" in assert_problem(again, 409)["detail"]
    back = await client.put(url, headers=admin.auth, json={"active": True})
    assert (back.json()["deactivated_at"], back.json()["status"]) == (None, "off_duty")


async def test_a_driver_holding_a_load_cannot_be_deactivated(
    client: AsyncClient, admin: Session
) -> None:
    dee = await add_driver(client, admin, "dee@acme.example")
    load = await book_load(client, admin, await add_customer(client, admin))
    await assign(client, admin, load["id"], dee)
    resp = await client.put(
        f"/api/drivers/{dee.id}/active", headers=admin.auth, json={"active": False}
    )
    assert "holds a load" in assert_problem(resp, 409)["detail"]
    driver = (await client.get(f"/api/drivers/{dee.id}", headers=admin.auth)).json()
    assert driver["deactivated_at"] is None


async def test_out_of_service_needs_a_reason_and_keeps_it_until_back(
    client: AsyncClient, admin: Session
) -> None:
    truck = await add_vehicle(client, admin, "T-9")
    url = f"/api/vehicles/{truck['id']}/service"
    missing = await client.put(url, headers=admin.auth, json={"in_service": False})
    assert_problem(missing, 422)
    out = await client.put(
        url, headers=admin.auth, json={"in_service": False, "reason": "Tyre blowout"}
    )
    assert (out.json()["status"], out.json()["out_of_service_reason"]) == (
        "maintenance",
        "Tyre blowout",
    )
    back = await client.put(url, headers=admin.auth, json={"in_service": True})
    assert (back.json()["status"], back.json()["out_of_service_reason"]) == ("active", None)


async def test_only_staff_of_the_organisation_may(client: AsyncClient, admin: Session) -> None:
    dee = await add_driver(client, admin, "dee@acme.example")
    truck = await add_vehicle(client, admin, "T-9")
    customer = await add_user(client, admin, "customer", "c@acme.example")
    other = await register(client, "Rival", "boss@rival.example")
    for who, code in ((dee.session, 403), (customer, 403), (other, 404)):
        resp = await client.put(
            f"/api/drivers/{dee.id}/active", headers=who.auth, json={"active": False}
        )
        assert resp.status_code == code, resp.text
        resp = await client.put(
            f"/api/vehicles/{truck['id']}/service",
            headers=who.auth,
            json={"in_service": False, "reason": "x"},
        )
        assert resp.status_code == code, resp.text
    assert (await client.get(f"/api/vehicles/{truck['id']}", headers=admin.auth)).json()[
        "status"
    ] == "active"
