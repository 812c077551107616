"""Auto-dispatch through the API: propose, read the reasons, apply what still holds."""

from __future__ import annotations

import asyncio
import copy
import uuid
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient

from freight.dispatch.models import DispatchPlan
from tests.fleet_helpers import add_driver, book_load
from tests.helpers import Session, add_customer, add_user, assert_problem


async def _board(client: AsyncClient, admin: Session) -> tuple[dict[str, Any], ...]:
    """Two loads (Chicago, Atlanta pickups) and two drivers (Columbus, Memphis).

    Greedy by pickup time: the Chicago load (earlier) takes the nearer Columbus driver,
    leaving Memphis for Atlanta. Optimal swaps them only if that is shorter in total.
    """
    account = await add_customer(client, admin)
    chicago = await book_load(client, admin, account, origin="Chicago", destination="Dallas")
    atlanta = await book_load(client, admin, account, origin="Atlanta", destination="Dallas")
    columbus = await add_driver(client, admin, "col@acme.example", city="Columbus")
    memphis = await add_driver(client, admin, "mem@acme.example", city="Memphis")
    tanker = await book_load(
        client, admin, account, origin="Denver", destination="Phoenix", equipment_type="tanker"
    )
    return chicago, atlanta, columbus.driver, memphis.driver, tanker


async def test_plan_assigns_every_coverable_load_with_reasons_and_a_baseline(
    client: AsyncClient, admin: Session
) -> None:
    chicago, atlanta, columbus, memphis, tanker = await _board(client, admin)
    resp = await client.post("/api/dispatch/plans", headers=admin.auth, json={})
    assert resp.status_code == 201, resp.text
    result = resp.json()["result"]
    pairs = {a["shipment_id"]: a for a in result["assignments"]}
    assert set(pairs) == {chicago["id"], atlanta["id"]}
    assert {pairs[chicago["id"]]["driver_id"], pairs[atlanta["id"]]["driver_id"]} == {
        columbus["id"],
        memphis["id"],
    }
    for pair in pairs.values():
        assert pair["deadhead_km"] > 0 and pair["minutes_to_pickup"] > 0
        assert pair["equipment_ok"] and pair["hours_ok"] and pair["slack_minutes"] >= 0
    assert result["optimal_deadhead_km"] <= result["greedy_deadhead_km"]
    assert result["km_saved"] == round(
        result["greedy_deadhead_km"] - result["optimal_deadhead_km"], 1
    )
    [uncovered] = result["unassigned"]
    assert uncovered["shipment_id"] == tanker["id"]
    assert uncovered["reason"] == "no_feasible_driver" and uncovered["ruled_out"]["equipment"] == 2


async def test_apply_assigns_each_pair_and_records_one_event_each(
    client: AsyncClient, admin: Session
) -> None:
    chicago, atlanta, *_ = await _board(client, admin)
    plan = (await client.post("/api/dispatch/plans", headers=admin.auth, json={})).json()
    resp = await client.post(f"/api/dispatch/plans/{plan['id']}/apply", headers=admin.auth)
    assert resp.status_code == 200, resp.text
    assert len(resp.json()["applied"]) == 2 and resp.json()["skipped"] == []
    for load in (chicago, atlanta):
        events = (
            await client.get(f"/api/shipments/{load['id']}/events", headers=admin.auth)
        ).json()["items"]
        assigned = [e for e in events if e["type"] == "shipment.assigned"]
        assert len(assigned) == 1 and assigned[0]["data"]["plan_id"] == plan["id"]
    again = await client.post(f"/api/dispatch/plans/{plan['id']}/apply", headers=admin.auth)
    assert_problem(again, 409)


async def test_apply_rechecks_and_skips_pairs_that_no_longer_hold(
    client: AsyncClient, admin: Session
) -> None:
    chicago, atlanta, *_ = await _board(client, admin)
    plan = (await client.post("/api/dispatch/plans", headers=admin.auth, json={})).json()
    gone = next(a for a in plan["result"]["assignments"] if a["shipment_id"] == chicago["id"])[
        "driver_id"
    ]
    await client.put(
        f"/api/drivers/{gone}/availability", headers=admin.auth, json={"status": "off_duty"}
    )
    await client.post(
        f"/api/shipments/{atlanta['id']}/cancel", headers=admin.auth, json={"reason": "shipper"}
    )
    result = (
        await client.post(f"/api/dispatch/plans/{plan['id']}/apply", headers=admin.auth)
    ).json()
    assert result["applied"] == []
    reasons = {s["shipment_id"]: s["skipped_because"] for s in result["skipped"]}
    assert "not available" in reasons[chicago["id"]]
    assert "CANCELLED" in reasons[atlanta["id"]]
    assert (await client.get(f"/api/shipments/{chicago['id']}", headers=admin.auth)).json()[
        "status"
    ] == "PENDING"


