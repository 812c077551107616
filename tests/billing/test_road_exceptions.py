"""Exceptions on the road: each move allowed and refused, and what the invoice bills."""

from __future__ import annotations

import asyncio
import io
import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fpdf import FPDF
from httpx import AsyncClient

from freight.access import Actor, Role
from freight.errors import Forbidden, InvalidTransition
from freight.shipments.lifecycle import MOVES, Status, check_move
from tests.billing.conftest import RATES, Org, invoice, set_stop_times
from tests.fleet_helpers import add_driver, assign, book_load, move, tiny_png
from tests.helpers import add_user, assert_problem

ROAD_RATES = {**RATES, "tonu_cents": 25_000, "reattempt_cents": 15_000, "layover_cents": 30_000}


@pytest.fixture
async def road(client: AsyncClient, org: Org) -> Org:
    resp = await client.put("/api/billing/rates", headers=org.admin.auth, json=ROAD_RATES)
    assert resp.status_code == 200, resp.text
    return org


async def _in_transit(client: AsyncClient, org: Org, **overrides: Any) -> dict[str, Any]:
    load = await book_load(client, org.dispatcher, org.account_a, **overrides)
    await assign(client, org.dispatcher, load["id"], org.driver)
    await move(client, org.driver, load["id"], "PICKED_UP")
    await move(client, org.driver, load["id"], "IN_TRANSIT")
    return load


async def _report(client: AsyncClient, who: Any, load_id: str, **body: Any) -> Any:
    return await client.post(f"/api/shipments/{load_id}/exceptions", headers=who.auth, json=body)


async def _status(client: AsyncClient, org: Org, load_id: str) -> str:
    shipment = (await client.get(f"/api/shipments/{load_id}", headers=org.admin.auth)).json()
    status: str = shipment["status"]
    return status


async def _deliver(client: AsyncClient, org: Org, load_id: str) -> None:
    resp = await client.post(
        f"/api/shipments/{load_id}/pod",
        headers=org.driver.auth,
        data={"recipient_name": "Rita Receiver"},
        files=[("signature", ("sig.png", tiny_png(), "image/png"))],
    )
    assert resp.status_code == 201, resp.text


