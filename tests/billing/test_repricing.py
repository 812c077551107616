"""Edits after pricing: what a price was computed from cannot change under it.

A frozen quote is re-quoted when its route or equipment changes (or the edit is refused
with 409 naming the field), a price set by hand is kept and the edit flagged, the
currency is the organisation's, and an invoice refuses a quote made for another load.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import update

from freight.shipments.models import Stop
from tests.billing.conftest import Org, deliver, invoice
from tests.helpers import Session, assert_problem

DALLAS = ("Dallas", "TX", 32.7767, -96.7970)
IRVING = ("Irving", "TX", 32.8140, -96.9489)
NEW_YORK = ("New York", "NY", 40.7128, -74.0060)


def _stop(kind: str, place: tuple[str, str, float, float], start: datetime) -> dict[str, Any]:
    city, region, lat, lng = place
    return {
        "kind": kind,
        "city": city,
        "region": region,
        "lat": lat,
        "lng": lng,
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=4)).isoformat(),
    }


def _route(
    origin: tuple[str, str, float, float], destination: tuple[str, str, float, float]
) -> list[dict[str, Any]]:
    tomorrow = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    return [
        _stop("pickup", origin, tomorrow),
        _stop("delivery", destination, tomorrow + timedelta(days=1)),
    ]


async def _book(client: AsyncClient, who: Session, **extra: Any) -> dict[str, Any]:
    body = {"equipment_type": "dry_van", "weight_kg": 8000, "stops": _route(DALLAS, IRVING)}
    resp = await client.post("/api/shipments", headers=who.auth, json=body | extra)
    assert resp.status_code == 201, resp.text
    booked: dict[str, Any] = resp.json()
    return booked


async def _quote(client: AsyncClient, who: Session, equipment: str, stops: list[Any]) -> int:
    resp = await client.post(
        "/api/quotes", headers=who.auth, json={"equipment_type": equipment, "stops": stops}
    )
    assert resp.status_code == 200, resp.text
    price: int = resp.json()["price_cents"]
    return price


async def _last_event(client: AsyncClient, org: Org, shipment_id: str) -> dict[str, Any]:
    events = await client.get(f"/api/shipments/{shipment_id}/events", headers=org.admin.auth)
    last: dict[str, Any] = events.json()["items"][-1]
    return last


async def test_new_stops_re_quote_the_price_and_the_timeline_says_so(
    client: AsyncClient, org: Org
) -> None:
    booked = await _book(client, org.customer_a)
    assert booked["price_cents"] == 43_575  # the minimum charge plus fuel

    far = _route(DALLAS, NEW_YORK)
    resp = await client.patch(
        f"/api/shipments/{booked['id']}", headers=org.customer_a.auth, json={"stops": far}
    )
    assert resp.status_code == 200, resp.text
    expected = await _quote(client, org.customer_a, "dry_van", far)
    assert resp.json()["price_cents"] == expected > 43_575
    edit = await _last_event(client, org, booked["id"])
    assert edit["type"] == "shipment.updated"
    assert edit["data"]["changes"]["price_cents"] == [43_575, expected]
    assert edit["data"]["pricing"] == "requoted"


async def test_an_equipment_change_re_quotes_or_is_refused_naming_the_field(
    client: AsyncClient, org: Org
) -> None:
    booked = await _book(client, org.dispatcher, customer_id=org.account_a)
    url = f"/api/shipments/{booked['id']}"
    reefer = await client.patch(
        url, headers=org.dispatcher.editing(), json={"equipment_type": "reefer"}
    )
    assert reefer.status_code == 200, reefer.text
    assert reefer.json()["price_cents"] == await _quote(
        client, org.dispatcher, "reefer", _route(DALLAS, IRVING)
    )

    flatbed = await client.patch(
        url, headers=org.dispatcher.editing(), json={"equipment_type": "flatbed", "notes": "x"}
    )
    problem = assert_problem(flatbed, 409)
    assert problem["errors"][0]["loc"] == ["body", "equipment_type"]
    after = (await client.get(url, headers=org.admin.auth)).json()
    assert (after["equipment_type"], after["notes"]) == ("reefer", None)
    assert after["price_cents"] == reefer.json()["price_cents"]


async def test_a_weight_or_notes_edit_keeps_the_frozen_price(client: AsyncClient, org: Org) -> None:
    booked = await _book(client, org.customer_a)
    rates = (await client.get("/api/billing/rates", headers=org.admin.auth)).json()
    rates["minimum_charge_cents"] = 90_000  # today's rates differ from the booked quote
    assert (
        await client.put("/api/billing/rates", headers=org.admin.auth, json=rates)
    ).status_code == 200
    resp = await client.patch(
        f"/api/shipments/{booked['id']}",
        headers=org.customer_a.auth,
        json={"weight_kg": 9000, "notes": "Dock 4"},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["price_cents"] == 43_575  # the weight is not part of the price
    assert "pricing" not in (await _last_event(client, org, booked["id"]))["data"]


async def test_a_price_set_by_hand_is_kept_and_the_edit_flagged(
    client: AsyncClient, org: Org
) -> None:
    booked = await _book(client, org.dispatcher, customer_id=org.account_a, price_cents=60_000)
    resp = await client.patch(
        f"/api/shipments/{booked['id']}",
        headers=org.dispatcher.editing(),
        json={"stops": _route(DALLAS, NEW_YORK)},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["price_cents"] == 60_000
    edit = await _last_event(client, org, booked["id"])
    assert edit["data"]["pricing"] == "override_kept"
    assert "price_cents" not in edit["data"]["changes"]


async def test_the_currency_comes_from_the_rates_never_from_the_client(
    client: AsyncClient, org: Org
) -> None:
    body = {"equipment_type": "dry_van", "weight_kg": 8000, "stops": _route(DALLAS, IRVING)}
    yen = await client.post(
        "/api/shipments", headers=org.customer_a.auth, json=body | {"currency": "JPY"}
    )
    assert assert_problem(yen, 422)["errors"][0]["loc"] == ["body", "currency"]

    booked = await _book(client, org.customer_a)
    assert booked["currency"] == "USD"
    url = f"/api/shipments/{booked['id']}"
    edit = await client.patch(url, headers=org.dispatcher.editing(), json={"currency": "JPY"})
    assert assert_problem(edit, 409)["errors"][0]["loc"] == ["body", "currency"]
    same = await client.patch(url, headers=org.dispatcher.editing(), json={"currency": "USD"})
    assert same.status_code == 200 and same.json()["version"] == 1  # no change at all
    assert (await client.get(url, headers=org.admin.auth)).json()["currency"] == "USD"


async def test_an_edited_route_is_invoiced_at_its_new_quote(client: AsyncClient, org: Org) -> None:
    load = await _book(client, org.dispatcher, customer_id=org.account_a)
    far = _route(DALLAS, NEW_YORK)
    resp = await client.put(
        f"/api/shipments/{load['id']}",
        headers=org.dispatcher.editing(),
        json={"equipment_type": "dry_van", "weight_kg": 8000, "stops": far},
    )
    assert resp.status_code == 200, resp.text
    delivered = await deliver_existing(client, org, load["id"])
    body = await invoice(client, org, org.account_a, [delivered["id"]], issue=False)
    assert body["subtotal_cents"] == await _quote(client, org.admin, "dry_van", far)
    assert body["currency"] == "USD"


async def test_invoicing_refuses_a_quote_made_for_another_route(
    client: AsyncClient, app: FastAPI, org: Org
) -> None:
    shipment = await deliver(client, org, org.account_a)
    # The stop moved behind the API's back (an edit made before re-quoting existed).
    async with app.state.ctx.engine.begin() as conn:
        await conn.execute(
            update(Stop)
            .where(Stop.shipment_id == uuid.UUID(shipment["id"]), Stop.sequence == 2)
            .values(lat=NEW_YORK[2], lng=NEW_YORK[3])
        )
    resp = await client.post(
        "/api/invoices",
        headers=org.admin.auth,
        json={"customer_id": org.account_a, "shipment_ids": [shipment["id"]]},
    )
    problem = assert_problem(resp, 409)
    assert shipment["reference"] in problem["detail"]
    assert problem["errors"][0]["loc"] == ["body", "shipment_ids", 0]


async def deliver_existing(client: AsyncClient, org: Org, load_id: str) -> dict[str, Any]:
    """Assign, pick up, move and deliver a booked load."""
    from tests.fleet_helpers import assign, move, tiny_png

    await assign(client, org.dispatcher, load_id, org.driver)
    await move(client, org.driver, load_id, "PICKED_UP")
    await move(client, org.driver, load_id, "IN_TRANSIT")
    resp = await client.post(
        f"/api/shipments/{load_id}/pod",
        headers=org.driver.auth,
        data={"recipient_name": "Rita Receiver"},
        files=[("signature", ("sig.png", tiny_png(), "image/png"))],
    )
    assert resp.status_code == 201, resp.text
    shipment: dict[str, Any] = (
        await client.get(f"/api/shipments/{load_id}", headers=org.admin.auth)
    ).json()
    return shipment
