"""Access is checked for as long as a socket lives, not only at connect and subscribe."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from typing import Any

import pytest
from sqlalchemy import update

from freight.identity.models import User
from freight.identity.principals import principal_key
from tests.fleet_helpers import add_driver, assign, book_load
from tests.helpers import PASSWORD, Session, add_customer, add_user, register
from tests.realtime.conftest import Listener, LiveServer, connect, short_token


async def _world(live: LiveServer) -> dict[str, Any]:
    admin = await register(live.http, "Acme", "admin@acme.example")
    account = await add_customer(live.http, admin)
    buyer = await add_user(live.http, admin, "customer", "buyer@globex.example", account)
    load = await book_load(live.http, admin, account)
    return {"admin": admin, "account": account, "buyer": buyer, "load": load}


async def _subscribed(live: LiveServer, who: Session, load_id: str) -> Listener:
    listener = await connect(live.url, who.access_token)
    ack = await listener.client.call("subscribe", {"shipment_id": load_id}, timeout=5)
    assert ack["ok"] is True, ack
    return listener


async def _patch(live: LiveServer, admin: Session, load_id: str, note: str) -> None:
    resp = await live.http.patch(
        f"/api/shipments/{load_id}", headers=admin.editing(), json={"notes": note}
    )
    assert resp.status_code == 200, resp.text


@pytest.mark.parametrize(
    "change",
    [
        {"is_active": False},
        {"role": "dispatcher", "customer_id": None},
        {"password": PASSWORD + "-new"},
        "logout",
    ],
    ids=["deactivated", "role-changed", "password-changed", "logout"],
)
async def test_access_changes_close_the_users_sockets(live: LiveServer, change: Any) -> None:
    world = await _world(live)
    buyer, load_id = world["buyer"], world["load"]["id"]
    listener = await _subscribed(live, buyer, load_id)
    bystander = await _subscribed(live, world["admin"], load_id)
    try:
        if change == "logout":
            body = {"refresh_token": buyer.refresh_token}
            resp = await live.http.post("/api/auth/logout", headers=buyer.auth, json=body)
        else:
            path = f"/api/users/{buyer.id}"
            resp = await live.http.patch(path, headers=world["admin"].auth, json=change)
        assert resp.status_code in (200, 204), resp.text
        await listener.wait_closed()
        assert any("session ended" in e["error"] for e in listener.of("error"))
        await _patch(live, world["admin"], load_id, "after")
        await bystander.wait_for("shipment:updated")  # others are unaffected
        assert listener.of("shipment:updated") == []
    finally:
        await listener.client.disconnect()
        await bystander.client.disconnect()


async def test_a_password_set_from_a_shell_closes_the_users_sockets(live: LiveServer) -> None:
    """``freight users set-password`` runs in another process with no bridge to this one:
    the sweep finds the ended session in the database and closes the socket."""
    world = await _world(live)
    buyer, load_id = world["buyer"], world["load"]["id"]
    listener = await _subscribed(live, buyer, load_id)
    try:
        env = {**os.environ, "FREIGHT_DATABASE_URL": live.settings.database_url}
        for name in ("FREIGHT_REDIS_URL", "PROMETHEUS_MULTIPROC_DIR"):
            env.pop(name, None)
        env["FREIGHT_LOG_FILE"] = "off"
        cli = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "freight.cli", "users", "set-password",
            "buyer@globex.example", "--password", PASSWORD + "-from-shell",
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await cli.communicate()
        assert cli.returncode == 0, err.decode()
        await listener.wait_closed(within=10)
        assert any("session ended" in e["error"] for e in listener.of("error"))
    finally:
        await listener.client.disconnect()


async def test_a_demoted_dispatcher_leaves_the_board(live: LiveServer) -> None:
    world = await _world(live)
    dispatcher = await add_user(live.http, world["admin"], "dispatcher", "disp@acme.example")
    board = await connect(live.url, dispatcher.access_token)
    try:
        assert await board.client.call("subscribe_dispatch", {}, timeout=5) == {"ok": True}
        resp = await live.http.patch(
            f"/api/users/{dispatcher.id}", headers=world["admin"].auth, json={"role": "driver"}
        )
        assert resp.status_code == 200, resp.text
        await board.wait_closed()
        await _patch(live, world["admin"], world["load"]["id"], "after")
        await asyncio.sleep(0.3)
        assert board.of("dispatch:board") == []
    finally:
        await board.client.disconnect()


async def test_subscribe_re_resolves_the_caller_as_rest_does(live: LiveServer) -> None:
    """A user deactivated behind the app's back: REST refuses, and so does subscribe."""
    world = await _world(live)
    buyer, load_id = world["buyer"], world["load"]["id"]
    listener = await connect(live.url, buyer.access_token)
    try:
        async with live.ctx.sessions() as session:
            await session.execute(update(User).where(User.id == buyer.id).values(is_active=False))
            await session.commit()
        await live.ctx.cache.delete(principal_key(buyer.id))
        assert (
            await live.http.get(f"/api/shipments/{load_id}", headers=buyer.auth)
        ).status_code == 401
        ack = await listener.client.call("subscribe", {"shipment_id": load_id}, timeout=5)
        assert ack["ok"] is False and "unauthorized" in ack["error"]
        await listener.wait_closed()
    finally:
        await listener.client.disconnect()


