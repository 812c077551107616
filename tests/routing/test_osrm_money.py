"""With OSRM configured, quotes, bookings, re-quotes and invoices use its road distance."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient

from freight.billing.money import km, share, times
from freight.settings import Settings
from tests.billing.conftest import Org, deliver, invoice
from tests.conftest import base_settings
from tests.routing import engines
from tests.routing.conftest import CHICAGO, DALLAS, TIMEOUT_S
from tests.routing.standin import Behaviour, road_km
from tests.shipments.factory import shipment_body

QUOTE_STOPS = [
    {"lat": CHICAGO.lat, "lng": CHICAGO.lng, "city": "Chicago"},
    {"lat": DALLAS.lat, "lng": DALLAS.lng, "city": "Dallas"},
]
ROAD_KM = round(road_km((CHICAGO.lat, CHICAGO.lng), (DALLAS.lat, DALLAS.lng)) or 0, 1)
ESTIMATE_KM = 1553.9  # great-circle x 1.2


@pytest.fixture
def osrm() -> Iterator[Behaviour]:
    with engines.osrm() as behaviour:
        yield behaviour


@pytest.fixture
def settings(clean_db: str, tmp_path: Path, osrm: Behaviour) -> Settings:
    return base_settings(
        clean_db, tmp_path, router="osrm", router_url=osrm.url, router_timeout_s=TIMEOUT_S
    )


async def quote(client: AsyncClient, org: Org) -> dict[str, Any]:
    resp = await client.post(
        "/api/quotes",
        headers=org.customer_a.auth,
        json={"equipment_type": "dry_van", "stops": QUOTE_STOPS},
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def test_a_quote_prices_osrms_distance_and_names_it(
    client: AsyncClient, org: Org, osrm: Behaviour
) -> None:
    body = await quote(client, org)
    assert body["distance_km"] == ROAD_KM != ESTIMATE_KM
    assert body["distance_source"] == "osrm"
    linehaul = body["lines"][0]
    assert linehaul["quantity"] == f"{km(ROAD_KM)}"
    assert linehaul["amount_cents"] == times(km(ROAD_KM), 195)
    assert linehaul["description"] == f"Linehaul {km(ROAD_KM):,} km dry van (OSRM)"
    assert body["lines"][1]["amount_cents"] == share(linehaul["amount_cents"], 2450)
    assert osrm.paths() == ["/route/v1/driving/-87.629800,41.878100;-96.797000,32.776700"]


async def test_with_osrm_down_the_quote_is_the_estimate_and_says_so(
    client: AsyncClient, org: Org, osrm: Behaviour
) -> None:
    osrm.status = 503
    body = await quote(client, org)
    assert body["distance_km"] == ESTIMATE_KM and body["distance_source"] == "estimate"
    assert body["lines"][0]["description"] == "Linehaul 1,553.9 km dry van (road estimate)"
    assert body["price_cents"] == 377_249  # the estimate's worked example (test_pricing)


async def test_a_booking_stores_and_freezes_osrms_distance(
    client: AsyncClient, org: Org, osrm: Behaviour
) -> None:
    quoted = await quote(client, org)
    resp = await client.post("/api/shipments", headers=org.customer_a.auth, json=shipment_body())
    assert resp.status_code == 201, resp.text
    booked = resp.json()
    assert booked["distance_km"] == ROAD_KM and booked["distance_source"] == "osrm"
    assert booked["price_cents"] == quoted["price_cents"]
    assert len(osrm.calls) == 1  # the booking's leg came from the cache the quote filled

    route = (
        await client.get(f"/api/shipments/{booked['id']}/route", headers=org.customer_a.auth)
    ).json()
    (leg,) = route["legs"]
    assert leg["source"] == "osrm" and leg["polyline"] and route["distance_km"] == ROAD_KM
    assert len(osrm.calls) == 1


async def test_a_booking_asks_osrm_once_and_with_it_down_is_estimated(
    client: AsyncClient, org: Org, osrm: Behaviour
) -> None:
    # Asked before the unit of work; the booking's own call inside it is a cache hit.
    resp = await client.post("/api/shipments", headers=org.customer_a.auth, json=shipment_body())
    assert resp.status_code == 201 and resp.json()["distance_source"] == "osrm"
    assert len(osrm.calls) == 1
    osrm.status = 503  # the cool-down means one failed call, then the estimate at once
    body = shipment_body(destination="Atlanta")
    resp = await client.post("/api/shipments", headers=org.customer_a.auth, json=body)
    assert resp.status_code == 201, resp.text
    assert resp.json()["distance_source"] == "estimate" and len(osrm.calls) == 2


async def test_a_booking_by_address_is_placed_then_routed_by_osrm_once(
    client: AsyncClient, org: Org, osrm: Behaviour
) -> None:
    body = shipment_body()
    for stop, postal in zip(body["stops"], ("60601", "75201"), strict=True):
        del stop["lat"], stop["lng"]
        stop["postal_code"] = postal
    resp = await client.post("/api/shipments", headers=org.customer_a.auth, json=body)
    assert resp.status_code == 201, resp.text
    booked = resp.json()
    assert {s["geocode"]["source"] for s in booked["stops"]} == {"embedded"}
    placed = [(s["lat"], s["lng"]) for s in booked["stops"]]
    assert booked["distance_km"] == round(road_km(placed[0], placed[1]) or 0, 1)
    assert booked["distance_source"] == "osrm"
    assert len(osrm.calls) == 1  # asked (on placed copies) before the unit of work only


async def test_new_stops_are_requoted_over_the_road(
    client: AsyncClient, org: Org, osrm: Behaviour
) -> None:
    resp = await client.post("/api/shipments", headers=org.customer_a.auth, json=shipment_body())
    booked = resp.json()
    stops = shipment_body(destination="Atlanta")["stops"]
    resp = await client.patch(
        f"/api/shipments/{booked['id']}", headers=org.dispatcher.editing(), json={"stops": stops}
    )
    assert resp.status_code == 200, resp.text
    edited = resp.json()
    atlanta = (stops[1]["lat"], stops[1]["lng"])
    expected = round(road_km((CHICAGO.lat, CHICAGO.lng), atlanta) or 0, 1)
    assert edited["distance_km"] == expected and edited["distance_source"] == "osrm"
    linehaul = times(km(expected), 195)
    assert edited["price_cents"] == linehaul + share(linehaul, 2450)


async def test_the_invoice_line_names_the_distance_and_its_source(
    client: AsyncClient, org: Org, osrm: Behaviour
) -> None:
    shipment = await deliver(client, org, org.account_a)
    osrm.status = 500  # invoicing bills the frozen quote: it asks the router nothing
    body = await invoice(client, org, org.account_a, [shipment["id"]])
    linehaul = body["lines"][0]
    reference = shipment["reference"]
    assert linehaul["description"] == f"{reference} Linehaul {km(ROAD_KM):,} km dry van (OSRM)"
    assert linehaul["amount_cents"] == times(km(ROAD_KM), 195)
