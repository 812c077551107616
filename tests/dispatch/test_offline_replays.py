"""What a phone's outbox relies on: every write it sends honours ``Idempotency-Key`` (a
resend after a lost answer is one effect), device times are kept, and a late proof of
delivery still chains (``freight audit verify``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient, Response

from tests.fleet_helpers import TINY_JPEG, DriverAt, add_driver, assign, book_load, move, tiny_png
from tests.helpers import Session, add_customer, assert_problem
from tests.shipments.history import problems

HOURS_AGO = datetime.now(UTC) - timedelta(hours=3)


async def _assigned(client: AsyncClient, admin: Session) -> tuple[dict[str, Any], DriverAt]:
    account = await add_customer(client, admin)
    driver = await add_driver(client, admin, "dee@acme.example")
    load = await book_load(client, admin, account)
    await assign(client, admin, load["id"], driver)
    return load, driver


async def _events(client: AsyncClient, admin: Session, load_id: str) -> list[dict[str, Any]]:
    resp = await client.get(f"/api/shipments/{load_id}/events", headers=admin.auth)
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


def _key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


async def test_a_resent_step_is_one_move_with_the_phones_time(
    client: AsyncClient, admin: Session
) -> None:
    load, driver = await _assigned(client, admin)
    url = f"/api/shipments/{load['id']}/transitions"
    body = {"status": "PICKED_UP", "at": HOURS_AGO.isoformat()}
    first = await client.post(url, headers=driver.auth | _key("step-1"), json=body)
    again = await client.post(url, headers=driver.auth | _key("step-1"), json=body)
    assert first.status_code == again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["version"] == first.json()["version"]
    assert again.headers["ETag"] == first.headers["ETag"]
    moves = [e for e in await _events(client, admin, load["id"]) if e["data"].get("to")]
    assert [e["data"]["to"] for e in moves] == ["ASSIGNED", "PICKED_UP"]
    assert datetime.fromisoformat(moves[-1]["device_time"]) == HOURS_AGO
    other = await client.post(
        url, headers=driver.auth | _key("step-1"), json={"status": "IN_TRANSIT"}
    )
    assert_problem(other, 422, "idempotency_key_reused")
    # without a key the same move again is what it always was: not a next step
    assert_problem(await client.post(url, headers=driver.auth, json=body), 409)


def _pod(client: AsyncClient, driver: DriverAt, load_id: str, key: str, photo: bytes) -> Any:
    return client.post(
        f"/api/shipments/{load_id}/pod",
        headers=driver.auth | _key(key),
        data={"recipient_name": "Rita Receiver", "delivered_at": HOURS_AGO.isoformat()},
        files=[
            ("signature", ("sig.png", tiny_png(3, 2), "image/png")),
            ("photos", ("dock.jpg", photo, "image/jpeg")),
        ],
    )


async def test_a_late_resent_proof_is_one_delivery_and_the_chain_holds(
    client: AsyncClient, admin: Session, app: FastAPI
) -> None:
    load, driver = await _assigned(client, admin)
    for status in ("PICKED_UP", "IN_TRANSIT"):
        await move(client, driver, load["id"], status)
    await client.post(
        f"/api/shipments/{load['id']}/messages", headers=admin.auth, json={"body": "where?"}
    )
    first: Response = await _pod(client, driver, load["id"], "pod-1", TINY_JPEG)
    again: Response = await _pod(client, driver, load["id"], "pod-1", TINY_JPEG)
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    events = await _events(client, admin, load["id"])
    delivered = [e for e in events if e["type"] == "shipment.delivered"]
    assert len(delivered) == 1
    assert datetime.fromisoformat(delivered[0]["device_time"]) == HOURS_AGO
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))  # gapless, in order
    assert await problems(app) == []  # the hash chain verifies, late proof and all
    other = await _pod(client, driver, load["id"], "pod-1", tiny_png(5, 5))
    assert_problem(other, 422, "idempotency_key_reused")


async def test_resent_fixes_count_once_and_late_in_order_fixes_are_kept(
    client: AsyncClient, admin: Session
) -> None:
    load, driver = await _assigned(client, admin)
    start = datetime.now(UTC) - timedelta(hours=2)  # two hours in a dead spot
    buffered = [
        {
            "lat": 41.88 + i * 0.001,
            "lng": -87.63,
            "recorded_at": (start + timedelta(seconds=10 * i)).isoformat(),
        }
        for i in range(300)
    ]
    url = "/api/tracking/positions"
    first = await client.post(
        url, headers=driver.auth | _key("fixes-1"), json={"positions": buffered[:200]}
    )
    again = await client.post(
        url, headers=driver.auth | _key("fixes-1"), json={"positions": buffered[:200]}
    )
    assert first.status_code == again.status_code == 202, again.text
    assert first.json()["accepted"] == 200 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    rest = await client.post(
        url, headers=driver.auth | _key("fixes-2"), json={"positions": buffered[200:]}
    )
    assert rest.json()["accepted"] == 100  # late, but newer than the last one kept
    older = await client.post(url, headers=driver.auth, json={"positions": buffered[150:160]})
    assert older.json()["accepted"] == 0
    assert older.json()["dropped"]["out_of_order"] == 10  # older than what was kept
    track = await client.get(f"/api/shipments/{load['id']}/positions?limit=200", headers=admin.auth)
    assert len(track.json()["items"]) == 200 and track.json()["next_cursor"]  # 300 in two pages


async def test_resent_answers_to_offers_and_problem_reports_are_one_effect(
    client: AsyncClient, admin: Session
) -> None:
    account = await add_customer(client, admin)
    dee = await add_driver(client, admin, "dee@acme.example")
    load = await book_load(client, admin, account)
    made = await client.post(
        f"/api/shipments/{load['id']}/offers", headers=admin.auth, json={"driver_id": dee.id}
    )
    offer_id = made.json()["items"][0]["id"]
    url = f"/api/offers/{offer_id}/accept"
    first = await client.post(url, headers=dee.auth | _key("yes-1"))
    again = await client.post(url, headers=dee.auth | _key("yes-1"))
    assert first.status_code == again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert_problem(await client.post(url, headers=dee.auth), 409)  # a new yes is refused

    report = {"kind": "osd", "reason": "damaged", "pieces_affected": 2, "at": HOURS_AGO.isoformat()}
    url = f"/api/shipments/{load['id']}/exceptions"
    await move(client, dee, load["id"], "PICKED_UP")
    sent = [await client.post(url, headers=dee.auth | _key("osd-1"), json=report) for _ in range(2)]
    assert [r.status_code for r in sent] == [201, 201], sent[1].text
    assert sent[1].json()["id"] == sent[0].json()["id"]
    listed = await client.get(url, headers=admin.auth)
    assert len(listed.json()["items"]) == 1


async def test_a_resent_decline_is_one_answer(client: AsyncClient, admin: Session) -> None:
    account = await add_customer(client, admin)
    dee = await add_driver(client, admin, "dee@acme.example")
    load = await book_load(client, admin, account)
    made = await client.post(
        f"/api/shipments/{load['id']}/offers", headers=admin.auth, json={"driver_id": dee.id}
    )
    url = f"/api/offers/{made.json()['items'][0]['id']}/decline"
    body = {"reason": "Home time"}
    first = await client.post(url, headers=dee.auth | _key("no-1"), json=body)
    again = await client.post(url, headers=dee.auth | _key("no-1"), json=body)
    assert first.status_code == again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
