"""Payments: idempotent by key, never beyond the balance, no card numbers, scoped access."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import func, select

from freight.billing.models import Payment
from freight.idempotency import IdempotencyRecord
from tests.billing.conftest import Org, issued_invoice, pay
from tests.billing.stripe_standin import StandIn
from tests.helpers import assert_problem


async def _payments_in_db(app: FastAPI) -> int:
    async with app.state.ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Payment)) or 0)


async def test_twenty_concurrent_requests_with_one_key_make_one_payment(
    client: AsyncClient, app: FastAPI, org: Org
) -> None:
    inv = await issued_invoice(client, org)
    key = str(uuid.uuid4())
    responses = await asyncio.gather(
        *(
            pay(client, org.admin, inv["id"], 100_000, "check", key, reference="CHQ 1001")
            for _ in range(20)
        )
    )
    assert [r.status_code for r in responses] == [201] * 20, {r.text for r in responses}
    bodies = [r.json() for r in responses]
    assert all(b == bodies[0] for b in bodies)
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 19
    assert await _payments_in_db(app) == 1
    after = (await client.get(f"/api/invoices/{inv['id']}", headers=org.admin.auth)).json()
    assert after["paid_cents"] == 100_000 and after["status"] == "partially_paid"


async def test_twenty_concurrent_card_payments_with_one_key_charge_once(
    client: AsyncClient, app: FastAPI, org: Org, stand_in: StandIn
) -> None:
    inv = await issued_invoice(client, org)
    key = str(uuid.uuid4())
    responses = await asyncio.gather(
        *(
            pay(
                client,
                org.customer_a,
                inv["id"],
                50_000,
                "card",
                key,
                payment_method="pm_card_visa",
            )
            for _ in range(20)
        )
    )
    assert [r.status_code for r in responses] == [201] * 20, {r.text for r in responses}
    assert len({r.text for r in responses}) == 1
    assert responses[0].json()["status"] == "succeeded"
    assert await _payments_in_db(app) == 1
    charges = [c for c in stand_in.calls if c[0] == "/v1/payment_intents"]
    assert len(charges) == 1


async def test_a_key_reused_with_another_body_is_refused(client: AsyncClient, org: Org) -> None:
    inv = await issued_invoice(client, org)
    key = str(uuid.uuid4())
    assert (await pay(client, org.admin, inv["id"], 1_000, key=key)).status_code == 201
    resp = await pay(client, org.admin, inv["id"], 2_000, key=key)
    assert_problem(resp, 422, "idempotency_key_reused")
    missing = await client.post(
        "/api/payments",
        headers=org.admin.auth,
        json={"invoice_id": inv["id"], "amount_cents": 1, "method": "check"},
    )
    assert assert_problem(missing, 422)["errors"][0]["loc"] == ["header", "Idempotency-Key"]


async def test_concurrent_payments_never_take_the_balance_below_zero(
    client: AsyncClient, app: FastAPI, org: Org
) -> None:
    inv = await issued_invoice(client, org)
    total = inv["total_cents"]
    part = total // 3 + 1  # three of these would overpay
    responses = await asyncio.gather(*(pay(client, org.admin, inv["id"], part) for _ in range(8)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 201] + [422] * 6, [r.text for r in responses]
    after = (await client.get(f"/api/invoices/{inv['id']}", headers=org.admin.auth)).json()
    assert after["paid_cents"] == 2 * part and after["balance_cents"] == total - 2 * part >= 0
    rest = await pay(client, org.admin, inv["id"], after["balance_cents"], "wire")
    assert rest.status_code == 201
    final = (await client.get(f"/api/invoices/{inv['id']}", headers=org.admin.auth)).json()
    assert final["status"] == "paid" and final["balance_cents"] == 0
    assert_problem(await pay(client, org.admin, inv["id"], 1), 409, "invalid_transition")
    async with app.state.ctx.sessions() as session:
        # A refused request stores nothing: its key may be used again.
        stored = await session.scalar(select(func.count()).select_from(IdempotencyRecord))
    assert stored == 3


async def test_amounts_must_be_positive_and_drafts_unpayable(client: AsyncClient, org: Org) -> None:
    inv = await issued_invoice(client, org)
    assert_problem(await pay(client, org.admin, inv["id"], 0), 422)
    assert_problem(await pay(client, org.admin, inv["id"], -5), 422)
    over = await pay(client, org.admin, inv["id"], inv["total_cents"] + 1)
    assert assert_problem(over, 422)["errors"][0]["loc"] == ["body", "amount_cents"]


async def test_card_numbers_are_never_accepted(
    client: AsyncClient, org: Org, caplog: pytest.LogCaptureFixture
) -> None:
    inv = await issued_invoice(client, org)
    attempts: list[dict[str, Any]] = [
        {"payment_method": "4242424242424242"},
        {"reference": "paid with 4242 4242 4242 4242"},
        {"card_number": "5555555555554444"},
        {"card": {"number": "4000056655665556", "cvc": "123"}},
    ]
    for extra in attempts:
        resp = await pay(client, org.customer_a, inv["id"], 1_000, "card", **extra)
        body = assert_problem(resp, 422)
        assert "4242" not in resp.text and "5556" not in resp.text and "4444" not in resp.text
        assert body["errors"]
    history = (await client.get("/api/payments", headers=org.admin.auth)).json()
    assert history["items"] == []
    assert "4242424242424242" not in caplog.text


async def test_customers_see_and_pay_only_their_accounts_invoices(
    client: AsyncClient, org: Org
) -> None:
    mine = await issued_invoice(client, org, org.account_a)
    theirs = await issued_invoice(client, org, org.account_b)
    listed = (await client.get("/api/invoices", headers=org.customer_a.auth)).json()["items"]
    assert [i["id"] for i in listed] == [mine["id"]]
    assert_problem(
        await client.get(f"/api/invoices/{theirs['id']}", headers=org.customer_a.auth), 404
    )
    assert_problem(
        await client.get(f"/api/invoices/{theirs['id']}/pdf", headers=org.customer_a.auth), 404
    )
    refused = await pay(
        client, org.customer_a, theirs["id"], 1_000, "card", payment_method="pm_card_visa"
    )
    assert_problem(refused, 404)
    assert_problem(await pay(client, org.customer_a, mine["id"], 1_000, "check"), 403)
    paid = await pay(
        client, org.customer_a, mine["id"], 1_000, "card", payment_method="pm_card_visa"
    )
    assert paid.status_code == 201, paid.text
    await pay(client, org.admin, theirs["id"], 2_000)
    history = (await client.get("/api/payments", headers=org.customer_a.auth)).json()["items"]
    assert [p["invoice_id"] for p in history] == [mine["id"]]
    other = next(
        p
        for p in (await client.get("/api/payments", headers=org.admin.auth)).json()["items"]
        if p["invoice_id"] == theirs["id"]
    )
    assert_problem(
        await client.get(f"/api/payments/{other['id']}", headers=org.customer_a.auth), 404
    )


async def test_only_admins_write_billing_and_other_organisations_see_nothing(
    client: AsyncClient, org: Org
) -> None:
    inv = await issued_invoice(client, org)
    payment = (await pay(client, org.admin, inv["id"], 5_000)).json()
    # Dispatchers read billing but change nothing.
    assert (
        await client.get(f"/api/invoices/{inv['id']}", headers=org.dispatcher.auth)
    ).status_code == 200
    assert (await client.get("/api/payments", headers=org.dispatcher.auth)).status_code == 200
    for who in (org.dispatcher, org.customer_a):
        assert_problem(
            await client.post(f"/api/payments/{payment['id']}/refund", headers=who.auth), 403
        )
        assert_problem(
            await client.post(
                f"/api/invoices/{inv['id']}/void", headers=who.auth, json={"reason": "x"}
            ),
            403,
        )
        assert_problem(await client.post(f"/api/invoices/{inv['id']}/issue", headers=who.auth), 403)
    assert_problem(await pay(client, org.dispatcher, inv["id"], 1_000), 403)
    assert_problem(await client.get("/api/invoices", headers=org.driver.auth), 403)
    # Another organisation's admin: every id is unknown.
    outsider = org.outsider
    assert_problem(await client.get(f"/api/invoices/{inv['id']}", headers=outsider.auth), 404)
    assert_problem(await client.get(f"/api/payments/{payment['id']}", headers=outsider.auth), 404)
    assert_problem(
        await client.post(f"/api/payments/{payment['id']}/refund", headers=outsider.auth), 404
    )
    assert_problem(
        await client.post(
            f"/api/invoices/{inv['id']}/void", headers=outsider.auth, json={"reason": "x"}
        ),
        404,
    )
    assert_problem(await pay(client, outsider, inv["id"], 1_000), 404)


async def test_offline_refunds_and_the_audit_trail(
    client: AsyncClient, app: FastAPI, org: Org
) -> None:
    inv = await issued_invoice(client, org)
    payment = (await pay(client, org.admin, inv["id"], inv["total_cents"], "ach")).json()
    assert payment["status"] == "succeeded"
    url = f"/api/payments/{payment['id']}/refund"
    part = await client.post(url, headers=org.admin.auth, json={"amount_cents": 10_000})
    assert part.status_code == 201, part.text
    assert part.json()["payment"]["refunded_cents"] == 10_000
    too_much = await client.post(
        url, headers=org.admin.auth, json={"amount_cents": inv["total_cents"]}
    )
    assert_problem(too_much, 422)
    rest = await client.post(url, headers=org.admin.auth)
    assert rest.json()["amount_cents"] == inv["total_cents"] - 10_000
    assert rest.json()["payment"]["status"] == "refunded"
    assert_problem(await client.post(url, headers=org.admin.auth), 409)
    after = (await client.get(f"/api/invoices/{inv['id']}", headers=org.admin.auth)).json()
    assert after["status"] == "issued" and after["paid_cents"] == 0

    from freight.events import Event

    async with app.state.ctx.sessions() as session:
        rows = (
            await session.execute(select(Event.type, Event.shipment_id).order_by(Event.id))
        ).all()
    billing = [(t, s) for t, s in rows if t.split(".")[0] in ("invoice", "payment")]
    assert [t for t, _ in billing] == [
        "invoice.created",
        "invoice.issued",
        "payment.succeeded",
        "payment.refunded",
        "payment.refunded",
    ]
    assert billing[0][1] is not None  # one shipment's invoice joins its timeline
    assert all(s is None for _, s in billing[1:])


def test_ids_that_happen_to_pass_luhn_are_not_card_numbers() -> None:
    from freight.billing.schemas import PaymentCreate
    from freight.security.pan import luhn_ok

    invoice_id = "0f3e2a1b-4242-4242-4242-424242424242"  # digit groups pass Luhn
    assert luhn_ok("424242424242424242424242")
    body = PaymentCreate.model_validate(
        {"invoice_id": invoice_id, "amount_cents": 100, "method": "check"}
    )
    assert str(body.invoice_id) == invoice_id
