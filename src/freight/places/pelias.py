"""Pelias's API: ``/v1/search`` for a finished address, ``/v1/autocomplete`` while typing.

Both answer a GeoJSON ``FeatureCollection`` (with a ``geocoding`` header object); each
feature is a ``Point`` at ``[lon, lat]`` whose ``properties`` carry ``layer``
(``venue``, ``address``, ``street``, ``postalcode``, ``neighbourhood``, ``borough``,
``locality``, ``localadmin``, ``county``, ``region``, ``country``...), ``name``,
``postalcode``, ``locality``, ``region``, ``region_a`` (``IL``), ``country_a`` (ISO
alpha-3) and, on recent servers, ``country_code`` (alpha-2). Only the layers a stop can
be placed at are asked for.
"""

from __future__ import annotations

from typing import Any

from freight.places import codes
from freight.places.geocoder import Place, PlaceQuery, Precision
from freight.places.http import HttpClient, Params, asked_for, mapping, point, results, text

NAME = "pelias"
PRECISION: dict[str, Precision] = {
    "venue": "street",
    "address": "street",
    "street": "street",
    "postalcode": "postal_code",
    "neighbourhood": "city",
    "borough": "city",
    "locality": "city",
    "localadmin": "city",
}
LAYERS = ",".join(PRECISION)


def to_place(feature: Any) -> Place | None:
    """One feature as a place (None for a layer too coarse, or without a country)."""
    feature = mapping(feature, "a feature")
    props = mapping(feature.get("properties"), "a feature's properties")
    lat, lng = point(feature)
    layer = props.get("layer")
    precision = PRECISION.get(layer) if isinstance(layer, str) else None
    country = codes.country_code(text(props.get("country_code")) or text(props.get("country_a")))
    if precision is None or country is None:
        return None
    if precision == "postal_code":
        name = text(props.get("locality")) or text(props.get("name"))
    else:
        name = text(props.get("name"))
    if name is None:
        return None
    region = codes.region_from_name(country, text(props.get("region"))) or text(
        props.get("region_a")
    )
    return codes.place(
        name=name,
        region=region,
        country=country,
        lat=lat,
        lng=lng,
        precision=precision,
        source=NAME,
        postal_code=text(props.get("postalcode")) if precision != "city" else None,
    )


class PeliasClient(HttpClient):
    """A client of a Pelias server (self-hosted, or a hosted one)."""

    name = NAME
    key_param = "api_key"

    async def search(self, query: PlaceQuery) -> list[Place]:
        """Pelias's features for the text, best first: autocomplete for a partial text."""
        params: Params = [("text", query.text), ("layers", LAYERS)]
        if query.country:
            params.append(("boundary.country", query.country))
        if query.partial:
            path = "/v1/autocomplete"  # its size is fixed at 10
        else:
            path = "/v1/search"
            params.append(("size", asked_for(query)))
        body = mapping(await self.get_json(path, params), "the answer")
        features = results(body.get("features"), "the features")
        places = [p for p in map(to_place, features) if p is not None]
        if query.country:
            places = [p for p in places if p.country == query.country]
        return places[: query.limit]
