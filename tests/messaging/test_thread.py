"""Posting, paging, read pointers, unread counts, the body limit and markup kept verbatim."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient

from tests.fleet_helpers import book_load
from tests.helpers import assert_problem
from tests.messaging.conftest import Thread, said, say


async def _page(client: AsyncClient, thread: Thread, who: Any, **params: Any) -> dict[str, Any]:
    resp = await client.get(thread.url, headers=who.auth, params=params)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def test_markup_comes_back_verbatim_as_json(client: AsyncClient, thread: Thread) -> None:
    text = '<script>alert("x")</script> & <b>bold</b> \u202e\n  spaced  '
    posted = await said(client, thread, thread.buyer, text)
    assert posted["body"] == text
    resp = await client.get(thread.url, headers=thread.dispatcher.auth)
    assert resp.headers["content-type"] == "application/json"
    assert resp.json()["items"][0]["body"] == text


async def test_body_limit(client: AsyncClient, thread: Thread) -> None:
    assert (await say(client, thread, thread.buyer, "x" * 2000)).status_code == 201
    for body in ("x" * 2001, "   ", "", "nul\x00byte"):
        problem = assert_problem(await say(client, thread, thread.buyer, body), 422)
        assert problem["errors"][0]["loc"] == ["body", "body"]


async def test_posting_records_a_persistent_event(client: AsyncClient, thread: Thread) -> None:
    message = await said(client, thread, thread.driver, "running 20 minutes late")
    url = f"/api/shipments/{thread.load['id']}/events"
    event = (await client.get(url, headers=thread.buyer.auth)).json()["items"][-1]
    assert event["type"] == "message.posted"
    assert event["data"]["message_id"] == message["id"]
    assert event["data"]["body"] == "running 20 minutes late"
    assert event["data"]["author_role"] == "driver"
    assert event["data"]["author_id"] == thread.driver.session.user["id"]


async def test_thread_pages_oldest_first(client: AsyncClient, thread: Thread) -> None:
    ids = [(await said(client, thread, thread.buyer, f"m{i}"))["id"] for i in range(5)]
    first = await _page(client, thread, thread.admin, limit=2)
    second = await _page(client, thread, thread.admin, limit=2, cursor=first["next_cursor"])
    third = await _page(client, thread, thread.admin, limit=2, cursor=second["next_cursor"])
    seen = [m["id"] for page in (first, second, third) for m in page["items"]]
    assert seen == ids and third["next_cursor"] is None
    resp = await client.get(thread.url, headers=thread.admin.auth, params={"cursor": "x1"})
    assert_problem(resp, 422)


async def test_unread_counts_and_read_pointers(
    client: AsyncClient, app: FastAPI, thread: Thread
) -> None:
    live: list[tuple[str, uuid.UUID, dict[str, Any]]] = []

    async def sink(event: str, shipment_id: uuid.UUID, payload: dict[str, Any]) -> None:
        live.append((event, shipment_id, payload))

    app.state.ctx.live.attach(sink)
    m1 = await said(client, thread, thread.buyer, "one")
    m2 = await said(client, thread, thread.buyer, "two")
    await said(client, thread, thread.dispatcher, "on it")

    buyer_view = await _page(client, thread, thread.buyer)
    assert buyer_view["unread_count"] == 1  # their own messages are never unread
    dispatcher_view = await _page(client, thread, thread.dispatcher)
    assert dispatcher_view["unread_count"] == 0  # posting reads everything before it
    driver_view = await _page(client, thread, thread.driver)
    assert (driver_view["unread_count"], driver_view["last_read_id"]) == (3, 0)

    resp = await client.post(
        f"{thread.url}/read", headers=thread.driver.auth, json={"up_to_id": m2["id"]}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["up_to_id"] == m2["id"] and resp.json()["unread_count"] == 1
    back = await client.post(
        f"{thread.url}/read", headers=thread.driver.auth, json={"up_to_id": m1["id"]}
    )
    assert back.json()["up_to_id"] == m2["id"]  # never moves back
    summary = (await client.get("/api/messages/unread", headers=thread.driver.auth)).json()
    assert summary == {"items": [{"shipment_id": thread.load["id"], "unread_count": 1}], "total": 1}
    admin_summary = (await client.get("/api/messages/unread", headers=thread.admin.auth)).json()
    assert admin_summary["total"] == 3
    stranger = (await client.get("/api/messages/unread", headers=thread.other_buyer.auth)).json()
    assert stranger == {"items": [], "total": 0}

    reads = [(e, p) for e, _, p in live if e == "message:read"]
    assert [p["up_to_id"] for _, p in reads] == [m2["id"], m2["id"]]
    assert reads[0][1]["user_id"] == thread.driver.session.user["id"]
    assert reads[0][1]["shipment_id"] == thread.load["id"]


async def test_read_pointer_must_name_a_message_of_the_thread(
    client: AsyncClient, thread: Thread, admin: Any
) -> None:
    other = await book_load(client, admin, thread.load["customer_id"])
    elsewhere = await client.post(
        f"/api/shipments/{other['id']}/messages", headers=admin.auth, json={"body": "hi"}
    )
    for up_to in (elsewhere.json()["id"], 10**9):
        resp = await client.post(
            f"{thread.url}/read", headers=thread.buyer.auth, json={"up_to_id": up_to}
        )
        problem = assert_problem(resp, 422)
        assert problem["errors"][0]["loc"] == ["body", "up_to_id"]
