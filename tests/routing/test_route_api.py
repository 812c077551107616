"""GET /api/shipments/{id}/route on the embedded estimate: its legs, and who may read it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from httpx import AsyncClient

from tests.billing.conftest import Org
from tests.fleet_helpers import assign, book_load
from tests.helpers import assert_problem
from tests.shipments.factory import shipment_body, stop


async def route_of(client: AsyncClient, who: Any, load: dict[str, Any]) -> dict[str, Any]:
    resp = await client.get(f"/api/shipments/{load['id']}/route", headers=who.auth)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def test_the_route_is_estimated_leg_by_leg_and_says_so(client: AsyncClient, org: Org) -> None:
    body = shipment_body(org.account_a)
    later = datetime.fromisoformat(body["stops"][1]["window_start"]) + timedelta(days=1)
    body["stops"].append(stop("delivery", "Atlanta", later))
    resp = await client.post("/api/shipments", headers=org.dispatcher.auth, json=body)
    assert resp.status_code == 201, resp.text
    load = resp.json()
    assert load["distance_source"] == "estimate"

    route = await route_of(client, org.dispatcher, load)
    assert [(leg["from_sequence"], leg["to_sequence"]) for leg in route["legs"]] == [(1, 2), (2, 3)]
    assert {leg["source"] for leg in route["legs"]} == {"estimate"}
    assert all(leg["polyline"] is None for leg in route["legs"])
    assert route["legs"][0]["distance_km"] == 1553.9  # Chicago-Dallas x 1.2
    assert route["distance_km"] == load["distance_km"]
    # At the planning speed (65 km/h); the km are rounded to 0.1, so within 3 s.
    assert abs(route["duration_s"] - route["distance_km"] / 65 * 3600) < 3
    assert abs(route["duration_s"] - sum(leg["duration_s"] for leg in route["legs"])) <= 1


async def test_the_route_is_scoped_like_the_shipment(client: AsyncClient, org: Org) -> None:
    load = await book_load(client, org.dispatcher, org.account_a)
    path = f"/api/shipments/{load['id']}/route"
    await route_of(client, org.customer_a, load)  # the account's own user
    assert_problem(await client.get(path, headers=org.customer_b.auth), 404)
    assert_problem(await client.get(path, headers=org.outsider.auth), 404)
    assert_problem(await client.get(path, headers=org.driver.auth), 404)  # not their load
    await assign(client, org.dispatcher, load["id"], org.driver)
    await route_of(client, org.driver, load)
    assert_problem(await client.get(path), 401)
    missing = "/api/shipments/00000000-0000-4000-8000-000000000000/route"
    assert_problem(await client.get(missing, headers=org.admin.auth), 404)


async def test_the_route_is_in_the_openapi_document(client: AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    operation = spec["paths"]["/api/shipments/{shipment_id}/route"]["get"]
    assert {"200", "401", "404"} <= set(operation["responses"])
    leg = spec["components"]["schemas"]["LegRead"]["properties"]
    assert set(leg["source"]["enum"]) == {"estimate", "osrm", "valhalla", "graphhopper"}
    assert "polyline" in leg
