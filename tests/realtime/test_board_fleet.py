"""Fleet changes reach the organisation's dispatch board over socket.io, and no other's."""

from __future__ import annotations

import asyncio

from tests.fleet_helpers import add_driver, add_vehicle, book_load
from tests.helpers import add_customer, add_user, register
from tests.realtime.conftest import LiveServer, connect


async def test_a_driver_availability_change_reaches_this_board_and_not_another(
    live: LiveServer,
) -> None:
    admin = await register(live.http, "Acme", "admin@acme.example")
    rival = await register(live.http, "Rival", "admin@rival.example")
    dispatcher = await add_user(live.http, admin, "dispatcher", "disp@acme.example")
    rival_dispatcher = await add_user(live.http, rival, "dispatcher", "disp@rival.example")
    dee = await add_driver(live.http, admin, "dee@acme.example")
    ours = await connect(live.url, dispatcher.access_token)
    theirs = await connect(live.url, rival_dispatcher.access_token)
    driver_socket = await connect(live.url, dee.session.access_token)
    try:
        for board in (ours, theirs):
            assert await board.client.call("subscribe_dispatch", {}, timeout=5) == {"ok": True}
        refused = await driver_socket.client.call("subscribe_dispatch", {}, timeout=5)
        assert refused["ok"] is False
        url = f"/api/drivers/{dee.id}/availability"
        resp = await live.http.put(url, headers=dee.auth, json={"status": "off_duty"})
        assert resp.status_code == 200, resp.text
        [update] = await ours.wait_for("dispatch:board")
        assert update["type"] == "driver.availability_changed"
        assert (update["driver_id"], update["status"]) == (dee.id, "off_duty")
        assert update["shipment_id"] is None and isinstance(update["event_id"], int)
        assert "+1 312" not in str(update) and "D400" not in str(update)
        await asyncio.sleep(0.3)
        assert theirs.of("dispatch:board") == []
        assert driver_socket.of("dispatch:board") == []
    finally:
        for listener in (ours, theirs, driver_socket):
            await listener.client.disconnect()


async def test_driver_and_vehicle_edits_reach_the_board(live: LiveServer) -> None:
    admin = await register(live.http, "Acme", "admin@acme.example")
    board = await connect(live.url, admin.access_token)
    try:
        assert await board.client.call("subscribe_dispatch", {}, timeout=5) == {"ok": True}
        truck = await add_vehicle(live.http, admin)
        dee = await add_driver(live.http, admin, "dee@acme.example")
        resp = await live.http.patch(
            f"/api/drivers/{dee.id}", headers=admin.auth, json={"vehicle_id": truck["id"]}
        )
        assert resp.status_code == 200, resp.text
        updates = await board.wait_for("dispatch:board", count=3)
        assert [u["type"] for u in updates] == [
            "vehicle.created",
            "driver.created",
            "driver.updated",
        ]
        assert updates[0]["vehicle_id"] == truck["id"] and updates[0]["status"] == "active"
        assert (updates[2]["driver_id"], updates[2]["status"]) == (dee.id, None)
    finally:
        await board.client.disconnect()


async def test_a_refused_change_sends_nothing_to_the_board(live: LiveServer) -> None:
    admin = await register(live.http, "Acme", "admin@acme.example")
    await add_vehicle(live.http, admin, "T-1")
    truck = await add_vehicle(live.http, admin, "T-2")
    board = await connect(live.url, admin.access_token)
    try:
        assert await board.client.call("subscribe_dispatch", {}, timeout=5) == {"ok": True}
        resp = await live.http.patch(
            f"/api/vehicles/{truck['id']}", headers=admin.auth, json={"number": "T-1"}
        )
        assert resp.status_code == 409
        await asyncio.sleep(0.3)
        assert board.of("dispatch:board") == []
    finally:
        await board.client.disconnect()


async def test_a_message_tells_this_board_which_load_without_its_words(live: LiveServer) -> None:
    admin = await register(live.http, "Acme", "admin@acme.example")
    rival = await register(live.http, "Rival", "admin@rival.example")
    dispatcher = await add_user(live.http, admin, "dispatcher", "disp@acme.example")
    account = await add_customer(live.http, admin, "Globex")
    buyer = await add_user(live.http, admin, "customer", "buyer@globex.example", account)
    load = await book_load(live.http, admin, account)
    ours = await connect(live.url, dispatcher.access_token)
    theirs = await connect(live.url, rival.access_token)
    try:
        for board in (ours, theirs):
            assert await board.client.call("subscribe_dispatch", {}, timeout=5) == {"ok": True}
        resp = await live.http.post(
            f"/api/shipments/{load['id']}/messages",
            headers=buyer.auth,
            json={"body": "Gate code 4471"},
        )
        assert resp.status_code == 201, resp.text
        [update] = await ours.wait_for("dispatch:board")
        assert (update["type"], update["shipment_id"]) == ("message.posted", load["id"])
        assert isinstance(update["event_id"], int) and update["status"] is None
        assert "4471" not in str(update)  # the board re-reads its counts, never the text
        await asyncio.sleep(0.3)
        assert theirs.of("dispatch:board") == []
    finally:
        for listener in (ours, theirs):
            await listener.client.disconnect()
