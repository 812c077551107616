"""Each geocoding server's client against a stand-in that speaks its API: what it answers,
what it asks, and what the embedded geocoder answers when the server does not."""

from __future__ import annotations

import pytest

from freight.places.geocoder import PlaceQuery
from freight.places.http import USER_AGENT
from freight.places.remote import RemoteGeocoder
from tests.places.conftest import Server

US = "US"


async def test_a_city_is_mapped_with_its_region_zone_and_precision(
    server: Server, remote: RemoteGeocoder
) -> None:
    name, _ = server
    (place,) = await remote.search(PlaceQuery("Springfield, IL", US, US, limit=3))
    assert (place.name, place.region, place.country) == ("Springfield", "IL", "US")
    assert place.lat == pytest.approx(39.7990, abs=1e-6)
    assert place.lng == pytest.approx(-89.6440, abs=1e-6)
    assert place.timezone == "America/Chicago"
    assert (place.precision, place.source) == ("city", name)
    assert place.postal_code is None and place.population is None


async def test_a_postal_code_is_placed_at_it_and_named_by_its_city(
    server: Server, remote: RemoteGeocoder
) -> None:
    name, _ = server
    (place,) = await remote.search(PlaceQuery("75201", US, limit=1))
    assert (place.name, place.region, place.postal_code) == ("Dallas", "TX", "75201")
    assert (place.precision, place.source, place.timezone) == (
        "postal_code",
        name,
        "America/Chicago",
    )
    assert place.lat == pytest.approx(32.7876, abs=1e-6)


async def test_a_street_address_is_a_street_precise_place(
    server: Server, remote: RemoteGeocoder
) -> None:
    (place,) = await remote.search(PlaceQuery("1600 Pennsylvania Avenue NW"))
    assert (place.name, place.region, place.country) == ("1600 Pennsylvania Avenue NW", "DC", "US")
    assert (place.precision, place.postal_code) == ("street", "20500")
    assert place.timezone == "America/New_York"


async def test_a_region_the_server_spells_out_gets_its_code(
    server: Server, remote: RemoteGeocoder
) -> None:
    name, _ = server
    (place,) = await remote.search(PlaceQuery("Montréal"))
    assert (place.name, place.region, place.country) == ("Montréal", "QC", "CA")
    assert (place.timezone, place.source) == ("America/Toronto", name)


async def test_states_are_left_out_and_the_servers_order_kept(
    server: Server, remote: RemoteGeocoder
) -> None:
    places = await remote.search(PlaceQuery("springfield"))
    assert [(p.region, p.precision) for p in places] == [("IL", "city"), ("MO", "city")]


async def test_a_country_filter_drops_places_elsewhere(
    server: Server, remote: RemoteGeocoder
) -> None:
    places = await remote.search(PlaceQuery("Montréal", country=US))
    assert all(p.country == US for p in places)
    assert all(p.source == "embedded" for p in places)  # the server had nothing there


async def test_each_request_is_the_documented_one(server: Server, remote: RemoteGeocoder) -> None:
    name, behaviour = server
    await remote.search(PlaceQuery("Springfield, IL", US, limit=3))
    call = behaviour.calls[-1]
    params = dict(call["params"])
    assert call["user_agent"] == USER_AGENT and "Freight" in USER_AGENT
    if name == "nominatim":
        assert call["path"] == "/search"
        assert params["q"] == "Springfield, IL" and params["countrycodes"] == "us"
        assert params["format"] == "jsonv2" and params["addressdetails"] == "1"
    elif name == "photon":
        assert call["path"] == "/api" and params["q"] == "Springfield, IL"
        assert int(params["limit"]) > 3  # Photon cannot filter by country: spares asked
    else:
        assert call["path"] == "/v1/search" and params["text"] == "Springfield, IL"
        assert params["boundary.country"] == US and params["size"] == "3"
        assert "region" not in params["layers"].split(",")


async def test_a_partial_text_uses_pelias_autocomplete(
    server: Server, remote: RemoteGeocoder
) -> None:
    name, behaviour = server
    places = await remote.search(PlaceQuery("sprin", partial=True))
    assert {p.source for p in places} == {name}
    if name == "pelias":
        assert behaviour.paths() == ["/v1/autocomplete"]


async def test_a_repeated_query_is_answered_from_the_cache(
    server: Server, remote: RemoteGeocoder
) -> None:
    _, behaviour = server
    first = await remote.search(PlaceQuery("Springfield, IL", US))
    again = await remote.search(PlaceQuery("  springfield,   il ", US))
    assert again == first and len(behaviour.calls) == 1
    await remote.search(PlaceQuery("Springfield, IL", US, limit=2))  # another question
    assert len(behaviour.calls) == 2


async def test_blank_and_overlong_queries_ask_no_server(
    server: Server, remote: RemoteGeocoder
) -> None:
    _, behaviour = server
    assert await remote.search(PlaceQuery("   ")) == []
    long = await remote.search(PlaceQuery("Springfield " * 100))
    assert all(p.source == "embedded" for p in long)
    assert behaviour.calls == []
