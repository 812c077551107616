"""The office's reasons stay with the office: a customer reads that a load was assigned,
unassigned or that a warning was overridden, never why, over the API's event list and
over a real socket.io connection; staff read the reasons."""

from __future__ import annotations

from typing import Any

from freight.shipments.heed import OVERRIDDEN
from freight.shipments.staff_notes import for_viewer
from tests.fleet_helpers import add_driver, assign
from tests.helpers import Session
from tests.realtime.conftest import LiveServer
from tests.realtime.test_access import _subscribed, _world

NOTE = "driver called in sick"


async def events(live: LiveServer, who: Session, load_id: str) -> list[dict[str, Any]]:
    resp = await live.http.get(f"/api/shipments/{load_id}/events", headers=who.auth)
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def test_reasons_reach_staff_only(live: LiveServer) -> None:
    world = await _world(live)
    admin, buyer, load_id = world["admin"], world["buyer"], world["load"]["id"]
    driver = await add_driver(live.http, admin, "dee@acme.example")
    await assign(live.http, admin, load_id, driver)
    customer = await _subscribed(live, buyer, load_id)
    staff = await _subscribed(live, admin, load_id)
    try:
        resp = await live.http.post(
            f"/api/shipments/{load_id}/unassign", headers=admin.auth, json={"reason": NOTE}
        )
        assert resp.status_code == 200, resp.text
        [pushed] = await customer.wait_for("shipment:updated")
        await staff.wait_for("shipment:updated")
        assert pushed["type"] == "shipment.unassigned" and NOTE not in str(pushed)
        assert NOTE not in str(staff.of("shipment:updated"))  # the room gets one payload
    finally:
        await customer.client.disconnect()
        await staff.client.disconnect()

    [theirs] = [e for e in await events(live, buyer, load_id) if e["type"] == "shipment.unassigned"]
    [ours] = [e for e in await events(live, admin, load_id) if e["type"] == "shipment.unassigned"]
    assert "reason" not in theirs["data"] and ours["data"]["reason"] == NOTE
    assert theirs["seq"] == ours["seq"]  # the same event, no gap in the customer's numbering


async def test_an_unassign_reason_is_checked(live: LiveServer) -> None:
    world = await _world(live)
    admin, load_id = world["admin"], world["load"]["id"]
    driver = await add_driver(live.http, admin, "dee@acme.example")
    await assign(live.http, admin, load_id, driver)
    url = f"/api/shipments/{load_id}/unassign"
    blank = await live.http.post(url, headers=admin.auth, json={"reason": "   "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["loc"] == ["body", "reason"]
    assert (await live.http.post(url, headers=world["buyer"].auth, json={})).status_code == 403
    without = await live.http.post(url, headers=admin.auth)  # the reason stays optional
    assert without.status_code == 200, without.text


def test_what_each_viewer_reads_of_an_event() -> None:
    overridden = {"action": "book", "codes": ["pickup_window_past"], "reason": NOTE}
    assert for_viewer(OVERRIDDEN, overridden, staff=True) == overridden
    assert for_viewer(OVERRIDDEN, overridden, staff=False) == {}
    priced = {"changes": {"price_cents": [100, 200]}, "reason": NOTE}
    assert for_viewer("shipment.updated", priced, staff=False) == {"changes": priced["changes"]}
    cancelled = {"to": "CANCELLED", "reason": "order withdrawn"}
    assert for_viewer("shipment.cancelled", cancelled, staff=False) == cancelled
