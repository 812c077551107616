"""Idempotency records belong to their caller: nobody else replays them, nothing secret is kept."""

from __future__ import annotations

import hashlib
import uuid

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select, text

from freight.idempotency import IdempotencyRecord
from tests.billing.conftest import Org, issued_invoice, pay
from tests.billing.stripe_standin import StandIn
from tests.helpers import add_user, assert_problem


async def test_another_customer_replaying_a_key_gets_nothing_of_the_first(
    client: AsyncClient, org: Org, stand_in: StandIn
) -> None:
    inv = await issued_invoice(client, org)
    key = str(uuid.uuid4())
    first = await pay(client, org.customer_a, inv["id"], 5_000, "card", key)
    assert first.status_code == 201 and first.json()["client_secret"], first.text
    # A customer of another account of the same organisation, same key and body.
    stranger = await pay(client, org.customer_b, inv["id"], 5_000, "card", key)
    assert_problem(stranger, 404)
    assert first.json()["client_secret"] not in stranger.text
    # A colleague on the same account: their key names their own request.
    colleague = await add_user(client, org.admin, "customer", "ar@globex.example", org.account_a)
    theirs = await pay(client, colleague, inv["id"], 5_000, "card", key)
    assert theirs.status_code == 201, theirs.text
    assert theirs.headers.get("Idempotent-Replayed") is None
    assert theirs.json()["id"] != first.json()["id"]


async def test_a_replay_re_checks_that_the_caller_may_still_see_it(
    client: AsyncClient, org: Org, stand_in: StandIn
) -> None:
    inv = await issued_invoice(client, org)
    key = str(uuid.uuid4())
    body = {"payment_method": "pm_card_visa"}
    first = await pay(client, org.customer_a, inv["id"], 5_000, "card", key, **body)
    assert first.status_code == 201, first.text
    replay = await pay(client, org.customer_a, inv["id"], 5_000, "card", key, **body)
    assert replay.headers["Idempotent-Replayed"] == "true"
    moved = await client.patch(
        f"/api/users/{org.customer_a.id}",
        headers=org.admin.auth,
        json={"customer_id": org.account_b},
    )
    assert moved.status_code == 200, moved.text
    assert_problem(await pay(client, org.customer_a, inv["id"], 5_000, "card", key, **body), 404)


async def test_keys_are_stored_hashed_and_client_secrets_never(
    client: AsyncClient, app: FastAPI, org: Org, stand_in: StandIn
) -> None:
    inv = await issued_invoice(client, org)
    key = f"my-key-{uuid.uuid4()}"
    first = await pay(client, org.customer_a, inv["id"], 5_000, "card", key)
    secret = first.json()["client_secret"]
    assert secret
    async with app.state.ctx.sessions() as session:
        record = await session.scalar(select(IdempotencyRecord))
        assert record is not None
        assert record.key == hashlib.sha256(key.encode()).hexdigest()
        assert record.scope == f"user:{org.customer_a.id}"
        assert record.response_body is not None and record.response_body["client_secret"] is None
    async with app.state.ctx.engine.connect() as conn:
        for table in ("idempotency_records", "payments"):
            rows = (await conn.execute(text(f"SELECT * FROM {table}"))).all()
            assert secret not in str(rows) and key not in str(rows)


async def test_a_refund_retried_with_its_key_refunds_once(client: AsyncClient, org: Org) -> None:
    inv = await issued_invoice(client, org)
    payment = (await pay(client, org.admin, inv["id"], inv["total_cents"], "ach")).json()
    url = f"/api/payments/{payment['id']}/refund"
    headers = {**org.admin.auth, "Idempotency-Key": str(uuid.uuid4())}
    first = await client.post(url, headers=headers, json={"amount_cents": 10_000})
    again = await client.post(url, headers=headers, json={"amount_cents": 10_000})
    assert first.status_code == again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    after = (await client.get(f"/api/payments/{payment['id']}", headers=org.admin.auth)).json()
    assert after["refunded_cents"] == 10_000
    other = await client.post(url, headers=headers, json={"amount_cents": 5_000})
    assert_problem(other, 422, "idempotency_key_reused")
