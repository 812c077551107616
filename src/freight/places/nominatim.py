"""Nominatim's search API (``/search?format=jsonv2&addressdetails=1``), OpenStreetMap data.

The answer is a JSON array of results, each with ``lat`` and ``lon`` as strings,
``category``, ``type``, ``addresstype``, ``place_rank`` (4 a country, 8 a state, 12 a
county, 16 a city ... 26 a street, 30 a house), ``name`` and an ``address`` object
(``house_number``, ``road``, ``city``/``town``/``village``/``hamlet``, ``state``,
``ISO3166-2-lvl4`` such as ``US-IL``, ``postcode``, ``country_code`` in lower case).
Results coarser than a city (counties, states, countries) are not places a truck stops
at, and are left out. The public server's usage policy allows one request per second
and asks for an identifying User-Agent (``FREIGHT_GEOCODER_RATE_PER_S``, ``http``).
"""

from __future__ import annotations

from typing import Any

from freight.places import codes
from freight.places.geocoder import Place, PlaceQuery, Precision
from freight.places.http import HttpClient, Params, asked_for, coordinate, mapping, results, text

NAME = "nominatim"
CITY_RANK = 13  # below a county (12): cities, towns, villages, suburbs
STREET_RANK = 26
CITY_KEYS = ("city", "town", "village", "hamlet", "municipality", "suburb")


def _precision(row: dict[str, Any]) -> Precision | None:
    if "postcode" in (row.get("addresstype"), row.get("type")):
        return "postal_code"
    rank = row.get("place_rank")
    if isinstance(rank, bool) or not isinstance(rank, int):
        return None
    if rank >= STREET_RANK:
        return "street"
    return "city" if rank >= CITY_RANK else None


def _name(row: dict[str, Any], address: dict[str, Any], precision: Precision) -> str | None:
    city = next((text(address.get(k)) for k in CITY_KEYS if text(address.get(k))), None)
    if precision == "postal_code":
        return city or text(address.get("postcode")) or text(row.get("name"))
    if precision == "street":
        number, road = text(address.get("house_number")), text(address.get("road"))
        if road:
            return f"{number} {road}" if number else road
    return text(row.get("name")) or city


def to_place(row: Any) -> Place | None:
    """One result as a place (None for one too coarse or without a country)."""
    row = mapping(row, "a result")
    address = mapping(row.get("address", {}), "a result's address")
    lat, lng = coordinate(row.get("lat"), 90), coordinate(row.get("lon"), 180)
    precision = _precision(row)
    country = codes.country_code(text(address.get("country_code")))
    if precision is None or country is None:
        return None
    name = _name(row, address, precision)
    if name is None:
        return None
    region = codes.region_from_subdivision(
        country, text(address.get("ISO3166-2-lvl4"))
    ) or codes.region_from_name(country, text(address.get("state")))
    postal = text(address.get("postcode")) if precision != "city" else None
    return codes.place(
        name=name,
        region=region,
        country=country,
        lat=lat,
        lng=lng,
        precision=precision,
        source=NAME,
        postal_code=postal,
    )


class NominatimClient(HttpClient):
    """A client of a Nominatim server (the public one, or your own)."""

    name = NAME
    key_param = "key"

    async def search(self, query: PlaceQuery) -> list[Place]:
        """Nominatim's results for the text, best first (its ranking)."""
        params: Params = [
            ("q", query.text),
            ("format", "jsonv2"),
            ("addressdetails", 1),
            ("limit", asked_for(query, extra=5)),  # some may be counties or states
        ]
        if query.country:
            params.append(("countrycodes", query.country.lower()))
        body = results(await self.get_json("/search", params), "the answer")
        places = [p for p in map(to_place, body) if p is not None]
        if query.country:
            places = [p for p in places if p.country == query.country]
        return places[: query.limit]
