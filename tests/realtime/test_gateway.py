"""The socket.io gateway with the python-socketio client against a running server."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
import socketio
from httpx import AsyncClient

from tests.conftest import base_settings
from tests.fleet_helpers import add_driver, assign, book_load
from tests.helpers import add_customer, add_user, register
from tests.realtime.conftest import Listener, LiveServer, connect, start_server


async def _world(http: AsyncClient) -> dict[str, Any]:
    admin = await register(http, "Acme", "admin@acme.example")
    account = await add_customer(http, admin)
    buyer = await add_user(http, admin, "customer", "buyer@globex.example", account)
    stranger = await add_user(http, admin, "customer", "other@initech.example")
    load = await book_load(http, admin, account)
    return {"admin": admin, "account": account, "buyer": buyer, "stranger": stranger, "load": load}


@pytest.mark.parametrize("token", [None, "", "not-a-jwt", "expired", "wrong-key"])
async def test_handshakes_without_a_valid_token_are_refused(
    live: LiveServer, token: str | None
) -> None:
    admin = await register(live.http, "Acme", "admin@acme.example")
    if token == "expired" or token == "wrong-key":
        now = datetime.now(UTC)
        claims = {
            "sub": str(admin.id),
            "org": str(admin.organization_id),
            "role": "admin",
            "typ": "access",
            "iss": "freight",
            "iat": now - timedelta(hours=1),
            "exp": now - timedelta(minutes=1) if token == "expired" else now + timedelta(minutes=5),
        }
        key = live.settings.secret_key.get_secret_value() if token == "expired" else "x" * 40
        token = jwt.encode(claims, key, "HS256")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await connect(live.url, token)


async def test_a_customer_cannot_subscribe_to_another_accounts_shipment(live: LiveServer) -> None:
    world = await _world(live.http)
    listener = await connect(live.url, world["stranger"].access_token)
    try:
        ack = await listener.client.call(
            "subscribe", {"shipment_id": world["load"]["id"]}, timeout=5
        )
        assert ack == {"ok": False, "error": "not allowed"}
        bad = await listener.client.call("subscribe", {"nope": 1}, timeout=5)
        assert bad["ok"] is False
    finally:
        await listener.client.disconnect()


async def test_a_refused_subscriber_never_cuts_off_a_concurrent_allowed_one(
    live: LiveServer,
) -> None:
    """Refused and allowed subscriptions to one shipment race; every allowed one gets it."""
    world = await _world(live.http)
    buyers = [await connect(live.url, world["buyer"].access_token) for _ in range(4)]
    strangers = [await connect(live.url, world["stranger"].access_token) for _ in range(4)]
    request = {"shipment_id": world["load"]["id"]}
    try:
        acks = await asyncio.gather(
            *(
                listener.client.call("subscribe", request, timeout=5)
                for pair in zip(strangers, buyers, strict=True)
                for listener in pair
            )
        )
        assert acks == [{"ok": False, "error": "not allowed"}, {"ok": True, "replayed": 0}] * 4
        await live.http.patch(
            f"/api/shipments/{world['load']['id']}",
            headers=world["buyer"].auth,
            json={"notes": "race"},
        )
        for buyer in buyers:
            [update] = await buyer.wait_for("shipment:updated")
            assert update["version"] == 2
        assert all(not stranger.of("shipment:updated") for stranger in strangers)
    finally:
        for listener in buyers + strangers:
            await listener.client.disconnect()


async def test_a_rest_change_arrives_within_a_second(live: LiveServer) -> None:
    world = await _world(live.http)
    listener = await connect(live.url, world["buyer"].access_token)
    try:
        ack = await listener.client.call(
            "subscribe", {"shipment_id": world["load"]["id"]}, timeout=5
        )
        assert ack == {"ok": True, "replayed": 0}
        started = asyncio.get_running_loop().time()
        await live.http.patch(
            f"/api/shipments/{world['load']['id']}",
            headers=world["buyer"].auth,
            json={"notes": "dock 9"},
        )
        [update] = await listener.wait_for("shipment:updated", within=1.0)
        assert asyncio.get_running_loop().time() - started < 1.0
        assert update["shipment_id"] == world["load"]["id"] and update["event_id"] > 0
        assert (update["type"], update["version"], update["status"]) == (
            "shipment.updated",
            2,
            "PENDING",
        )
        assert update["changes"]["changes"]["notes"] == [None, "dock 9"]
    finally:
        await listener.client.disconnect()


async def test_reconnect_with_since_event_id_replays_exactly_what_was_missed(
    live: LiveServer,
) -> None:
    world = await _world(live.http)
    load_id, auth = world["load"]["id"], world["buyer"].auth
    first = await connect(live.url, world["buyer"].access_token)
    await first.client.call("subscribe", {"shipment_id": load_id}, timeout=5)
    await live.http.patch(f"/api/shipments/{load_id}", headers=auth, json={"notes": "one"})
    [seen] = await first.wait_for("shipment:updated")
    await first.client.disconnect()

    for note in ("two", "three", "four"):
        await live.http.patch(f"/api/shipments/{load_id}", headers=auth, json={"notes": note})

    second = await connect(live.url, world["buyer"].access_token)
    try:
        ack = await second.client.call(
            "subscribe", {"shipment_id": load_id, "since_event_id": seen["event_id"]}, timeout=5
        )
        assert ack == {"ok": True, "replayed": 3}
        missed = second.of("shipment:updated")
        assert [m["changes"]["changes"]["notes"][1] for m in missed] == ["two", "three", "four"]
        await live.http.patch(f"/api/shipments/{load_id}", headers=auth, json={"notes": "five"})
        updates = await second.wait_for("shipment:updated", count=4)
        ids = [u["event_id"] for u in updates]
        assert ids == sorted(ids) and len(set(ids)) == 4
        await asyncio.sleep(0.3)
        assert len(second.of("shipment:updated")) == 4  # nothing twice
    finally:
        await second.client.disconnect()


async def test_locations_are_coalesced_and_the_latest_wins(live: LiveServer) -> None:
    world = await _world(live.http)
    listener = await connect(live.url, world["buyer"].access_token)
    try:
        await listener.client.call("subscribe", {"shipment_id": world["load"]["id"]}, timeout=5)
        # The app's live hub, as the GPS ingest uses it.
        for i in range(20):
            await live.ctx.live.emit(
                "shipment:location",
                uuid.UUID(world["load"]["id"]),
                {
                    "shipment_id": world["load"]["id"],
                    "lat": 41.0 + i / 100,
                    "lng": -87.0,
                    "at": str(i),
                },
            )
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.6)
        positions = listener.of("shipment:location")
        assert 1 <= len(positions) <= 3, positions
        assert positions[-1]["lat"] == pytest.approx(41.19)
    finally:
        await listener.client.disconnect()


async def test_dispatchers_follow_the_board_and_customers_may_not(live: LiveServer) -> None:
    world = await _world(live.http)
    dispatcher = await add_user(live.http, world["admin"], "dispatcher", "disp@acme.example")
    driver = await add_driver(live.http, world["admin"], "dee@acme.example")
    board = await connect(live.url, dispatcher.access_token)
    buyer = await connect(live.url, world["buyer"].access_token)
    try:
        assert await board.client.call("subscribe_dispatch", {}, timeout=5) == {"ok": True}
        assert (await buyer.client.call("subscribe_dispatch", {}, timeout=5))["ok"] is False
        await assign(live.http, world["admin"], world["load"]["id"], driver)
        [update] = await board.wait_for("dispatch:board")
        assert (update["shipment_id"], update["status"], update["type"]) == (
            world["load"]["id"],
            "ASSIGNED",
            "shipment.assigned",
        )
        await asyncio.sleep(0.2)
        assert buyer.of("dispatch:board") == []
    finally:
        await board.client.disconnect()
        await buyer.client.disconnect()


async def test_connection_limit_per_user_and_idle_timeout(clean_db: str, tmp_path: Any) -> None:
    settings = base_settings(
        clean_db, tmp_path, ws_max_connections_per_user=2, ws_idle_timeout_s=0.5
    )
    server, task, url, app = await start_server(settings)
    gateway = app.state.gateway
    try:
        async with AsyncClient(base_url=url) as http:
            admin = await register(http, "Acme", "admin@acme.example")
        clients: list[Listener] = [await connect(url, admin.access_token) for _ in range(2)]
        with pytest.raises(socketio.exceptions.ConnectionError, match="too many connections"):
            await connect(url, admin.access_token)
        await asyncio.sleep(1.0)  # nobody subscribed: both are dropped as idle
        assert not any(c.client.connected for c in clients)
        again = await connect(url, admin.access_token)  # the slots were released
        await again.client.disconnect()
        await asyncio.sleep(0.6)
        # Nothing is kept per closed connection: no idle timer, no per-user count.
        assert not gateway._idle_checks
        assert str(admin.id) not in gateway.per_user
    finally:
        server.should_exit = True
        await task
