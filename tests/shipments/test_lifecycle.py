"""The full transition table: each allowed move succeeds, every other is 409 and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from tests.fleet_helpers import DriverAt, add_driver, assign, book_load, move, tiny_png
from tests.helpers import Session, add_customer, assert_problem

STATUSES = ["PENDING", "ASSIGNED", "PICKED_UP", "IN_TRANSIT", "DELIVERED", "CANCELLED"]
ALLOWED = {
    ("PENDING", "ASSIGNED"),
    ("ASSIGNED", "PENDING"),
    ("ASSIGNED", "PICKED_UP"),
    ("PICKED_UP", "IN_TRANSIT"),
    ("IN_TRANSIT", "DELIVERED"),
    ("PENDING", "CANCELLED"),
    ("ASSIGNED", "CANCELLED"),
}


async def _pod(client: AsyncClient, who: Session | DriverAt, load_id: str) -> Any:
    return await client.post(
        f"/api/shipments/{load_id}/pod",
        headers=who.auth,
        data={"recipient_name": "Rita Receiver"},
        files={"signature": ("sig.png", tiny_png(), "image/png")},
    )


async def reach(
    client: AsyncClient, admin: Session, driver: DriverAt, status: str
) -> dict[str, Any]:
    """A new load in ``status``, moved there through the API."""
    account = await add_customer(client, admin, f"Account for {status}")
    load = await book_load(client, admin, account)
    path = {
        "PENDING": [],
        "ASSIGNED": ["ASSIGNED"],
        "PICKED_UP": ["ASSIGNED", "PICKED_UP"],
        "IN_TRANSIT": ["ASSIGNED", "PICKED_UP", "IN_TRANSIT"],
        "DELIVERED": ["ASSIGNED", "PICKED_UP", "IN_TRANSIT", "DELIVERED"],
        "CANCELLED": ["CANCELLED"],
    }[status]
    for step in path:
        if step == "ASSIGNED":
            await assign(client, admin, load["id"], driver)
        elif step == "DELIVERED":
            assert (await _pod(client, driver, load["id"])).status_code == 201
        elif step == "CANCELLED":
            await client.post(
                f"/api/shipments/{load['id']}/cancel", headers=admin.auth, json={"reason": "test"}
            )
        else:
            await move(client, driver, load["id"], step)
    current: dict[str, Any] = (
        await client.get(f"/api/shipments/{load['id']}", headers=admin.auth)
    ).json()
    assert current["status"] == status
    return current


async def attempt(
    client: AsyncClient, admin: Session, driver: DriverAt, load: dict[str, Any], target: str
) -> Any:
    """Ask for the move through the endpoint made for it."""
    url = f"/api/shipments/{load['id']}"
    if target == "ASSIGNED":
        return await client.post(f"{url}/assign", headers=admin.auth, json={"driver_id": driver.id})
    if target == "PENDING":
        return await client.post(f"{url}/unassign", headers=admin.auth)
    if target == "CANCELLED":
        return await client.post(
            f"{url}/cancel", headers=admin.auth, json={"reason": "no longer needed"}
        )
    if target == "DELIVERED":
        return await _pod(client, admin, load["id"])
    return await client.post(f"{url}/transitions", headers=admin.auth, json={"status": target})


@pytest.mark.parametrize("source", STATUSES)
async def test_transition_table(client: AsyncClient, admin: Session, source: str) -> None:
    for target in STATUSES:
        if target == source:
            continue
        driver = await add_driver(client, admin, f"d-{source}-{target}@acme.example".lower())
        load = await reach(client, admin, driver, source)
        events_before = len(
            (await client.get(f"/api/shipments/{load['id']}/events", headers=admin.auth)).json()[
                "items"
            ]
        )
        resp = await attempt(client, admin, driver, load, target)
        after = (await client.get(f"/api/shipments/{load['id']}", headers=admin.auth)).json()
        events_after = len(
            (await client.get(f"/api/shipments/{load['id']}/events", headers=admin.auth)).json()[
                "items"
            ]
        )
        if (source, target) in ALLOWED:
            assert resp.status_code in (200, 201), (source, target, resp.text)
            assert after["status"] == target and after["version"] == load["version"] + 1
            assert events_after == events_before + 1
        else:
            body = assert_problem(resp, 409)
            assert body["code"] in ("invalid_transition", "conflict"), (source, target, body)
            assert (after["status"], after["version"]) == (source, load["version"]), (
                source,
                target,
            )
            assert events_after == events_before


async def test_moves_that_need_more_than_a_status_are_refused_as_a_bare_status(
    client: AsyncClient, admin: Session
) -> None:
    driver = await add_driver(client, admin, "dee@acme.example")
    pending = await reach(client, admin, driver, "PENDING")
    url = f"/api/shipments/{pending['id']}"
    for resp in (
        await client.patch(
            url, headers={**admin.auth, "If-Match": "*"}, json={"status": "ASSIGNED"}
        ),
        await client.post(f"{url}/transitions", headers=admin.auth, json={"status": "CANCELLED"}),
    ):
        assert_problem(resp, 409, "invalid_transition")
    in_transit = await reach(
        client, admin, await add_driver(client, admin, "max@acme.example"), "IN_TRANSIT"
    )
    resp = await client.post(
        f"/api/shipments/{in_transit['id']}/transitions",
        headers=admin.auth,
        json={"status": "DELIVERED"},
    )
    assert "proof of delivery" in assert_problem(resp, 409, "invalid_transition")["detail"]


async def test_status_in_a_patch_body_goes_through_the_state_machine(
    client: AsyncClient, admin: Session
) -> None:
    driver = await add_driver(client, admin, "dee@acme.example")
    load = await reach(client, admin, driver, "ASSIGNED")
    url = f"/api/shipments/{load['id']}"
    ok = await client.patch(
        url,
        headers={**admin.auth, "If-Match": f'"{load["version"]}"'},
        json={"status": "PICKED_UP", "notes": "on the way"},
    )
    assert (ok.json()["status"], ok.json()["notes"]) == ("PICKED_UP", "on the way")
    bad = await client.put(
        url,
        headers={**admin.auth, "If-Match": f'"{ok.json()["version"]}"'},
        json={**_replace_body(ok.json()), "status": "PENDING"},
    )
    assert_problem(bad, 409, "invalid_transition")


def _replace_body(shipment: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "equipment_type",
        "weight_kg",
        "pieces",
        "commodity",
        "hazmat",
        "declared_value_cents",
        "currency",
        "notes",
    )
    stops = [
        {
            k: s[k]
            for k in (
                "kind",
                "name",
                "address",
                "city",
                "region",
                "postal_code",
                "country",
                "lat",
                "lng",
                "window_start",
                "window_end",
            )
        }
        for s in shipment["stops"]
    ]
    return {k: shipment[k] for k in keep} | {"stops": stops}


async def test_transition_keeps_device_time_and_position(
    client: AsyncClient, admin: Session
) -> None:
    driver = await add_driver(client, admin, "dee@acme.example")
    load = await reach(client, admin, driver, "ASSIGNED")
    resp = await client.post(
        f"/api/shipments/{load['id']}/transitions",
        headers=driver.auth,
        json={
            "status": "PICKED_UP",
            "at": "2026-11-28T09:30:00-06:00",
            "note": "sealed 4471",
            "lat": 41.88,
            "lng": -87.63,
        },
    )
    assert resp.status_code == 200
    event = (await client.get(f"/api/shipments/{load['id']}/events", headers=admin.auth)).json()[
        "items"
    ][-1]
    assert event["device_time"].startswith("2026-11-28T15:30:00")
    assert (event["data"]["note"], event["data"]["lat"]) == ("sealed 4471", 41.88)


async def test_the_chain_verifies_after_moves_with_device_times_in_other_zones(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    driver = await add_driver(client, admin, "dee@acme.example")
    load = await reach(client, admin, driver, "ASSIGNED")
    await client.post(
        f"/api/shipments/{load['id']}/transitions",
        headers=driver.auth,
        json={"status": "PICKED_UP", "at": "2026-11-28T09:30:00.123456-06:00"},
    )
    from freight.events import verify_chains

    async with app.state.ctx.sessions() as session:
        problems = [p async for p in verify_chains(session)]
    assert problems == []


def test_seeders_reach_each_status_by_the_fewest_allowed_moves() -> None:
    from freight.errors import InvalidTransition
    from freight.shipments.lifecycle import Status, path_to

    def walk(target: str, start: str = "PENDING") -> list[tuple[str, str]]:
        return [(str(s), m.action) for s, m in path_to(Status(target), Status(start))]

    assert walk("PENDING") == []
    assert walk("ASSIGNED") == [("ASSIGNED", "assign")]
    assert walk("CANCELLED") == [("CANCELLED", "cancel")]
    assert walk("DELIVERED") == [
        ("ASSIGNED", "assign"),
        ("PICKED_UP", "pickup"),
        ("IN_TRANSIT", "depart"),
        ("DELIVERED", "deliver"),
    ]
    assert walk("PENDING", start="ASSIGNED") == [("PENDING", "unassign")]
    for target in STATUSES:
        steps = path_to(Status(target))
        for (before, _), (after, _) in zip([(Status.PENDING, None), *steps], steps, strict=False):
            assert (str(before), str(after)) in ALLOWED
    with pytest.raises(InvalidTransition):
        path_to(Status.PENDING, Status.DELIVERED)