async def test_an_unassigned_driver_stops_receiving_the_load(live: LiveServer) -> None:
    world = await _world(live)
    admin, load_id = world["admin"], world["load"]["id"]
    driver = await add_driver(live.http, admin, "dee@acme.example")
    await assign(live.http, admin, load_id, driver)
    listener = await _subscribed(live, driver.session, load_id)
    staff = await _subscribed(live, admin, load_id)
    try:
        resp = await live.http.post(f"/api/shipments/{load_id}/unassign", headers=admin.auth)
        assert resp.status_code == 200, resp.text
        await staff.wait_for("shipment:updated")
        await listener.wait_for("error")
        assert listener.of("error")[0] == {"error": "not allowed", "shipment_id": load_id}
        await _patch(live, admin, load_id, "after")
        await staff.wait_for("shipment:updated", count=2)
        await asyncio.sleep(0.3)
        assert listener.of("shipment:updated") == []
        ack = await listener.client.call(
            "subscribe", {"shipment_id": load_id, "since_event_id": 1}, timeout=5
        )
        assert ack == {"ok": False, "error": "not allowed"}
    finally:
        await listener.client.disconnect()
        await staff.client.disconnect()


async def test_a_connection_closes_when_its_token_expires(live: LiveServer) -> None:
    world = await _world(live)
    buyer = world["buyer"]
    token = short_token(live.settings, buyer, 4)
    listener = await connect(live.url, token)
    try:
        ack = await listener.client.call(
            "subscribe", {"shipment_id": world["load"]["id"]}, timeout=5
        )
        assert ack["ok"] is True
        await listener.wait_closed(within=8)
        assert any("expired" in e["error"] for e in listener.of("error"))
    finally:
        await listener.client.disconnect()


async def test_reauth_with_a_fresh_token_keeps_the_connection(live: LiveServer) -> None:
    world = await _world(live)
    buyer, admin, load_id = world["buyer"], world["admin"], world["load"]["id"]
    token = short_token(live.settings, buyer, 4)
    listener = await connect(live.url, token)
    try:
        ack = await listener.client.call("subscribe", {"shipment_id": load_id}, timeout=5)
        assert ack["ok"] is True
        other = await listener.client.call("reauth", {"token": admin.access_token}, timeout=5)
        assert other["ok"] is False  # another user's token is no re-authentication
        fresh = await listener.client.call("reauth", {"token": buyer.access_token}, timeout=5)
        assert fresh == {"ok": True}
        await asyncio.sleep(5)  # past the first token's expiry and many sweeps
        assert listener.client.connected
        await _patch(live, admin, load_id, "still here")
        await listener.wait_for("shipment:updated")
    finally:
        await listener.client.disconnect()


@pytest.mark.parametrize(
    "payload",
    [
        {"since_event_id": 10**30},
        {"since_event_id": -1},
        {"since_event_id": True},
        {"since_event_id": 1.5},
        {"since_event_id": "5"},
        {"shipment_id": 123},
        {"shipment_id": "x" * 100},
        "not an object",
        [1, 2],
    ],
)
async def test_socket_payloads_out_of_range_are_refused_not_raised(
    live: LiveServer, payload: Any
) -> None:
    world = await _world(live)
    listener = await connect(live.url, world["buyer"].access_token)
    try:
        request = (
            {"shipment_id": world["load"]["id"]} | payload if isinstance(payload, dict) else payload
        )
        ack = await listener.client.call("subscribe", request, timeout=5)
        assert ack["ok"] is False and ack["error"].startswith("invalid"), ack
        if isinstance(payload, dict):
            field = next(iter(payload))
            assert field in ack["error"]
        bad = await listener.client.call("reauth", {"token": 5}, timeout=5)
        assert bad["ok"] is False and "token" in bad["error"]
        unsub = await listener.client.call("unsubscribe", {"shipment_id": str(uuid.uuid4())[:5]})
        assert unsub["ok"] is False
        # The connection is still usable.
        ok = await listener.client.call(
            "subscribe", {"shipment_id": world["load"]["id"]}, timeout=5
        )
        assert ok["ok"] is True
    finally:
        await listener.client.disconnect()
