"""Card payments through the stripe package against the stand-in, and signed webhooks."""

from __future__ import annotations

import time
import uuid
from typing import Any

from httpx import AsyncClient, Response

from tests.billing.conftest import Org, issued_invoice, pay
from tests.billing.stripe_standin import StandIn, event, sign
from tests.helpers import assert_problem


async def webhook(client: AsyncClient, payload: bytes, signature: str | None = None) -> Response:
    headers = {"Content-Type": "application/json"}
    headers["Stripe-Signature"] = sign(payload) if signature is None else signature
    return await client.post("/api/webhooks/stripe", content=payload, headers=headers)


async def invoice_of(client: AsyncClient, org: Org, inv: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = (
        await client.get(f"/api/invoices/{inv['id']}", headers=org.admin.auth)
    ).json()
    return body


async def test_a_card_payment_keeps_only_reference_brand_and_last_four(
    client: AsyncClient, org: Org, stand_in: StandIn
) -> None:
    inv = await issued_invoice(client, org)
    resp = await pay(
        client, org.customer_a, inv["id"], inv["total_cents"], "card", payment_method="pm_card_visa"
    )
    assert resp.status_code == 201, resp.text
    payment = resp.json()
    assert payment["status"] == "succeeded" and payment["provider"] == "stripe"
    assert (payment["card_brand"], payment["card_last4"]) == ("visa", "4242")
    assert payment["provider_ref"] in stand_in.intents and payment["client_secret"] is None
    path, form = stand_in.calls[-1]
    assert path == "/v1/payment_intents"
    assert form["amount"] == str(inv["total_cents"]) and form["currency"] == "usd"
    assert form["confirm"] == "true" and form["metadata[payment_id]"] == payment["id"]
    assert (await invoice_of(client, org, inv))["status"] == "paid"


async def test_a_declined_card_fails_and_leaves_the_balance(
    client: AsyncClient, org: Org, stand_in: StandIn
) -> None:
    inv = await issued_invoice(client, org)
    resp = await pay(
        client, org.customer_a, inv["id"], 10_000, "card", payment_method="pm_card_chargeDeclined"
    )
    assert resp.status_code == 201, resp.text
    failed = resp.json()
    assert failed["status"] == "failed" and failed["failure_reason"] == "card_declined"
    after = await invoice_of(client, org, inv)
    assert after["status"] == "issued" and after["balance_cents"] == inv["total_cents"]
    retry = await pay(
        client, org.customer_a, inv["id"], 10_000, "card", payment_method="pm_card_visa"
    )
    assert retry.json()["status"] == "succeeded"
    history = (await client.get("/api/payments", headers=org.customer_a.auth)).json()["items"]
    assert [p["status"] for p in history] == ["succeeded", "failed"]


async def test_a_payment_needing_authentication_settles_by_webhook_once(
    client: AsyncClient, org: Org, stand_in: StandIn
) -> None:
    inv = await issued_invoice(client, org)
    key = str(uuid.uuid4())
    first = await pay(
        client,
        org.customer_a,
        inv["id"],
        20_000,
        "card",
        key,
        payment_method="pm_card_authenticationRequired",
    )
    pending = first.json()
    assert pending["status"] == "pending" and pending["client_secret"]
    # While pending, the amount is reserved: nobody can pay beyond the rest.
    over = await pay(client, org.admin, inv["id"], inv["total_cents"] - 20_000 + 1)
    assert_problem(over, 422)

    intent = {**stand_in.intents[pending["provider_ref"]], "status": "succeeded"}
    payload = event("payment_intent.succeeded", intent)
    for expected_duplicate in (False, True):
        resp = await webhook(client, payload)
        assert resp.status_code == 200, resp.text
        assert resp.json() == {"received": True, "duplicate": expected_duplicate}
    settled = (await client.get(f"/api/payments/{pending['id']}", headers=org.admin.auth)).json()
    assert settled["status"] == "succeeded"
    after = await invoice_of(client, org, inv)
    assert after["paid_cents"] == 20_000 and after["status"] == "partially_paid"
    # A late failure event for a settled payment changes nothing.
    late = event("payment_intent.payment_failed", {**intent, "status": "requires_payment_method"})
    assert (await webhook(client, late)).status_code == 200
    assert (await invoice_of(client, org, inv))["paid_cents"] == 20_000
    replay = await pay(
        client,
        org.customer_a,
        inv["id"],
        20_000,
        "card",
        key,
        payment_method="pm_card_authenticationRequired",
    )
    # The key still answers with the first response, except the client_secret: it is
    # answered once and never stored (nor replayed).
    assert replay.json() == {**pending, "client_secret": None}


async def test_a_failed_webhook_marks_a_pending_payment_failed(
    client: AsyncClient, org: Org, stand_in: StandIn
) -> None:
    inv = await issued_invoice(client, org)
    pending = (
        await pay(client, org.customer_a, inv["id"], 5_000, "card")  # no token: Stripe.js confirms
    ).json()
    assert pending["status"] == "pending" and pending["client_secret"].startswith("pi_")
    intent = {
        **stand_in.intents[pending["provider_ref"]],
        "last_payment_error": {"code": "insufficient_funds"},
    }
    assert (
        await webhook(client, event("payment_intent.payment_failed", intent))
    ).status_code == 200
    failed = (await client.get(f"/api/payments/{pending['id']}", headers=org.admin.auth)).json()
    assert failed["status"] == "failed" and failed["failure_reason"] == "insufficient_funds"
    assert (await invoice_of(client, org, inv))["balance_cents"] == inv["total_cents"]


async def test_webhooks_with_a_bad_signature_are_refused(
    client: AsyncClient, org: Org, stand_in: StandIn
) -> None:
    inv = await issued_invoice(client, org)
    pending = (await pay(client, org.customer_a, inv["id"], 5_000, "card")).json()
    intent = {**stand_in.intents[pending["provider_ref"]], "status": "succeeded"}
    payload = event("payment_intent.succeeded", intent)
    forged = [
        sign(payload, secret="whsec_someone_else"),
        sign(payload, at=int(time.time()) - 3600),  # replayed an hour later
        sign(b'{"tampered": true}'),
        "",
    ]
    for signature in forged:
        assert_problem(await webhook(client, payload, signature), 400, "invalid_signature")
    no_header = await client.post("/api/webhooks/stripe", content=payload)
    assert_problem(no_header, 400, "invalid_signature")
    still = (await client.get(f"/api/payments/{pending['id']}", headers=org.admin.auth)).json()
    assert still["status"] == "pending"


async def test_card_refunds_go_through_stripe_and_never_exceed_the_payment(
    client: AsyncClient, org: Org, stand_in: StandIn
) -> None:
    inv = await issued_invoice(client, org)
    payment = (
        await pay(client, org.customer_a, inv["id"], 30_000, "card", payment_method="pm_card_visa")
    ).json()
    url = f"/api/payments/{payment['id']}/refund"
    part = await client.post(
        url, headers=org.admin.auth, json={"amount_cents": 12_345, "reason": "damaged"}
    )
    assert part.status_code == 201, part.text
    refund = part.json()
    assert refund["status"] == "succeeded" and refund["provider_ref"] in stand_in.refunds
    assert stand_in.refunds[refund["provider_ref"]]["amount"] == 12_345
    assert (
        refund["payment"]["refunded_cents"] == 12_345 and refund["payment"]["status"] == "succeeded"
    )
    assert_problem(
        await client.post(url, headers=org.admin.auth, json={"amount_cents": 17_656}), 422
    )
    rest = (await client.post(url, headers=org.admin.auth)).json()
    assert rest["amount_cents"] == 17_655 and rest["payment"]["status"] == "refunded"
    assert sum(r["amount"] for r in stand_in.refunds.values()) == 30_000
    after = await invoice_of(client, org, inv)
    assert after["paid_cents"] == 0 and after["status"] == "issued"


async def test_a_pending_refund_settles_by_webhook(
    client: AsyncClient, org: Org, stand_in: StandIn
) -> None:
    inv = await issued_invoice(client, org)
    payment = (
        await pay(
            client, org.customer_a, inv["id"], 8_000, "card", payment_method="pm_card_mastercard"
        )
    ).json()
    assert payment["card_brand"] == "mastercard"
    stand_in.refunds_pending = True
    refund = (
        await client.post(f"/api/payments/{payment['id']}/refund", headers=org.admin.auth)
    ).json()
    assert refund["status"] == "pending" and refund["payment"]["refunded_cents"] == 0
    assert_problem(
        await client.post(f"/api/payments/{payment['id']}/refund", headers=org.admin.auth), 422
    )
    done = {**stand_in.refunds[refund["provider_ref"]], "status": "succeeded"}
    assert (await webhook(client, event("refund.updated", done))).status_code == 200
    settled = (await client.get(f"/api/payments/{payment['id']}", headers=org.admin.auth)).json()
    assert settled["status"] == "refunded" and settled["refunded_cents"] == 8_000


async def test_an_outage_answers_503_and_the_same_key_resumes_without_a_second_charge(
    client: AsyncClient, org: Org, stand_in: StandIn
) -> None:
    inv = await issued_invoice(client, org)
    key = str(uuid.uuid4())
    stand_in.outage = True
    down = await pay(
        client, org.customer_a, inv["id"], 7_000, "card", key, payment_method="pm_card_visa"
    )
    assert_problem(down, 503, "payment_provider_unavailable")
    assert down.headers["Retry-After"]
    stand_in.outage = False
    again = await pay(
        client, org.customer_a, inv["id"], 7_000, "card", key, payment_method="pm_card_visa"
    )
    assert again.status_code == 201, again.text
    assert again.json()["status"] == "succeeded"
    keys = {c[1].get("metadata[payment_id]") for c in stand_in.calls}
    assert keys == {again.json()["id"]}  # every attempt was for the one payment
    assert len(stand_in.intents) == 1
    history = (await client.get("/api/payments", headers=org.admin.auth)).json()["items"]
    assert len(history) == 1
