"""Manual assignment: every refusal says why and changes nothing; one driver, one load."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from httpx import AsyncClient

from tests.fleet_helpers import DriverAt, add_driver, add_vehicle, assign, book_load
from tests.helpers import Session, add_customer, add_user, assert_problem


async def _driver(client: AsyncClient, admin: Session, driver_id: str) -> dict[str, Any]:
    body: dict[str, Any] = (
        await client.get(f"/api/drivers/{driver_id}", headers=admin.auth)
    ).json()
    return body


async def test_assign_moves_the_load_and_claims_the_driver(
    client: AsyncClient, admin: Session
) -> None:
    account = await add_customer(client, admin)
    dee = await add_driver(client, admin, "dee@acme.example", city="Memphis")
    load = await book_load(client, admin, account)
    assigned = await assign(client, admin, load["id"], dee)
    assert (assigned["status"], assigned["driver_id"], assigned["version"]) == (
        "ASSIGNED",
        dee.id,
        2,
    )
    assert (await _driver(client, admin, dee.id))["current_shipment_id"] == load["id"]
    events = (await client.get(f"/api/shipments/{load['id']}/events", headers=admin.auth)).json()[
        "items"
    ]
    assert events[-1]["type"] == "shipment.assigned"
    assert events[-1]["data"]["driver_id"] == dee.id
    assert events[-1]["data"]["deadhead_km"] > 500  # Memphis to Chicago


async def test_unassign_and_cancel_free_the_driver(client: AsyncClient, admin: Session) -> None:
    account = await add_customer(client, admin)
    dee = await add_driver(client, admin, "dee@acme.example")
    first = await book_load(client, admin, account)
    await assign(client, admin, first["id"], dee)
    back = await client.post(f"/api/shipments/{first['id']}/unassign", headers=admin.auth)
    assert (back.json()["status"], back.json()["driver_id"]) == ("PENDING", None)
    assert (await _driver(client, admin, dee.id))["current_shipment_id"] is None
    await assign(client, admin, first["id"], dee)
    resp = await client.post(
        f"/api/shipments/{first['id']}/cancel",
        headers=admin.auth,
        json={"reason": "shipper called"},
    )
    assert resp.json()["status"] == "CANCELLED"
    assert (await _driver(client, admin, dee.id))["current_shipment_id"] is None


@pytest.mark.parametrize(
    ("driver_fields", "vehicle_fields", "load_fields", "reason"),
    [
        ({"status": "off_duty"}, None, {}, "not available"),
        ({"equipment_types": ["flatbed"]}, None, {}, "not qualified for dry_van"),
        ({}, {"capacity_kg": 5000}, {}, "below the load's 12000 kg"),
        ({}, {"equipment_type": "reefer"}, {}, "the load needs dry_van"),
        ({}, {"status": "maintenance"}, {}, "in maintenance"),
        ({"hos_minutes_remaining": 30}, None, {}, "remaining hours"),
    ],
    ids=["off-duty", "equipment", "capacity", "vehicle-equipment", "vehicle-maintenance", "hours"],
)
async def test_assignment_is_refused_with_the_reason_and_changes_nothing(
    client: AsyncClient,
    admin: Session,
    driver_fields: dict[str, Any],
    vehicle_fields: dict[str, Any] | None,
    load_fields: dict[str, Any],
    reason: str,
) -> None:
    account = await add_customer(client, admin)
    dee = await add_driver(client, admin, "dee@acme.example", **driver_fields)
    body: dict[str, Any] = {"driver_id": dee.id}
    if vehicle_fields is not None:
        body["vehicle_id"] = (await add_vehicle(client, admin, **vehicle_fields))["id"]
    load = await book_load(client, admin, account, **load_fields)
    resp = await client.post(f"/api/shipments/{load['id']}/assign", headers=admin.auth, json=body)
    assert reason in assert_problem(resp, 409)["detail"]
    after = (await client.get(f"/api/shipments/{load['id']}", headers=admin.auth)).json()
    assert (after["status"], after["version"], after["driver_id"]) == ("PENDING", 1, None)
    assert (await _driver(client, admin, dee.id))["current_shipment_id"] is None


async def test_a_driver_holding_a_load_cannot_take_another(
    client: AsyncClient, admin: Session
) -> None:
    account = await add_customer(client, admin)
    dee = await add_driver(client, admin, "dee@acme.example")
    first, second = await book_load(client, admin, account), await book_load(client, admin, account)
    await assign(client, admin, first["id"], dee)
    resp = await client.post(
        f"/api/shipments/{second['id']}/assign", headers=admin.auth, json={"driver_id": dee.id}
    )
    assert "already holds an active load" in assert_problem(resp, 409)["detail"]


async def test_two_dispatchers_assign_one_driver_to_two_loads_at_once(
    client: AsyncClient, admin: Session
) -> None:
    account = await add_customer(client, admin)
    one = await add_user(client, admin, "dispatcher", "one@acme.example")
    two = await add_user(client, admin, "dispatcher", "two@acme.example")
    dee = await add_driver(client, admin, "dee@acme.example")
    loads = [await book_load(client, admin, account) for _ in range(2)]

    async def attempt(who: Session, load: dict[str, Any]) -> int:
        resp = await client.post(
            f"/api/shipments/{load['id']}/assign", headers=who.auth, json={"driver_id": dee.id}
        )
        return resp.status_code

    for _ in range(3):  # a few rounds, unassigning between them
        codes = await asyncio.gather(attempt(one, loads[0]), attempt(two, loads[1]))
        assert sorted(codes) == [200, 409]
        held = (await _driver(client, admin, dee.id))["current_shipment_id"]
        statuses = {
            ld["id"]: (await client.get(f"/api/shipments/{ld['id']}", headers=admin.auth)).json()[
                "status"
            ]
            for ld in loads
        }
        assert list(statuses.values()).count("ASSIGNED") == 1 and statuses[held] == "ASSIGNED"
        await client.post(f"/api/shipments/{held}/unassign", headers=admin.auth)


async def test_only_staff_assign(client: AsyncClient, admin: Session) -> None:
    account = await add_customer(client, admin)
    dee = await add_driver(client, admin, "dee@acme.example")
    buyer = await add_user(client, admin, "customer", "buyer@globex.example", account)
    load = await book_load(client, admin, account)
    for who in (buyer, dee):
        resp = await client.post(
            f"/api/shipments/{load['id']}/assign", headers=who.auth, json={"driver_id": dee.id}
        )
        assert_problem(resp, 403)


async def test_unknown_or_foreign_driver_is_422(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    account = await add_customer(client, admin)
    theirs: DriverAt = await add_driver(client, other_admin, "them@rival.example")
    load = await book_load(client, admin, account)
    resp = await client.post(
        f"/api/shipments/{load['id']}/assign", headers=admin.auth, json={"driver_id": theirs.id}
    )
    assert assert_problem(resp, 422)["errors"][0]["loc"] == ["body", "driver_id"]