def _lines(bill: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [line for line in bill["lines"] if line["kind"] == kind]


def _pdf(text: str) -> bytes:
    doc = FPDF()
    doc.add_page()
    doc.set_font("Helvetica", size=12)
    doc.cell(text=text)
    return bytes(doc.output())


@pytest.mark.parametrize("role", [Role.ADMIN, Role.DISPATCHER, Role.DRIVER, Role.CUSTOMER])
def test_each_pair_of_statuses_is_allowed_exactly_as_the_table_says(role: Role) -> None:
    """Every (from, to) pair: refused unless it is a move of the table for this role; a
    move that needs its own endpoint is refused from any other."""
    actor = Actor(organization_id=uuid.uuid4(), role=role)
    for current, target in itertools.product(Status, Status):
        move_ = MOVES.get((current, target))
        allowed = move_ is not None and role in move_.roles
        if not allowed:
            with pytest.raises((InvalidTransition, Forbidden)):
                check_move(current, target, actor, via=move_.action if move_ else None)
            continue
        assert move_ is not None
        assert check_move(current, target, actor, via=move_.action) is move_
        if move_.via is not None:
            with pytest.raises(InvalidTransition, match=move_.via):
                check_move(current, target, actor)


async def test_a_failed_delivery_is_reattempted_with_layover_and_billed(
    client: AsyncClient, road: Org, app: FastAPI
) -> None:
    org = road
    load = await _in_transit(client, org)
    failed_at = datetime.now(UTC).replace(microsecond=0)
    resp = await client.post(
        f"/api/shipments/{load['id']}/exceptions",
        headers=org.driver.auth,
        data={
            "kind": "delivery_failed",
            "reason": "closed",
            "note": "Dock shut, sign says back Monday",
            "at": failed_at.isoformat(),
            "lat": "32.78",
            "lng": "-96.80",
        },
        files=[("photos", ("dock.png", tiny_png(4, 3), "image/png"))],
    )
    assert resp.status_code == 201, resp.text
    report = resp.json()
    assert (report["status_before"], report["status_after"]) == ("IN_TRANSIT", "ATTEMPT_FAILED")
    assert report["stop_sequence"] == 2 and [f["role"] for f in report["files"]] == ["photo"]
    assert await _status(client, org, load["id"]) == "ATTEMPT_FAILED"
    photo = await client.get(report["files"][0]["url"], headers=org.customer_a.auth)
    assert photo.status_code == 200 and photo.content.startswith(b"\x89PNG")

    events = await client.get(f"/api/shipments/{load['id']}/events", headers=org.admin.auth)
    last = events.json()["items"][-1]
    assert last["type"] == "shipment.attempt_failed" and last["data"]["reason"] == "closed"
    seen = await client.get(f"/api/shipments/{load['id']}/exceptions", headers=org.customer_a.auth)
    assert seen.json()["items"][0]["reason"] == "closed"
    assert seen.json()["items"][0]["note"] is None  # the driver's words stay with the carrier
    customer_events = await client.get(
        f"/api/shipments/{load['id']}/events", headers=org.customer_a.auth
    )
    assert "note" not in customer_events.json()["items"][-1]["data"]

    # A second failure needs a reattempt first; a driver cannot reattempt.
    again = await _report(client, org.driver, load["id"], kind="delivery_failed", reason="closed")
    assert_problem(again, 409)
    start = failed_at + timedelta(days=2)
    window = {
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=4)).isoformat(),
    }
    url = f"/api/shipments/{load['id']}/reattempt"
    assert_problem(await client.post(url, headers=org.driver.auth, json=window), 403)
    backwards = {"window_start": window["window_end"], "window_end": window["window_start"]}
    bad = assert_problem(await client.post(url, headers=org.dispatcher.auth, json=backwards), 422)
    assert "window_end" in str(bad)
    resp = await client.post(url, headers=org.dispatcher.auth, json=window)
    assert resp.status_code == 200, resp.text
    shipment = resp.json()
    assert shipment["status"] == "IN_TRANSIT"
    delivery = shipment["stops"][-1]
    assert datetime.fromisoformat(delivery["window_start"]) == start
    assert_problem(await client.post(url, headers=org.dispatcher.auth, json=window), 409)

    arrived = start + timedelta(minutes=10)
    await set_stop_times(app, load["id"], 2, arrived, arrived + timedelta(hours=3))
    await _deliver(client, org, load["id"])
    bill = await invoice(client, org, org.account_a, [load["id"]], issue=False)
    reattempt, layover = _lines(bill, "reattempt"), _lines(bill, "layover")
    assert [line["amount_cents"] for line in reattempt] == [15_000]
    assert [(line["quantity"], line["amount_cents"]) for line in layover] == [("2", 60_000)]
    assert [line["amount_cents"] for line in _lines(bill, "detention")] == [7450]  # 60 min
    freight = sum(
        line["amount_cents"]
        for line in bill["lines"]
        if line["kind"] in ("linehaul", "fuel_surcharge")
    )
    assert bill["subtotal_cents"] == freight + 15_000 + 60_000 + 7450


async def test_a_failed_load_returns_to_the_shipper(client: AsyncClient, road: Org) -> None:
    org = road
    load = await _in_transit(client, org)
    resp = await _report(client, org.driver, load["id"], kind="delivery_failed", reason="refused")
    assert resp.status_code == 201, resp.text
    # Only the office decides to send it back; only the road says it is back.
    refused = await client.post(
        f"/api/shipments/{load['id']}/transitions",
        headers=org.driver.auth,
        json={"status": "RETURNING"},
    )
    assert_problem(refused, 403)
    await move(client, org.dispatcher, load["id"], "RETURNING")
    early = await client.post(
        f"/api/shipments/{load['id']}/pod",
        headers=org.driver.auth,
        data={"recipient_name": "Rita"},
        files=[("signature", ("sig.png", tiny_png(), "image/png"))],
    )
    assert_problem(early, 409)  # on its way back: not deliverable
    await move(client, org.driver, load["id"], "RETURNED")
    assert await _status(client, org, load["id"]) == "RETURNED"
    driver = (await client.get(f"/api/drivers/{org.driver.id}", headers=org.admin.auth)).json()
    assert driver["current_shipment_id"] is None  # free for the next load
    final = await client.post(
        f"/api/shipments/{load['id']}/transitions",
        headers=org.dispatcher.auth,
        json={"status": "IN_TRANSIT"},
    )
    assert_problem(final, 409)
    bill = await invoice(client, org, org.account_a, [load["id"]], issue=False)
    assert _lines(bill, "linehaul")  # the trip was run: the freight is billed


