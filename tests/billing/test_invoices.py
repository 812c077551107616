"""Invoices: numbers without gaps, one invoice per shipment, lifecycle, aging, auto-invoice."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import update

from freight.billing.models import Invoice
from tests.billing.conftest import RATES, Org, deliver, invoice, issued_invoice, pay
from tests.helpers import assert_problem


async def test_numbers_have_no_gaps_or_duplicates_under_concurrency(
    client: AsyncClient, org: Org
) -> None:
    shipments = [await deliver(client, org, org.account_a) for _ in range(8)]
    responses = await asyncio.gather(
        *(
            client.post(
                "/api/invoices",
                headers=org.admin.auth,
                json={"customer_id": org.account_a, "shipment_ids": [s["id"]]},
            )
            for s in shipments
        )
    )
    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    year = datetime.now(UTC).year
    numbers = sorted(r.json()["number"] for r in responses)
    assert numbers == [f"INV-{year}-{n:06d}" for n in range(1, 9)]
    # Another organisation counts on its own.
    other = await client.get("/api/invoices", headers=org.outsider.auth)
    assert other.json()["items"] == []


async def test_a_shipment_is_never_invoiced_twice(client: AsyncClient, org: Org) -> None:
    shipment = await deliver(client, org, org.account_a)
    body = {"customer_id": org.account_a, "shipment_ids": [shipment["id"]]}
    responses = await asyncio.gather(
        *(client.post("/api/invoices", headers=org.admin.auth, json=body) for _ in range(6))
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5
    first = next(r.json() for r in responses if r.status_code == 201)
    again = await client.post("/api/invoices", headers=org.admin.auth, json=body)
    assert first["number"] in assert_problem(again, 409)["detail"]

    # Voiding releases the shipment; the next invoice takes the next number (no reuse).
    resp = await client.post(
        f"/api/invoices/{first['id']}/void", headers=org.admin.auth, json={"reason": "wrong rate"}
    )
    assert resp.status_code == 200 and resp.json()["status"] == "void"
    second = await client.post("/api/invoices", headers=org.admin.auth, json=body)
    assert second.status_code == 201
    assert second.json()["number"].endswith("000002")


async def test_only_delivered_shipments_of_the_account(client: AsyncClient, org: Org) -> None:
    from tests.fleet_helpers import book_load

    pending = await book_load(client, org.dispatcher, org.account_a)
    of_b = await deliver(client, org, org.account_b)
    resp = await client.post(
        "/api/invoices",
        headers=org.admin.auth,
        json={
            "customer_id": org.account_a,
            "shipment_ids": [pending["id"], of_b["id"], str(uuid.uuid4())],
        },
    )
    errors = assert_problem(resp, 422)["errors"]
    assert [e["msg"] for e in errors] == [
        "is not delivered",
        "belongs to another account",
        "no such shipment",
    ]


async def test_several_shipments_on_one_invoice(client: AsyncClient, org: Org) -> None:
    one = await deliver(client, org, org.account_a)
    two = await deliver(client, org, org.account_a, origin="Atlanta", destination="Memphis")
    body = await invoice(client, org, org.account_a, [one["id"], two["id"]], issue=False)
    assert body["shipment_references"] == [one["reference"], two["reference"]]
    assert {line["shipment_id"] for line in body["lines"]} == {one["id"], two["id"]}
    assert body["subtotal_cents"] == sum(line["amount_cents"] for line in body["lines"])
    assert body["subtotal_cents"] == one["price_cents"] + two["price_cents"]


async def test_issue_sets_the_due_date_and_overdue_is_derived(
    client: AsyncClient, app: FastAPI, org: Org
) -> None:
    body = await issued_invoice(client, org)
    issued = datetime.fromisoformat(body["issued_at"])
    due = datetime.fromisoformat(body["due_at"])
    assert due - issued == timedelta(days=30) and body["overdue"] is False
    again = await client.post(f"/api/invoices/{body['id']}/issue", headers=org.admin.auth)
    assert_problem(again, 409, "invalid_transition")

    async with app.state.ctx.engine.begin() as conn:
        await conn.execute(
            update(Invoice)
            .where(Invoice.id == uuid.UUID(body["id"]))
            .values(due_at=datetime.now(UTC) - timedelta(days=1))
        )
    late = (await client.get(f"/api/invoices/{body['id']}", headers=org.admin.auth)).json()
    assert late["overdue"] is True
    assert (await pay(client, org.admin, body["id"], late["total_cents"])).status_code == 201
    paid = (await client.get(f"/api/invoices/{body['id']}", headers=org.admin.auth)).json()
    assert paid["status"] == "paid" and paid["overdue"] is False and paid["balance_cents"] == 0
    voided = await client.post(
        f"/api/invoices/{body['id']}/void", headers=org.admin.auth, json={"reason": "x"}
    )
    assert_problem(voided, 409, "invalid_transition")


async def test_aging_buckets(client: AsyncClient, app: FastAPI, org: Org) -> None:
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    days_past_due = {
        "current": 0,
        "days_1_30": 30,
        "days_31_60": 31,
        "days_61_90": 90,
        "over_90": 91,
    }
    made = {}
    for bucket, days in days_past_due.items():
        body = await issued_invoice(client, org)
        async with app.state.ctx.engine.begin() as conn:
            await conn.execute(
                update(Invoice)
                .where(Invoice.id == uuid.UUID(body["id"]))
                .values(due_at=today - timedelta(days=days))
            )
        made[bucket] = body
    await pay(client, org.admin, made["over_90"]["id"], 100_000)
    of_b = await issued_invoice(client, org, org.account_b)
    draft = await deliver(client, org, org.account_a)
    await invoice(client, org, org.account_a, [draft["id"]], issue=False)  # drafts do not age

    resp = await client.get("/api/invoices/aging", headers=org.dispatcher.auth)
    assert resp.status_code == 200, resp.text
    aging = resp.json()
    by_account = {a["customer_id"]: a for a in aging["accounts"]}
    a = by_account[org.account_a]
    total = made["current"]["total_cents"]
    assert [a[b] for b in days_past_due] == [total, total, total, total, total - 100_000]
    assert a["total"] == 5 * total - 100_000
    assert by_account[org.account_b]["current"] == of_b["total_cents"]
    assert aging["totals"]["USD"]["total"] == 6 * total - 100_000

    # Thirty days on, today's current balance is 30 days past due.
    later = (today + timedelta(days=30)).date().isoformat()
    shifted = (
        await client.get(f"/api/invoices/aging?as_of={later}", headers=org.admin.auth)
    ).json()
    shifted_a = next(x for x in shifted["accounts"] if x["customer_id"] == org.account_a)
    assert shifted_a["current"] == 0 and shifted_a["days_1_30"] == total
    mine = (await client.get("/api/invoices/aging", headers=org.customer_b.auth)).json()
    assert [x["customer_id"] for x in mine["accounts"]] == [org.account_b]


async def test_auto_invoice_on_delivery(client: AsyncClient, org: Org) -> None:
    quiet = await deliver(client, org, org.account_a)
    listed = (await client.get("/api/invoices", headers=org.admin.auth)).json()["items"]
    assert listed == []  # off by default

    resp = await client.put(
        "/api/billing/rates", headers=org.admin.auth, json={**RATES, "auto_invoice": True}
    )
    assert resp.status_code == 200 and resp.json()["auto_invoice"] is True
    shipment = await deliver(client, org, org.account_a)
    listed = (await client.get("/api/invoices", headers=org.admin.auth)).json()["items"]
    assert len(listed) == 1
    draft = listed[0]
    assert draft["status"] == "draft" and draft["shipment_references"] == [shipment["reference"]]
    assert draft["total_cents"] == 408_372
    events = (
        await client.get(f"/api/shipments/{shipment['id']}/events", headers=org.admin.auth)
    ).json()
    types = [e["type"] for e in events["items"]]
    assert types[-2:] == ["shipment.delivered", "invoice.created"]
    assert quiet["reference"] not in draft["shipment_references"]


async def test_auto_invoice_never_blocks_a_delivery(client: AsyncClient, org: Org) -> None:
    rates = {**RATES, "auto_invoice": True, "per_km_cents": {"reefer": 240}}
    await client.put("/api/billing/rates", headers=org.admin.auth, json=rates)
    shipment = await deliver(client, org, org.account_a)  # dry van: no rate, no price
    assert shipment["price_cents"] is None
    events = (
        await client.get(f"/api/shipments/{shipment['id']}/events", headers=org.admin.auth)
    ).json()
    last = events["items"][-1]
    assert last["type"] == "invoice.auto_failed" and "no rate" in last["data"]["reason"]


async def test_the_uninvoiced_deliveries_of_an_account(client: AsyncClient, org: Org) -> None:
    one = await deliver(client, org, org.account_a)
    two = await deliver(client, org, org.account_a, origin="Atlanta", destination="Memphis")
    await deliver(client, org, org.account_b)  # another account's
    url = "/api/invoices/uninvoiced"
    params = {"customer_id": org.account_a}
    listed = await client.get(url, headers=org.admin.auth, params=params)
    assert listed.status_code == 200, listed.text
    assert sorted(s["id"] for s in listed.json()["items"]) == sorted([one["id"], two["id"]])
    await invoice(client, org, org.account_a, [one["id"]], issue=False)
    left = (await client.get(url, headers=org.admin.auth, params=params)).json()["items"]
    assert [s["id"] for s in left] == [two["id"]]
    # Admins of this organisation only; another organisation's admin sees no such account.
    assert_problem(await client.get(url, headers=org.dispatcher.auth, params=params), 403)
    assert_problem(await client.get(url, headers=org.customer_a.auth, params=params), 403)
    assert_problem(await client.get(url, headers=org.outsider.auth, params=params), 404)
    assert_problem(await client.get(url, headers=org.admin.auth), 422)


async def test_overdue_lists_only_open_invoices_past_due(
    client: AsyncClient, app: FastAPI, org: Org
) -> None:
    late = await issued_invoice(client, org)
    current = await issued_invoice(client, org)
    draft = await invoice(
        client, org, org.account_a, [(await deliver(client, org, org.account_a))["id"]], issue=False
    )
    async with app.state.ctx.engine.begin() as conn:
        await conn.execute(
            update(Invoice)
            .where(Invoice.id.in_([uuid.UUID(late["id"]), uuid.UUID(draft["id"])]))
            .values(due_at=datetime.now(UTC) - timedelta(days=3))
        )
    resp = await client.get("/api/invoices", headers=org.admin.auth, params={"overdue": "true"})
    assert [i["id"] for i in resp.json()["items"]] == [late["id"]]
    everything = (await client.get("/api/invoices", headers=org.admin.auth)).json()["items"]
    assert {late["id"], current["id"], draft["id"]} <= {i["id"] for i in everything}
    assert_problem(
        await client.get("/api/invoices", headers=org.admin.auth, params={"overdue": "soon"}), 422
    )
