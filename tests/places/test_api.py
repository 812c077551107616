"""GET /api/places: any signed-in user, validated, rate-limited, best first."""

from __future__ import annotations

from pathlib import Path

import pytest
from httpx import AsyncClient

from freight.places.search import CitySearch
from tests.conftest import base_settings
from tests.helpers import Session, add_user, assert_problem, register, running_client

pytestmark = pytest.mark.usefixtures("cities")


async def test_signing_in_is_required(client: AsyncClient) -> None:
    assert_problem(await client.get("/api/places", params={"q": "Chicago"}), 401)


@pytest.mark.parametrize("role", ["customer", "driver", "dispatcher"])
async def test_every_role_may_search(client: AsyncClient, admin: Session, role: str) -> None:
    user = await add_user(client, admin, role, f"{role}@acme.example")
    resp = await client.get("/api/places", params={"q": "Chicago"}, headers=user.auth)
    assert resp.status_code == 200, resp.text
    assert resp.json()["items"][0]["name"] == "Chicago"


async def test_an_answer_carries_what_a_stop_needs(client: AsyncClient, admin: Session) -> None:
    resp = await client.get(
        "/api/places", params={"q": "Sprngfield, IL", "limit": 3}, headers=admin.auth
    )
    assert resp.status_code == 200, resp.text
    items = resp.json()["items"]
    assert len(items) == 3
    assert items[0] == {
        "name": "Springfield",
        "region": "IL",
        "country": "US",
        "lat": pytest.approx(39.80, abs=0.05),
        "lng": pytest.approx(-89.64, abs=0.05),
        "timezone": "America/Chicago",
        "precision": "city",
        "population": items[0]["population"],
        "postal_code": None,
        "source": "embedded",
    }
    assert items[0]["population"] > 100_000


async def test_a_zip_code_answers_its_centroid(client: AsyncClient, admin: Session) -> None:
    resp = await client.get("/api/places", params={"q": "75201"}, headers=admin.auth)
    [place] = resp.json()["items"]
    assert (place["name"], place["region"], place["postal_code"]) == ("Dallas", "TX", "75201")
    assert place["precision"] == "postal_code" and place["population"] is None


async def test_the_limit_is_respected(client: AsyncClient, admin: Session) -> None:
    for limit in (1, 7, 50):
        resp = await client.get(
            "/api/places", params={"q": "san", "limit": limit}, headers=admin.auth
        )
        assert len(resp.json()["items"]) == limit
    default = await client.get("/api/places", params={"q": "san"}, headers=admin.auth)
    assert len(default.json()["items"]) == 10


async def test_the_organisations_country_comes_first(client: AsyncClient, admin: Session) -> None:
    us = await client.get("/api/places", params={"q": "London"}, headers=admin.auth)
    assert us.json()["items"][0]["country"] == "US"
    resp = await client.patch("/api/organization", headers=admin.auth, json={"country": "CA"})
    assert resp.status_code == 200, resp.text
    ca = await client.get("/api/places", params={"q": "London"}, headers=admin.auth)
    assert (ca.json()["items"][0]["region"], ca.json()["items"][0]["country"]) == ("ON", "CA")


async def test_the_country_filter(client: AsyncClient, admin: Session) -> None:
    resp = await client.get(
        "/api/places", params={"q": "London", "country": "gb"}, headers=admin.auth
    )
    assert {p["country"] for p in resp.json()["items"]} == {"GB"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 101}, "q"),
        ({"q": "Chicago", "limit": 0}, "limit"),
        ({"q": "Chicago", "limit": 51}, "limit"),
        ({"q": "Chicago", "country": "USA"}, "country"),
        ({"q": "Chicago", "country": "ZZ"}, "country"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field(
    client: AsyncClient, admin: Session, params: dict[str, str | int], field: str
) -> None:
    body = assert_problem(await client.get("/api/places", params=params, headers=admin.auth), 422)
    assert [e["loc"] for e in body["errors"]] == [["query", field]]


async def test_a_full_window_answers_429(clean_db: str, tmp_path: Path) -> None:
    settings = base_settings(clean_db, tmp_path, rate_limit_places="3/minute")
    async with running_client(settings) as http:
        user = await register(http, "Quick Freight", "admin@quick.example")
        for _ in range(3):
            ok = await http.get("/api/places", params={"q": "Dallas"}, headers=user.auth)
            assert ok.status_code == 200
        refused = await http.get("/api/places", params={"q": "Dallas"}, headers=user.auth)
        assert_problem(refused, 429, "rate_limited")
        assert int(refused.headers["retry-after"]) >= 1
        # Other routes are not held back by the places limit.
        assert (await http.get("/api/auth/me", headers=user.auth)).status_code == 200


async def test_the_openapi_document_describes_the_answer(
    client: AsyncClient, cities: CitySearch
) -> None:
    document = (await client.get("/openapi.json")).json()
    operation = document["paths"]["/api/places"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"q", "country", "limit"}
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/PlacePage"}
    assert {"401", "422", "429"} <= set(operation["responses"])
    place = document["components"]["schemas"]["PlaceRead"]
    assert {"name", "region", "country", "lat", "lng", "timezone", "precision"} <= set(
        place["required"]
    )
