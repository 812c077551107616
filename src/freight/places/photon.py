"""Photon's search API (``/api?q=``), OpenStreetMap data, search-as-you-type.

The answer is a GeoJSON ``FeatureCollection``; each feature's ``geometry`` is a
``Point`` at ``[lon, lat]`` and its ``properties`` carry ``osm_key``/``osm_value``,
``type`` (``house``, ``street``, ``locality``, ``district``, ``city``, ``county``,
``state``, ``country``, ``other``), ``name``, ``housenumber``, ``street``, ``postcode``,
``city``, ``state`` (spelled out) and ``countrycode`` (ISO alpha-2). Photon has no
country filter, so more results are asked for and those elsewhere are dropped; counties,
states and countries are left out.
"""

from __future__ import annotations

from typing import Any

from freight.places import codes
from freight.places.geocoder import Place, PlaceQuery, Precision
from freight.places.http import HttpClient, Params, asked_for, mapping, point, results, text

NAME = "photon"
PRECISION: dict[str, Precision] = {
    "house": "street",
    "street": "street",
    "city": "city",
    "district": "city",
    "locality": "city",
}


def _precision(props: dict[str, Any]) -> Precision | None:
    if props.get("osm_value") == "postcode":
        return "postal_code"
    kind = props.get("type")
    if kind == "other" and text(props.get("street")):
        return "street"  # a named building or business on a street
    return PRECISION.get(kind) if isinstance(kind, str) else None


def _name(props: dict[str, Any], precision: Precision) -> str | None:
    if precision == "postal_code":
        return text(props.get("city")) or text(props.get("postcode")) or text(props.get("name"))
    if precision == "street":
        number, street = text(props.get("housenumber")), text(props.get("street"))
        if number and street:
            return f"{number} {street}"
        return text(props.get("name")) or street
    return text(props.get("name"))


def to_place(feature: Any) -> Place | None:
    """One feature as a place (None for one too coarse or without a country)."""
    feature = mapping(feature, "a feature")
    props = mapping(feature.get("properties"), "a feature's properties")
    lat, lng = point(feature)
    precision = _precision(props)
    country = codes.country_code(text(props.get("countrycode")))
    if precision is None or country is None:
        return None
    name = _name(props, precision)
    if name is None:
        return None
    return codes.place(
        name=name,
        region=codes.region_from_name(country, text(props.get("state"))),
        country=country,
        lat=lat,
        lng=lng,
        precision=precision,
        source=NAME,
        postal_code=text(props.get("postcode")) if precision != "city" else None,
    )


class PhotonClient(HttpClient):
    """A client of a Photon server (photon.komoot.io, or your own)."""

    name = NAME

    async def search(self, query: PlaceQuery) -> list[Place]:
        """Photon's features for the text, best first (its ranking)."""
        spare = 3 * query.limit if query.country else 5
        params: Params = [
            ("q", query.text),
            ("limit", asked_for(query, extra=spare)),
        ]
        body = mapping(await self.get_json("/api", params), "the answer")
        features = results(body.get("features"), "the features")
        places = [p for p in map(to_place, features) if p is not None]
        if query.country:
            places = [p for p in places if p.country == query.country]
        return places[: query.limit]
