"""Warnings on the road: a driver who cannot make the pickup window, a pickup or delivery
recorded far from its stop or far outside its window; the override on the timeline, a
strict delivery refused before anything is stored, and who may do none of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient

from tests.fleet_helpers import add_driver, assign, book_load, move, tiny_png
from tests.helpers import Session, add_customer, assert_problem
from tests.shipments.factory import CITIES, stop

DALLAS = {"lat": CITIES["Dallas"][1], "lng": CITIES["Dallas"][2]}
CHICAGO = {"lat": CITIES["Chicago"][1], "lng": CITIES["Chicago"][2]}


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def due_now() -> list[dict[str, Any]]:
    """Chicago to Dallas with both windows open around now: nothing to warn about."""
    start = now() - timedelta(hours=1)
    return [stop("pickup", "Chicago", start), stop("delivery", "Dallas", start, hours=8)]


def codes(resp: Any) -> list[str]:
    assert resp.status_code in (200, 201), resp.text
    return [w["code"] for w in resp.json()["warnings"]]


async def transition(client: AsyncClient, who: Any, load_id: str, **body: Any) -> Any:
    return await client.post(f"/api/shipments/{load_id}/transitions", headers=who.auth, json=body)


async def pod(client: AsyncClient, who: Any, load_id: str, headers: Any = None, **data: Any) -> Any:
    return await client.post(
        f"/api/shipments/{load_id}/pod",
        headers={**who.auth, **(headers or {})},
        data={"recipient_name": "Rita Receiver", **data},
        files=[("signature", ("sig.png", tiny_png(), "image/png"))],
    )


async def test_assigning_a_driver_who_cannot_make_the_pickup_window(
    client: AsyncClient, admin: Session
) -> None:
    account = await add_customer(client, admin)
    closing = [stop("pickup", "Chicago", now() - timedelta(hours=2), hours=3), due_now()[1]]
    load = await book_load(client, admin, account, stops=closing)  # closes in an hour
    near = await add_driver(client, admin, "near@acme.example", city="Chicago")
    far = await add_driver(client, admin, "far@acme.example", city="Denver")
    resp = await client.post(
        f"/api/shipments/{load['id']}/assign", headers=admin.auth, json={"driver_id": far.id}
    )
    assert codes(resp) == ["pickup_window_closed"]
    assert "after its window closes" in resp.json()["warnings"][0]["message"]
    assert resp.json()["status"] == "ASSIGNED"  # a warning, not a refusal

    await client.post(f"/api/shipments/{load['id']}/unassign", headers=admin.auth)
    resp = await client.post(
        f"/api/shipments/{load['id']}/assign", headers=admin.auth, json={"driver_id": near.id}
    )
    assert codes(resp) == []


async def test_pickup_far_from_the_stop_and_outside_its_window(
    client: AsyncClient, admin: Session
) -> None:
    account = await add_customer(client, admin)
    driver = await add_driver(client, admin, "dee@acme.example")
    load = await book_load(client, admin, account, stops=due_now())
    await assign(client, admin, load["id"], driver)
    resp = await transition(client, driver, load["id"], status="PICKED_UP", **DALLAS)
    assert codes(resp) == ["far_from_stop"]
    assert "Picked up 805 mi from Chicago DC" in resp.json()["warnings"][0]["message"]

    clean = await book_load(client, admin, account, stops=due_now())
    other = await add_driver(client, admin, "eve@acme.example")
    await assign(client, admin, clean["id"], other)
    assert codes(await transition(client, other, clean["id"], status="PICKED_UP", **CHICAGO)) == []

    tomorrow = await book_load(client, admin, account)  # windows tomorrow and the day after
    third = await add_driver(client, admin, "fay@acme.example")
    await assign(client, admin, tomorrow["id"], third)
    late = (now() + timedelta(days=3)).isoformat()
    early = await transition(client, third, tomorrow["id"], status="PICKED_UP", at=late)
    assert codes(early) == ["outside_window"]
    assert "after the pickup window closed" in early.json()["warnings"][0]["message"]


async def test_a_delivery_far_from_the_stop_and_the_override_on_the_timeline(
    client: AsyncClient, admin: Session
) -> None:
    account = await add_customer(client, admin)
    driver = await add_driver(client, admin, "dee@acme.example")
    load = await book_load(client, admin, account, stops=due_now())
    await assign(client, admin, load["id"], driver)
    await move(client, driver, load["id"], "PICKED_UP")
    await move(client, driver, load["id"], "IN_TRANSIT")

    no_reason = await pod(
        client, driver, load["id"], acknowledge_warnings="far_from_stop", **CHICAGO
    )
    problem = assert_problem(no_reason, 422, "validation_error")
    assert ["body", "override_reason"] in [e["loc"] for e in problem["errors"]]

    strict = {"Prefer": "handling=strict"}
    refused = await pod(client, driver, load["id"], strict, **CHICAGO)
    problem = assert_problem(refused, 409, "warnings_not_acknowledged")
    assert [w["code"] for w in problem["warnings"]] == ["far_from_stop"]
    assert "Delivered" in problem["warnings"][0]["message"]
    shipment = await client.get(f"/api/shipments/{load['id']}", headers=admin.auth)
    assert shipment.json()["status"] == "IN_TRANSIT"  # nothing landed

    reason = "Receiver took it at their other dock"
    ack = {"acknowledge_warnings": "far_from_stop", "override_reason": reason}
    done = await pod(client, driver, load["id"], strict, **CHICAGO, **ack)
    assert done.status_code == 201, done.text
    assert [(w["code"], w["overridden"]) for w in done.json()["warnings"]] == [
        ("far_from_stop", True)
    ]
    events = await client.get(f"/api/shipments/{load['id']}/events", headers=admin.auth)
    last = events.json()["items"][-1]
    assert last["type"] == "shipment.warning_overridden"
    assert last["data"] == {"action": "deliver", "codes": ["far_from_stop"], "reason": reason}


async def test_another_organisation_cannot_override_on_a_load(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    account = await add_customer(client, admin)
    driver = await add_driver(client, admin, "dee@acme.example")
    load = await book_load(client, admin, account)
    ack = {"acknowledge_warnings": ["pickup_window_closed"], "override_reason": "ours"}
    resp = await client.post(
        f"/api/shipments/{load['id']}/assign",
        headers=other_admin.auth,
        json={"driver_id": driver.id} | ack,
    )
    assert_problem(resp, 404)
    await assign(client, admin, load["id"], driver)
    ack = {"acknowledge_warnings": ["outside_window"], "override_reason": "ours"}
    resp = await transition(client, other_admin, load["id"], status="PICKED_UP", **ack)
    assert_problem(resp, 404)
    events = await client.get(f"/api/shipments/{load['id']}/events", headers=admin.auth)
    assert "shipment.warning_overridden" not in [e["type"] for e in events.json()["items"]]
