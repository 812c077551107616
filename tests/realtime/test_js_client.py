"""The real JavaScript socket.io-client (npm, run by Node) against a running server."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.fleet_helpers import book_load
from tests.helpers import add_customer, add_user, register
from tests.realtime.conftest import LiveServer, short_token

SCRIPT = Path(__file__).with_name("js_client.mjs")
ROOT = Path(__file__).parents[2]

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "node_modules" / "socket.io-client").exists(),
    reason="needs Node.js and `npm ci` (make install does both)",
)


class JsClient:
    """A Node process running js_client.mjs; its output lines, parsed."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[dict[str, Any]] = []
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, *args: str, seconds: float = 6, **extra_env: str) -> JsClient:
        env = {**os.environ, "JS_CLIENT_SECONDS": str(seconds), **extra_env}
        proc = await asyncio.create_subprocess_exec(
            "node",
            str(SCRIPT),
            *args,
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(proc)

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for raw in self.proc.stdout:
            self.lines.append(json.loads(raw))

    def of(self, event: str) -> list[Any]:
        return [line["data"] for line in self.lines if line["event"] == event]

    async def wait_for(self, event: str, count: int = 1, within: float = 5.0) -> list[Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while len(self.of(event)) < count:
            if loop.time() > deadline:
                raise AssertionError(f"expected {count} {event}: {self.lines}")
            await asyncio.sleep(0.01)
        return self.of(event)

    async def close(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
        await self.proc.wait()
        await self._reader


async def _load(live: LiveServer) -> tuple[Any, Any, dict[str, Any]]:
    admin = await register(live.http, "Acme", "admin@acme.example")
    account = await add_customer(live.http, admin)
    buyer = await add_user(live.http, admin, "customer", "buyer@globex.example", account)
    return admin, buyer, await book_load(live.http, admin, account)


@pytest.mark.parametrize("token", ["", "garbage"])
async def test_js_client_is_refused_without_a_valid_token(live: LiveServer, token: str) -> None:
    client = await JsClient.start(live.url, token)
    try:
        [reason] = await client.wait_for("connect_error")
        assert "unauthorized" in reason
    finally:
        await client.close()


async def test_js_client_refused_subscription_and_live_update(live: LiveServer) -> None:
    admin, buyer, load = await _load(live)
    stranger = await add_user(live.http, admin, "customer", "x@initech.example")
    refused = await JsClient.start(live.url, stranger.access_token, load["id"])
    client = await JsClient.start(live.url, buyer.access_token, load["id"])
    try:
        assert (await refused.wait_for("ack"))[0] == {"ok": False, "error": "not allowed"}
        assert (await client.wait_for("ack"))[0] == {"ok": True, "replayed": 0}
        started = asyncio.get_running_loop().time()
        await live.http.patch(
            f"/api/shipments/{load['id']}", headers=buyer.auth, json={"notes": "js"}
        )
        [update] = await client.wait_for("shipment:updated", within=1.0)
        assert asyncio.get_running_loop().time() - started < 1.0
        assert update["shipment_id"] == load["id"] and update["version"] == 2
    finally:
        await refused.close()
        await client.close()


async def test_js_client_reconnect_replays_exactly_the_missed_three(live: LiveServer) -> None:
    _, buyer, load = await _load(live)
    first = await JsClient.start(live.url, buyer.access_token, load["id"])
    await first.wait_for("ack")
    await live.http.patch(
        f"/api/shipments/{load['id']}", headers=buyer.auth, json={"notes": "seen"}
    )
    [seen] = await first.wait_for("shipment:updated")
    await first.close()
    for note in ("a", "b", "c"):
        await live.http.patch(
            f"/api/shipments/{load['id']}", headers=buyer.auth, json={"notes": note}
        )
    second = await JsClient.start(live.url, buyer.access_token, load["id"], str(seen["event_id"]))
    try:
        assert (await second.wait_for("ack"))[0] == {"ok": True, "replayed": 3}
        replayed = second.of("shipment:updated")
        assert [u["changes"]["changes"]["notes"][1] for u in replayed] == ["a", "b", "c"]
    finally:
        await second.close()


async def test_js_client_gets_coalesced_locations(live: LiveServer) -> None:
    _, buyer, load = await _load(live)
    client = await JsClient.start(live.url, buyer.access_token, load["id"])
    try:
        await client.wait_for("ack")
        for i in range(25):
            await live.ctx.live.emit(
                "shipment:location",
                uuid.UUID(load["id"]),
                {"shipment_id": load["id"], "lat": 35.0 + i / 100, "lng": -90.0, "at": str(i)},
            )
            await asyncio.sleep(0.008)
        await asyncio.sleep(0.7)
        positions = client.of("shipment:location")
        assert 1 <= len(positions) <= 3, positions
        assert positions[-1]["lat"] == pytest.approx(35.24)
    finally:
        await client.close()


async def test_js_client_stays_connected_past_expiry_with_reauth(live: LiveServer) -> None:
    admin, buyer, load = await _load(live)
    # Long enough for Node to start on a loaded machine, short enough to expire here.
    token = short_token(live.settings, buyer, 5)
    expires = asyncio.get_running_loop().time() + 5
    client = await JsClient.start(
        live.url, token, load["id"], seconds=20, JS_REAUTH_TOKEN=buyer.access_token
    )
    try:
        assert (await client.wait_for("reauth", within=10))[0] == {"ok": True}
        # Past the first token's expiry and a few sweeps.
        await asyncio.sleep(max(0.0, expires - asyncio.get_running_loop().time()) + 1.0)
        await live.http.patch(
            f"/api/shipments/{load['id']}", headers=admin.editing(), json={"notes": "x"}
        )
        await client.wait_for("shipment:updated")
        assert client.of("disconnect") == []
    finally:
        await client.close()


async def test_js_client_is_closed_at_expiry_and_reconnects_with_a_fresh_token(
    live: LiveServer,
) -> None:
    admin, buyer, load = await _load(live)
    token = short_token(live.settings, buyer, 5)
    client = await JsClient.start(
        live.url, token, load["id"], seconds=20, JS_RECONNECT_TOKEN=buyer.access_token
    )
    try:
        assert (await client.wait_for("ack", within=10))[0]["ok"] is True
        [reason] = await client.wait_for("disconnect", within=10)
        assert reason == "io server disconnect"
        assert any("expired" in e["error"] for e in client.of("error"))
        acks = await client.wait_for("ack", count=2)
        assert acks[1]["ok"] is True
        await live.http.patch(
            f"/api/shipments/{load['id']}", headers=admin.editing(), json={"notes": "y"}
        )
        await client.wait_for("shipment:updated")
    finally:
        await client.close()
