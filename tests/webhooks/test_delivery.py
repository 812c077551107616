"""Deliveries reach a real local receiver, signed per Standard Webhooks, at least once."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from standardwebhooks.webhooks import WebhookVerificationError

from freight.webhooks.service import new_secret
from tests.helpers import Session
from tests.webhooks.conftest import add_endpoint, book, deliveries, eventually
from tests.webhooks.receiver import Receiver


async def test_a_booking_arrives_signed_with_its_public_fields_only(
    hooked: AsyncClient, acme: Session, receiver: Receiver
) -> None:
    endpoint_id, secret = await add_endpoint(hooked, acme, receiver.url)
    assert secret.startswith("whsec_")
    load = await book(hooked, acme)
    [got] = await receiver.wait_for(1)
    payload = got.verified(secret)  # standardwebhooks checks id, timestamp and signature
    with pytest.raises(WebhookVerificationError):
        got.verified(new_secret())
    assert set(payload) == {"id", "type", "timestamp", "data"}
    assert payload["id"] == got.webhook_id and got.webhook_id.startswith("msg_")
    assert payload["type"] == "shipment.created"
    data = payload["data"]
    assert data["version"] == 1 and data["event_type"] == "shipment.created"
    assert data["shipment"] == {"id": load["id"], "reference": load["reference"]}
    assert data["change"] == {"reference": load["reference"], "status": "PENDING"}
    assert isinstance(data["event_id"], int) and data["occurred_at"] == payload["timestamp"]
    text = got.body.decode()
    for private in ("Chicago", "Logistics Way", "Canned goods", "Globex", "customer_id"):
        assert private not in text, private

    [delivery] = await eventually(
        lambda: _with_status(hooked, acme, endpoint_id, "delivered"), within=5
    )
    assert delivery["message_id"] == got.webhook_id and delivery["attempt_count"] == 1
    [attempt] = delivery["attempts"]
    assert (attempt["attempt"], attempt["outcome"], attempt["status_code"]) == (1, "delivered", 200)
    assert attempt["response_excerpt"].startswith("answered 200 xxx")
    assert len(attempt["response_excerpt"]) == 1024  # the first 1 KB of a 2 KB answer


async def _with_status(
    http: AsyncClient, admin: Session, endpoint_id: str, status: str
) -> list[dict[str, Any]]:
    found = await deliveries(http, admin, endpoint_id)
    return [d for d in found if d["status"] == status]


async def test_a_receiver_failing_twice_gets_the_same_delivery_three_times(
    hooked: AsyncClient, acme: Session, receiver: Receiver
) -> None:
    receiver.script = [500, 503]
    endpoint_id, secret = await add_endpoint(hooked, acme, receiver.url)
    await book(hooked, acme)
    got = await receiver.wait_for(3)
    assert len({r.webhook_id for r in got}) == 1
    assert all(r.verified(secret)["type"] == "shipment.created" for r in got)
    [delivery] = await eventually(lambda: _with_status(hooked, acme, endpoint_id, "delivered"))
    assert delivery["attempt_count"] == 3
    log = [(a["attempt"], a["outcome"], a["status_code"]) for a in delivery["attempts"]]
    assert log == [(1, "failed", 500), (2, "failed", 503), (3, "delivered", 200)]
    await receiver.wait_for(3)
    assert len(receiver.received) == 3  # nothing more once delivered


async def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    hooked: AsyncClient, acme: Session, receiver: Receiver
) -> None:
    receiver.script = [302]
    endpoint_id, _ = await add_endpoint(hooked, acme, receiver.url)
    await book(hooked, acme)
    [delivery] = await eventually(lambda: _with_status(hooked, acme, endpoint_id, "delivered"))
    first = delivery["attempts"][0]
    assert (first["outcome"], first["status_code"]) == ("failed", 302)
    assert "redirect" in first["error"]
    assert [r.path for r in receiver.received] == ["/hooks/freight"] * 2


async def test_the_filter_and_an_edit_carry_field_names_not_values(
    hooked: AsyncClient, acme: Session, receiver: Receiver
) -> None:
    _, secret = await add_endpoint(hooked, acme, receiver.url, event_types=["shipment.updated"])
    load = await book(hooked, acme)
    resp = await hooked.patch(
        f"/api/shipments/{load['id']}",
        headers=acme.editing(),
        json={"notes": "Call Bob Smith on +1 312 555 0199 at the gate"},
    )
    assert resp.status_code == 200, resp.text
    [got] = await receiver.wait_for(1)
    payload = got.verified(secret)
    assert payload["type"] == "shipment.updated"  # the booking itself was filtered out
    assert payload["data"]["change"] == {"fields": ["notes"]}
    # The phone as typed (a bare "555" also turns up in random ids: 1 run in ~30 failed).
    body = got.body.decode()
    assert "Bob" not in body and "555 0199" not in body and "5550199" not in body


async def test_a_rotated_secret_signs_beside_the_old_one_during_the_overlap(
    hooked: AsyncClient, acme: Session, receiver: Receiver
) -> None:
    endpoint_id, old = await add_endpoint(hooked, acme, receiver.url)
    rotated = await hooked.post(
        f"/api/webhooks/endpoints/{endpoint_id}/rotate-secret",
        headers=acme.auth,
        json={"overlap_hours": 2},
    )
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new.startswith("whsec_") and new != old
    assert rotated.json()["previous_secret_expires_at"] is not None
    await book(hooked, acme)
    [got] = await receiver.wait_for(1)
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    assert got.verified(new) == got.verified(old)

    again = await hooked.post(
        f"/api/webhooks/endpoints/{endpoint_id}/rotate-secret",
        headers=acme.auth,
        json={"overlap_hours": 0},
    )
    newest = again.json()["secret"]
    await book(hooked, acme)
    second = (await receiver.wait_for(2))[1]
    assert len(second.headers["webhook-signature"].split(" ")) == 1
    second.verified(newest)
    for stale in (old, new):
        with pytest.raises(WebhookVerificationError):
            second.verified(stale)
