"""The app uses the geocoder the settings name: for booking by address and for
``/api/places``; a failing server is logged once, without the address, and the app's
shutdown closes the server's connections."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import AsyncClient

from freight.app import create_app
from freight.places.http import HttpClient
from freight.places.remote import RemoteGeocoder
from freight.settings import Settings
from tests.conftest import base_settings
from tests.helpers import Session, assert_problem, running_client
from tests.places.gazetteer import DALLAS_75201, SPRINGFIELD_IL
from tests.places.geocoding_standins import nominatim, photon
from tests.routing.standin import Behaviour
from tests.shipments.conftest import World
from tests.shipments.factory import shipment_body, stop

pytestmark = pytest.mark.usefixtures("cities")
START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


@pytest.fixture
def server() -> Iterator[Behaviour]:
    with nominatim() as behaviour:
        yield behaviour


@pytest.fixture
def settings(clean_db: str, tmp_path: Path, server: Behaviour) -> Settings:
    # Nominatim's defaults: one request a second, a turn waited for up to the 2 s timeout.
    return base_settings(clean_db, tmp_path, geocoder="nominatim", geocoder_url=server.url)


def by_address(kind: str, city: str, region: str, postal: str | None) -> dict[str, Any]:
    body = stop(kind, "Chicago", START if kind == "pickup" else START + timedelta(days=1))
    del body["lat"], body["lng"]
    body.update(city=city, region=region, postal_code=postal)
    return body


def booking() -> dict[str, Any]:
    stops = [
        by_address("pickup", "Springfield", "IL", None),
        by_address("delivery", "Dallas", "TX", "75201"),
    ]
    return shipment_body(stops=stops)


async def test_a_stop_booked_by_address_is_placed_by_the_configured_server(
    client: AsyncClient, world: World, server: Behaviour
) -> None:
    resp = await client.post("/api/shipments", headers=world.customer_a.auth, json=booking())
    assert resp.status_code == 201, resp.text
    pickup, delivery = resp.json()["stops"]
    assert pickup["geocode"] == {"source": "nominatim", "precision": "city"}
    assert (pickup["lat"], pickup["lng"]) == (SPRINGFIELD_IL.lat, SPRINGFIELD_IL.lng)
    assert pickup["timezone"] == "America/Chicago"
    assert delivery["geocode"] == {"source": "nominatim", "precision": "postal_code"}
    assert (delivery["lat"], delivery["lng"]) == (DALLAS_75201.lat, DALLAS_75201.lng)
    asked = [dict(call["params"])["q"] for call in server.calls]
    assert asked == ["Springfield, IL", "75201"]  # once each: the booking's look was cached


async def test_a_failing_server_is_logged_once_and_never_with_the_address(
    app: FastAPI, client: AsyncClient, world: World, server: Behaviour
) -> None:
    server.status = 502
    resp = await client.post("/api/shipments", headers=world.customer_a.auth, json=booking())
    assert resp.status_code == 201, resp.text
    assert {s["geocode"]["source"] for s in resp.json()["stops"]} == {"embedded"}
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = app.state.ctx.settings.log_file.read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    (entry,) = [line for line in lines if line.get("event") == "geocoder.fallback"]
    assert (entry["provider"], entry["reason"], entry["status"]) == (
        "nominatim",
        "server_error",
        502,
    )
    assert entry["level"] == "warning"
    assert "Springfield" not in text and "75201" not in text and server.url not in text


async def test_places_are_searched_on_the_configured_server(
    clean_db: str, tmp_path: Path, admin: Session
) -> None:
    with photon() as behaviour:
        settings = base_settings(clean_db, tmp_path, geocoder="photon", geocoder_url=behaviour.url)
        async with running_client(settings) as client:
            resp = await client.get(
                "/api/places", params={"q": "Springf", "country": "us"}, headers=admin.auth
            )
            assert resp.status_code == 200, resp.text
            items = resp.json()["items"]
            assert [(i["region"], i["source"]) for i in items] == [
                ("IL", "photon"),
                ("MO", "photon"),
            ]
            for q in ("x" * 101, "   "):
                resp = await client.get("/api/places", params={"q": q}, headers=admin.auth)
                assert_problem(resp, 422)
        assert behaviour.paths() == ["/api"]


async def test_the_app_closes_the_servers_connections_when_it_stops(settings: Settings) -> None:
    app = create_app(settings)
    async with LifespanManager(app):
        geocoder = app.state.ctx.geocoder
        assert isinstance(geocoder, RemoteGeocoder) and geocoder.name == "nominatim"
        assert isinstance(geocoder.client, HttpClient)
    assert geocoder.client.http.is_closed