async def test_no_freight_at_the_pickup_is_a_tonu(client: AsyncClient, road: Org) -> None:
    org = road
    load = await book_load(client, org.dispatcher, org.account_a)
    await assign(client, org.dispatcher, load["id"], org.driver)
    resp = await _report(client, org.driver, load["id"], kind="pickup_failed", reason="no_freight")
    assert resp.status_code == 201, resp.text
    assert resp.json()["status_after"] == "ASSIGNED"  # the office confirms with the shipper
    not_yet = await client.post(
        "/api/invoices",
        headers=org.admin.auth,
        json={"customer_id": org.account_a, "shipment_ids": [load["id"]]},
    )
    assert_problem(not_yet, 422)
    resp = await _report(
        client, org.dispatcher, load["id"], kind="pickup_failed", reason="no_freight"
    )
    assert resp.status_code == 201, resp.text
    shipment = (await client.get(f"/api/shipments/{load['id']}", headers=org.admin.auth)).json()
    assert shipment["status"] == "CANCELLED" and "not used" in shipment["cancel_reason"]
    uninvoiced = await client.get(
        f"/api/invoices/uninvoiced?customer_id={org.account_a}", headers=org.admin.auth
    )
    assert load["id"] in {s["id"] for s in uninvoiced.json()["items"]}
    bill = await invoice(client, org, org.account_a, [load["id"]], issue=False)
    assert [(line["kind"], line["amount_cents"]) for line in bill["lines"]] == [("tonu", 25_000)]
    late = await _report(client, org.driver, load["id"], kind="pickup_failed", reason="not_ready")
    assert_problem(late, 409)


async def test_freight_not_ready_keeps_the_load_and_bills_detention(
    client: AsyncClient, road: Org, app: FastAPI
) -> None:
    org = road
    load = await book_load(client, org.dispatcher, org.account_a)
    await assign(client, org.dispatcher, load["id"], org.driver)
    resp = await _report(client, org.driver, load["id"], kind="pickup_failed", reason="not_ready")
    assert resp.status_code == 201 and resp.json()["status_after"] == "ASSIGNED"
    arrived = datetime.now(UTC) - timedelta(hours=5)
    await set_stop_times(app, load["id"], 1, arrived, arrived + timedelta(hours=4))  # 2 h over
    await move(client, org.driver, load["id"], "PICKED_UP")
    await move(client, org.driver, load["id"], "IN_TRANSIT")
    await _deliver(client, org, load["id"])
    bill = await invoice(client, org, org.account_a, [load["id"]], issue=False)
    assert [line["amount_cents"] for line in _lines(bill, "detention")] == [14_900]


