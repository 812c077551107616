"""Booking by address: stops without coordinates are placed from their postal code or city
(+ region, country) by the embedded geocoder and say how; typed coordinates are kept; a
stop that cannot be placed is a 422 naming it, with suggestions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from tests.helpers import assert_problem
from tests.shipments.conftest import World, book
from tests.shipments.factory import shipment_body, stop

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


def by_address(
    kind: str, city: str, region: str | None, postal: str | None = None
) -> dict[str, Any]:
    body = stop(kind, "Chicago", START if kind == "pickup" else START + timedelta(days=1))
    del body["lat"], body["lng"]
    body.update(city=city, region=region, postal_code=postal)
    return body


async def test_stops_booked_by_city_and_by_postal_code_are_placed(
    client: AsyncClient, world: World
) -> None:
    stops = [
        by_address("pickup", "Sprngfield", "IL"),
        by_address("delivery", "Dallas", None, "75201"),
    ]
    stops[0]["city"] = "Springfield"
    body = await book(client, world.customer_a, stops=stops)
    pickup, delivery = body["stops"]
    assert pickup["lat"] == pytest.approx(39.80, abs=0.05) and pickup["lng"] == pytest.approx(
        -89.64, abs=0.05
    )
    assert pickup["geocode"] == {"source": "embedded", "precision": "city"}
    assert pickup["timezone"] == "America/Chicago"
    assert delivery["geocode"] == {"source": "embedded", "precision": "postal_code"}
    assert delivery["lat"] == pytest.approx(32.79, abs=0.05) and delivery["region"] == "TX"
    assert body["distance_km"] > 1000  # priced and routed from the placed stops


async def test_typed_coordinates_are_kept(client: AsyncClient, world: World) -> None:
    body = await book(client, world.customer_a)
    assert all(s["geocode"] == {"source": "client", "precision": "point"} for s in body["stops"])


async def test_a_stop_that_cannot_be_placed_is_named_with_suggestions(
    client: AsyncClient, world: World
) -> None:
    stops = [by_address("pickup", "Sprngfeld", "XX"), by_address("delivery", "Dallas", "TX")]
    resp = await client.post(
        "/api/shipments", headers=world.customer_a.auth, json=shipment_body(stops=stops)
    )
    problem = assert_problem(resp, 422, "validation_error")
    [error] = problem["errors"]
    assert error["loc"] == ["body", "stops", 0, "city"]
    assert "did you mean" in error["msg"] and "Springfield" in error["msg"]


async def test_coordinates_come_in_pairs(client: AsyncClient, world: World) -> None:
    half = stop("pickup", "Chicago", START)
    del half["lng"]
    stops = [half, stop("delivery", "Dallas", START + timedelta(days=1))]
    resp = await client.post(
        "/api/shipments", headers=world.customer_a.auth, json=shipment_body(stops=stops)
    )
    problem = assert_problem(resp, 422, "validation_error")
    assert problem["errors"][0]["loc"][:3] == ["body", "stops", 0]
