"""Replays: one delivery again with the same id, or everything after an event id."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tests.helpers import Session, assert_problem
from tests.webhooks.conftest import add_endpoint, book, deliveries, eventually
from tests.webhooks.receiver import Receiver


async def _settled(
    http: AsyncClient, admin: Session, endpoint_id: str, n: int
) -> list[dict[str, Any]]:
    found = await deliveries(http, admin, endpoint_id)
    done = [d for d in found if d["status"] == "delivered"]
    return done if len(done) == n and len(found) == n else []


async def test_replaying_a_delivery_sends_it_again_with_the_same_id(
    hooked: AsyncClient, acme: Session, receiver: Receiver
) -> None:
    endpoint_id, secret = await add_endpoint(hooked, acme, receiver.url)
    await book(hooked, acme)
    [delivery] = await eventually(lambda: _settled(hooked, acme, endpoint_id, 1))
    resp = await hooked.post(f"/api/webhooks/deliveries/{delivery['id']}/replay", headers=acme.auth)
    assert resp.status_code == 202, resp.text
    assert resp.json()["status"] == "pending"
    first, again = await receiver.wait_for(2)
    assert first.webhook_id == again.webhook_id == delivery["message_id"]
    assert again.verified(secret)["id"] == delivery["message_id"]

    async def twice() -> list[dict[str, Any]]:
        done = await _settled(hooked, acme, endpoint_id, 1)
        return done if done and done[0]["attempt_count"] == 2 else []

    [replayed] = await eventually(twice)
    assert [a["outcome"] for a in replayed["attempts"]] == ["delivered", "delivered"]


async def test_replay_since_an_event_id_sends_the_later_ones_and_can_backfill(
    hooked: AsyncClient, acme: Session, receiver: Receiver
) -> None:
    before = await book(hooked, acme)  # booked before the endpoint existed: not delivered
    endpoint_id, secret = await add_endpoint(
        hooked, acme, receiver.url, event_types=["shipment.created"]
    )
    loads = [await book(hooked, acme) for _ in range(3)]
    got = await receiver.wait_for(3)
    event_ids = sorted(r.verified(secret)["data"]["event_id"] for r in got)
    refs = {r.json()["data"]["shipment"]["reference"] for r in got}
    assert refs == {load["reference"] for load in loads}
    await eventually(lambda: _settled(hooked, acme, endpoint_id, 3))

    resp = await hooked.post(
        f"/api/webhooks/endpoints/{endpoint_id}/replay",
        headers=acme.auth,
        json={"since_event_id": event_ids[0]},
    )
    assert resp.status_code == 202, resp.text
    assert resp.json() == {
        "queued": 2,
        "through_event_id": resp.json()["through_event_id"],
        "more": False,
    }
    replayed = (await receiver.wait_for(5))[3:]
    assert sorted(r.json()["data"]["event_id"] for r in replayed) == event_ids[1:]
    assert {r.webhook_id for r in replayed} <= {r.webhook_id for r in got}
    await eventually(lambda: _settled(hooked, acme, endpoint_id, 3))

    backfill = await hooked.post(
        f"/api/webhooks/endpoints/{endpoint_id}/replay",
        headers=acme.auth,
        json={"since_event_id": 0},
    )
    assert backfill.json()["queued"] == 4  # the earlier booking too, and the three again
    late = (await receiver.wait_for(9))[5:]
    assert before["reference"] in {r.json()["data"]["shipment"]["reference"] for r in late}


async def test_another_organisations_delivery_cannot_be_replayed(
    hooked: AsyncClient, acme: Session, receiver: Receiver
) -> None:
    from tests.helpers import register

    rival = await register(hooked, "Rival Logistics", "admin@rival.example")
    endpoint_id, _ = await add_endpoint(hooked, acme, receiver.url)
    await book(hooked, acme)
    [delivery] = await eventually(lambda: _settled(hooked, acme, endpoint_id, 1))
    resp = await hooked.post(
        f"/api/webhooks/deliveries/{delivery['id']}/replay", headers=rival.auth
    )
    assert_problem(resp, 404, "not_found")
    gone = await hooked.get(f"/api/webhooks/endpoints/{endpoint_id}/deliveries", headers=rival.auth)
    assert_problem(gone, 404, "not_found")