async def test_over_short_and_damaged_and_a_partial_delivery(
    client: AsyncClient, road: Org
) -> None:
    org = road
    load = await _in_transit(client, org)  # 24 pieces
    missing = await _report(client, org.driver, load["id"], kind="osd", reason="short")
    assert "pieces_affected" in str(assert_problem(missing, 422))
    too_many = await _report(
        client, org.driver, load["id"], kind="osd", reason="refused", pieces_affected=30
    )
    assert "pieces_affected" in str(assert_problem(too_many, 422))
    resp = await _report(client, org.driver, load["id"], kind="delivery_failed", reason="damaged")
    assert resp.status_code == 201
    resp = await _report(
        client,
        org.driver,
        load["id"],
        kind="osd",
        reason="refused",
        pieces_affected=3,
        note="3 pallets crushed, consignee took 21",
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["status_after"] == "ATTEMPT_FAILED"  # an OS&D report does not move
    await _deliver(client, org, load["id"])  # the consignee takes the rest
    assert await _status(client, org, load["id"]) == "DELIVERED"
    listed = await client.get(f"/api/shipments/{load['id']}/exceptions", headers=org.admin.auth)
    kinds = [(e["kind"], e["reason"], e["pieces_affected"]) for e in listed.json()["items"]]
    assert kinds == [("delivery_failed", "damaged", None), ("osd", "refused", 3)]


async def test_a_lumper_needs_its_receipt_and_is_billed_at_cost(
    client: AsyncClient, road: Org
) -> None:
    org = road
    load = await _in_transit(client, org)
    url = f"/api/shipments/{load['id']}/exceptions"
    form = {"kind": "lumper", "reason": "unloading", "amount_cents": "18500"}
    no_receipt = await client.post(url, headers=org.driver.auth, data=form)
    assert "receipt" in str(assert_problem(no_receipt, 422))
    fake = await client.post(
        url,
        headers=org.driver.auth,
        data=form,
        files=[("receipt", ("receipt.pdf", b"%PDF-1.7 not really", "application/pdf"))],
    )
    assert "receipt" in str(assert_problem(fake, 422))
    text = await client.post(
        url,
        headers=org.driver.auth,
        data=form,
        files=[("receipt", ("receipt.pdf", b"hello, world", "application/pdf"))],
    )
    assert "receipt" in str(assert_problem(text, 422))
    receipt = _pdf("Capstone Lumper Services - receipt 4471 - USD 185.00")
    resp = await client.post(
        url,
        headers=org.driver.auth,
        data=form,
        files=[("receipt", ("receipt.pdf", receipt, "application/pdf"))],
    )
    assert resp.status_code == 201, resp.text
    stored = resp.json()["files"]
    assert [(f["role"], f["content_type"]) for f in stored] == [("receipt", "application/pdf")]
    download = await client.get(stored[0]["url"], headers=org.admin.auth)
    assert download.content == receipt
    await _deliver(client, org, load["id"])
    bill = await invoice(client, org, org.account_a, [load["id"]], issue=False)
    assert [line["amount_cents"] for line in _lines(bill, "lumper")] == [18_500]
    after = await client.post(
        url,
        headers=org.driver.auth,
        data=form,
        files=[("receipt", ("receipt.pdf", receipt, "application/pdf"))],
    )
    assert_problem(after, 409)  # on an invoice already: void it first


async def test_bad_reports_name_the_field_and_strangers_are_refused(
    client: AsyncClient, road: Org
) -> None:
    org = road
    load = await _in_transit(client, org)
    bad_kind = await _report(client, org.driver, load["id"], kind="flat_tire", reason="other")
    assert "kind" in str(assert_problem(bad_kind, 422))
    bad_reason = await _report(client, org.driver, load["id"], kind="delivery_failed", reason="x")
    assert "reason" in str(assert_problem(bad_reason, 422))
    not_a_photo = await client.post(
        f"/api/shipments/{load['id']}/exceptions",
        headers=org.driver.auth,
        data={"kind": "delivery_failed", "reason": "closed"},
        files=[("photos", ("dock.png", b"<script>alert(1)</script>", "image/png"))],
    )
    assert "photos" in str(assert_problem(not_a_photo, 422))
    customer = await _report(
        client, org.customer_a, load["id"], kind="delivery_failed", reason="closed"
    )
    assert_problem(customer, 403)
    other_driver = await add_driver(client, org.admin, "rae@acme.example")
    stranger = await _report(
        client, other_driver, load["id"], kind="delivery_failed", reason="closed"
    )
    assert_problem(stranger, 404)
    outsider = await _report(
        client, org.outsider, load["id"], kind="delivery_failed", reason="closed"
    )
    assert_problem(outsider, 404)
    nobody = await client.post(
        f"/api/shipments/{load['id']}/exceptions", json={"kind": "osd", "reason": "short"}
    )
    assert nobody.status_code == 401
    assert await _status(client, org, load["id"]) == "IN_TRANSIT"  # nothing moved
    listed = await client.get(f"/api/shipments/{load['id']}/exceptions", headers=org.admin.auth)
    assert listed.json()["items"] == []
    viewer = await add_user(client, org.admin, "customer", "ops@initech.example", org.account_b)
    hidden = await client.get(f"/api/shipments/{load['id']}/exceptions", headers=viewer.auth)
    assert_problem(hidden, 404)


async def test_two_failed_attempts_at_once_move_the_load_once(
    client: AsyncClient, road: Org
) -> None:
    org = road
    load = await _in_transit(client, org)
    answers = await asyncio.gather(
        _report(client, org.driver, load["id"], kind="delivery_failed", reason="closed"),
        _report(client, org.dispatcher, load["id"], kind="delivery_failed", reason="no_access"),
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409], [a.text for a in answers]
    listed = await client.get(f"/api/shipments/{load['id']}/exceptions", headers=org.admin.auth)
    assert len(listed.json()["items"]) == 1
    events = await client.get(f"/api/shipments/{load['id']}/events", headers=org.admin.auth)
    failed = [e for e in events.json()["items"] if e["type"] == "shipment.attempt_failed"]
    assert len(failed) == 1


async def test_a_json_report_that_is_not_an_object(client: AsyncClient, road: Org) -> None:
    load = await _in_transit(client, road)
    resp = await client.post(
        f"/api/shipments/{load['id']}/exceptions",
        headers={**road.driver.auth, "content-type": "application/json"},
        content=io.BytesIO(b"[1, 2]").getvalue(),
    )
    assert_problem(resp, 422)