async def test_apply_only_the_chosen_loads(client: AsyncClient, admin: Session) -> None:
    chicago, atlanta, *_ = await _board(client, admin)
    plan = (await client.post("/api/dispatch/plans", headers=admin.auth, json={})).json()
    resp = await client.post(
        f"/api/dispatch/plans/{plan['id']}/apply",
        headers=admin.auth,
        json={"shipment_ids": [atlanta["id"]]},
    )
    assert [a["shipment_id"] for a in resp.json()["applied"]] == [atlanta["id"]]
    assert (await client.get(f"/api/shipments/{chicago['id']}", headers=admin.auth)).json()[
        "status"
    ] == "PENDING"


async def test_plans_are_for_staff_of_the_organisation(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    await _board(client, admin)
    plan = (await client.post("/api/dispatch/plans", headers=admin.auth, json={})).json()
    buyer = await add_user(client, admin, "customer", "buyer@globex.example")
    assert_problem(await client.post("/api/dispatch/plans", headers=buyer.auth, json={}), 403)
    assert_problem(
        await client.get(f"/api/dispatch/plans/{plan['id']}", headers=other_admin.auth), 404
    )
    assert_problem(
        await client.post(f"/api/dispatch/plans/{plan['id']}/apply", headers=other_admin.auth), 404
    )
    theirs = (await client.post("/api/dispatch/plans", headers=other_admin.auth, json={})).json()
    assert theirs["result"]["loads_considered"] == 0  # our loads are invisible to them


async def test_one_plan_applied_twice_at_once_applies_once(
    client: AsyncClient, admin: Session
) -> None:
    chicago, atlanta, *_ = await _board(client, admin)
    plan = (await client.post("/api/dispatch/plans", headers=admin.auth, json={})).json()
    url = f"/api/dispatch/plans/{plan['id']}/apply"
    first, second = await asyncio.gather(
        client.post(url, headers=admin.auth), client.post(url, headers=admin.auth)
    )
    assert sorted((first.status_code, second.status_code)) == [200, 409]
    done = first if first.status_code == 200 else second
    assert len(done.json()["applied"]) == 2
    for load in (chicago, atlanta):
        events = await client.get(f"/api/shipments/{load['id']}/events", headers=admin.auth)
        assigned = [e for e in events.json()["items"] if e["type"] == "shipment.assigned"]
        assert len(assigned) == 1


async def test_two_plans_over_the_same_loads_applied_at_once_never_fail_or_double_assign(
    client: AsyncClient, admin: Session
) -> None:
    chicago, atlanta, columbus, memphis, _ = await _board(client, admin)
    other = await add_user(client, admin, "dispatcher", "other@acme.example")
    plans = [
        (await client.post("/api/dispatch/plans", headers=who.auth, json={})).json()
        for who in (admin, other)
    ]
    answers = await asyncio.gather(
        *(
            client.post(f"/api/dispatch/plans/{plan['id']}/apply", headers=who.auth)
            for plan, who in zip(plans, (admin, other), strict=True)
        )
    )
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    applied = [pair for a in answers for pair in a.json()["applied"]]
    skipped = [pair for a in answers for pair in a.json()["skipped"]]
    assert sorted(p["shipment_id"] for p in applied) == sorted([chicago["id"], atlanta["id"]])
    assert len(skipped) == 2 and all(p["skipped_because"] for p in skipped)
    held = set()
    for driver in (columbus, memphis):
        resp = await client.get(f"/api/drivers/{driver['id']}", headers=admin.auth)
        held.add(resp.json()["current_shipment_id"])
    assert held == {chicago["id"], atlanta["id"]}


async def test_plans_stored_before_the_pairs_were_typed_still_read_and_apply(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    chicago, atlanta, *_ = await _board(client, admin)
    plan = (await client.post("/api/dispatch/plans", headers=admin.auth, json={})).json()
    assert "load_id" not in plan["result"]["assignments"][0]
    async with app.state.ctx.sessions() as session:
        row = await session.get(DispatchPlan, uuid.UUID(plan["id"]))
        assert row is not None
        stored = copy.deepcopy(row.result)
        assert stored == plan["result"]  # the stored JSON is the typed plan
        for entry in stored["assignments"] + stored["unassigned"]:
            entry["load_id"] = entry.pop("shipment_id")  # as plans were stored until now
        row.result = stored
        await session.commit()
    read = await client.get(f"/api/dispatch/plans/{plan['id']}", headers=admin.auth)
    assert read.status_code == 200, read.text
    assert read.json()["result"] == plan["result"]
    resp = await client.post(f"/api/dispatch/plans/{plan['id']}/apply", headers=admin.auth)
    assert resp.status_code == 200, resp.text
    applied = sorted(p["shipment_id"] for p in resp.json()["applied"])
    assert applied == sorted([chicago["id"], atlanta["id"]])
