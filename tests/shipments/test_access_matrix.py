"""Who may do what to a shipment: every role, the owner's account and strangers.

Two loads of account A: one PENDING (edit, cancel) and one ASSIGNED to driver "dee"
(the transition). Expected status codes per caller and operation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient

from tests.fleet_helpers import add_driver, assign, book_load
from tests.helpers import Session, add_customer, add_user, register

CALLERS = [
    "customer_a",
    "customer_b",
    "assigned_driver",
    "other_driver",
    "dispatcher",
    "admin",
    "outsider",
]
EXPECTED = {
    #                   read  list  edit  cancel transition
    "customer_a": (200, True, 200, 200, 403),
    "customer_b": (404, False, 404, 404, 403),
    "assigned_driver": (200, True, 403, 403, 200),
    "other_driver": (404, False, 403, 403, 404),
    "dispatcher": (200, True, 200, 200, 200),
    "admin": (200, True, 200, 200, 200),
    "outsider": (404, False, 404, 404, 404),
}


@dataclass
class Scene:
    callers: dict[str, Any]
    pending: dict[str, Any]
    assigned: dict[str, Any]


async def _scene(client: AsyncClient) -> Scene:
    admin = await register(client, "Acme Haulage", "admin@acme.example")
    outsider = await register(client, "Rival Logistics", "admin@rival.example")
    account_a = await add_customer(client, admin, "Globex Foods")
    account_b = await add_customer(client, admin, "Initech Parts")
    dee = await add_driver(client, admin, "dee@acme.example")
    other = await add_driver(client, admin, "max@acme.example")
    callers: dict[str, Any] = {
        "customer_a": await add_user(client, admin, "customer", "a@globex.example", account_a),
        "customer_b": await add_user(client, admin, "customer", "b@initech.example", account_b),
        "assigned_driver": dee,
        "other_driver": other,
        "dispatcher": await add_user(client, admin, "dispatcher", "disp@acme.example"),
        "admin": admin,
        "outsider": outsider,
    }
    pending = await book_load(client, admin, account_a)
    assigned = await book_load(client, admin, account_a)
    await assign(client, admin, assigned["id"], dee)
    return Scene(callers, pending, assigned)


@pytest.mark.parametrize("caller", CALLERS)
async def test_access_matrix(client: AsyncClient, caller: str) -> None:
    scene = await _scene(client)
    who = scene.callers[caller]
    read, listed, edit, cancel, transition = EXPECTED[caller]
    pending, assigned = scene.pending["id"], scene.assigned["id"]

    resp = await client.get(f"/api/shipments/{assigned}", headers=who.auth)
    assert resp.status_code == read, resp.text
    if read == 404:
        assert scene.assigned["reference"] not in resp.text

    ids = {s["id"] for s in (await client.get("/api/shipments", headers=who.auth)).json()["items"]}
    assert (assigned in ids) is listed
    events = await client.get(f"/api/shipments/{assigned}/events", headers=who.auth)
    assert events.status_code == read

    version = {"If-Match": f'"{scene.pending["version"]}"'}  # as a client that read it
    resp = await client.patch(
        f"/api/shipments/{pending}", headers={**who.auth, **version}, json={"notes": "gate 7"}
    )
    assert resp.status_code == edit, resp.text
    resp = await client.post(
        f"/api/shipments/{pending}/cancel", headers=who.auth, json={"reason": "x"}
    )
    assert resp.status_code == cancel, resp.text
    resp = await client.post(
        f"/api/shipments/{assigned}/transitions", headers=who.auth, json={"status": "PICKED_UP"}
    )
    assert resp.status_code == transition, resp.text

    # Nothing a refused caller tried left a trace.
    admin = scene.callers["admin"]
    after = (await client.get(f"/api/shipments/{pending}", headers=admin.auth)).json()
    if edit != 200:
        assert after["notes"] is None
    if cancel != 200:
        assert after["status"] == "PENDING"
    moved = (await client.get(f"/api/shipments/{assigned}", headers=admin.auth)).json()
    assert moved["status"] == ("PICKED_UP" if transition == 200 else "ASSIGNED")


async def test_customers_cancel_only_while_pending(client: AsyncClient) -> None:
    scene = await _scene(client)
    customer: Session = scene.callers["customer_a"]
    resp = await client.post(
        f"/api/shipments/{scene.assigned['id']}/cancel", headers=customer.auth, json={"reason": "x"}
    )
    assert resp.status_code == 409
    edit = await client.patch(
        f"/api/shipments/{scene.assigned['id']}", headers=customer.auth, json={"notes": "x"}
    )
    assert edit.status_code == 409
