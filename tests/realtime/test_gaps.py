"""An event committed but never published (its process died in between) still reaches
every live subscriber, in order, and nobody's cursor moves past it."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from freight import events
from freight.settings import Settings
from freight.shipments.models import Shipment
from tests.conftest import base_settings
from tests.fleet_helpers import book_load
from tests.helpers import Session, add_customer, add_user, register
from tests.realtime.conftest import LiveServer, connect, start_server


async def _commit_unpublished(live: LiveServer, load_id: str, note: str) -> None:
    """What a worker killed between commit and publish leaves behind: a committed event."""
    async with live.ctx.sessions() as session:
        shipment = await session.get(Shipment, uuid.UUID(load_id))
        assert shipment is not None
        shipment.notes = note
        await events.record(
            session,
            None,
            shipment.organization_id,
            "shipment.updated",
            {"changes": {"notes": [None, note]}},
            shipment_id=shipment.id,
        )
        await session.commit()  # and the process "dies": nothing is published


async def _world(live: LiveServer) -> tuple[Session, Session, dict[str, Any]]:
    admin = await register(live.http, "Acme", "admin@acme.example")
    account = await add_customer(live.http, admin)
    buyer = await add_user(live.http, admin, "customer", "buyer@globex.example", account)
    return admin, buyer, await book_load(live.http, admin, account)


def _notes(updates: list[dict[str, Any]]) -> list[str]:
    return [u["changes"]["changes"]["notes"][1] for u in updates]


async def test_another_subscriber_never_moves_a_live_cursor_past_a_lost_event(
    clean_db: str, tmp_path: Path
) -> None:
    # No periodic catch-up in this test: the gap itself must be noticed and filled.
    settings: Settings = base_settings(clean_db, tmp_path, ws_check_interval_s=3600)
    server, task, url, app = await start_server(settings)
    try:
        from httpx import AsyncClient

        async with AsyncClient(base_url=url, timeout=10) as http:
            live = LiveServer(url, settings, http, app)
            admin, buyer, load = await _world(live)
            staying = await connect(url, buyer.access_token)
            ack = await staying.client.call("subscribe", {"shipment_id": load["id"]}, timeout=5)
            assert ack["ok"] is True
            await _commit_unpublished(live, load["id"], "lost")
            # Another socket subscribes after the lost event (the surviving worker).
            late = await connect(url, buyer.access_token)
            await late.client.call("subscribe", {"shipment_id": load["id"]}, timeout=5)
            resp = await http.patch(
                f"/api/shipments/{load['id']}", headers=admin.editing(), json={"notes": "next"}
            )
            assert resp.status_code == 200
            updates = await staying.wait_for("shipment:updated", count=2)
            assert _notes(updates) == ["lost", "next"]
            assert [u["seq"] for u in updates] == [2, 3]  # the per-shipment seq, gapless
            [only] = await late.wait_for("shipment:updated")
            assert _notes([only]) == ["next"]
            await staying.client.disconnect()
            await late.client.disconnect()
    finally:
        server.should_exit = True
        await task


async def test_an_unpublished_event_is_delivered_within_seconds(live: LiveServer) -> None:
    _, buyer, load = await _world(live)
    listener = await connect(live.url, buyer.access_token)
    try:
        ack = await listener.client.call("subscribe", {"shipment_id": load["id"]}, timeout=5)
        assert ack["ok"] is True
        await _commit_unpublished(live, load["id"], "lost")
        [update] = await listener.wait_for("shipment:updated", within=3.0)
        assert _notes([update]) == ["lost"] and update["seq"] == 2
    finally:
        await listener.client.disconnect()


async def test_every_payload_carries_the_shipment_seq(live: LiveServer) -> None:
    admin, buyer, load = await _world(live)
    listener = await connect(live.url, buyer.access_token)
    try:
        await listener.client.call("subscribe", {"shipment_id": load["id"]}, timeout=5)
        await live.http.patch(
            f"/api/shipments/{load['id']}", headers=admin.editing(), json={"notes": "one"}
        )
        resp = await live.http.post(
            f"/api/shipments/{load['id']}/messages", headers=buyer.auth, json={"body": "hello"}
        )
        assert resp.status_code == 201, resp.text
        [update] = await listener.wait_for("shipment:updated")
        [message] = await listener.wait_for("message:new")
        assert (update["seq"], message["seq"]) == (2, 3)
    finally:
        await listener.client.disconnect()
