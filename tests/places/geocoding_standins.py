"""Stand-ins for Nominatim, Photon and Pelias, speaking each one's documented search API.

They share a small gazetteer (``tests.places.gazetteer``) and render it as each server does:
Nominatim's ``jsonv2`` array (coordinates as strings, ``place_rank``, ``addresstype``, an
``address`` object only with ``addressdetails=1``), Photon's GeoJSON features (``type``,
``osm_key``/``osm_value``, ``state`` spelled out, ``countrycode``), Pelias's GeoJSON with
its ``geocoding`` header (``layer``, ``region_a``, ``country_a`` in alpha-3).
Misbehaviour (a status, a delay, a body that is not JSON) comes from ``Behaviour``.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.places.gazetteer import COUNTRY_NAMES, Record, limit, matching
from tests.routing.standin import Behaviour, Served, endpoint

# --- Nominatim ------------------------------------------------------------------------------
RANK = {"city": 16, "postcode": 21, "house": 30, "state": 8}
NOMINATIM_TYPE = {
    "city": ("place", "city", "city"),
    "postcode": ("place", "postcode", "postcode"),
    "house": ("building", "house", "building"),
    "state": ("boundary", "administrative", "state"),
}


def nominatim_result(i: int, r: Record, details: bool) -> dict[str, Any]:
    category, kind, addresstype = NOMINATIM_TYPE[r.kind]
    row: dict[str, Any] = {
        "place_id": 1000 + i,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
        "osm_type": "relation" if r.kind in ("city", "state") else "node",
        "osm_id": 50000 + i,
        "lat": f"{r.lat:.7f}",
        "lon": f"{r.lng:.7f}",
        "category": category,
        "type": kind,
        "place_rank": RANK[r.kind],
        "importance": 0.5,
        "addresstype": addresstype,
        "name": r.name,
        "display_name": f"{r.name}, {r.state}",
        "boundingbox": [
            f"{r.lat - 0.1:.7f}",
            f"{r.lat + 0.1:.7f}",
            f"{r.lng - 0.1:.7f}",
            f"{r.lng + 0.1:.7f}",
        ],
    }
    if details:
        address: dict[str, str] = {}
        if r.house_number:
            address["house_number"] = r.house_number
        if r.road:
            address["road"] = r.road
        if r.kind == "city":
            address["city"] = r.name
        elif r.city:
            address["city"] = r.city
        if r.postcode:
            address["postcode"] = r.postcode
        address.update(
            {"state": r.state, "ISO3166-2-lvl4": f"{r.country}-{r.state_code}"}
            | {"country": r.country, "country_code": r.country.lower()}
        )
        row["address"] = address
    return row


async def _nominatim_search(request: Request, behaviour: Behaviour) -> Any:
    params = request.query_params
    if behaviour.key is not None and params.get("key") != behaviour.key:  # LocationIQ's way
        return JSONResponse({"error": "Invalid key"}, status_code=401)
    if params.get("format") != "jsonv2":
        return JSONResponse({"error": "only jsonv2 here"}, status_code=400)
    found = matching(params.get("q"), params.get("countrycodes"))[: limit(params.get("limit"), 10)]
    details = params.get("addressdetails") == "1"
    return [nominatim_result(i, r, details) for i, r in enumerate(found)]


def nominatim() -> Served:
    behaviour = Behaviour()
    error = lambda status: {"error": {"code": status, "message": "Internal Server Error"}}  # noqa: E731
    routes = [Route("/search", endpoint(behaviour, _nominatim_search, error))]
    return Served(Starlette(routes=routes), behaviour)


# --- Photon ---------------------------------------------------------------------------------
PHOTON_TYPE = {
    "city": ("place", "city", "city"),
    "postcode": ("place", "postcode", "other"),
    "house": ("building", "yes", "house"),
    "state": ("boundary", "administrative", "state"),
}


def photon_feature(i: int, r: Record) -> dict[str, Any]:
    key, value, kind = PHOTON_TYPE[r.kind]
    props: dict[str, Any] = {
        "osm_type": "N",
        "osm_id": 60000 + i,
        "osm_key": key,
        "osm_value": value,
        "type": kind,
        "countrycode": r.country,
        "country": COUNTRY_NAMES[r.country],
        "state": r.state,
    }
    if r.kind != "house":
        props["name"] = r.name
    for field, value_ in (
        ("housenumber", r.house_number),
        ("street", r.road),
        ("postcode", r.postcode),
        ("city", r.city),
    ):
        if value_:
            props[field] = value_
    geometry = {"type": "Point", "coordinates": [r.lng, r.lat]}
    return {"type": "Feature", "geometry": geometry, "properties": props}


async def _photon_api(request: Request, behaviour: Behaviour) -> Any:
    params = request.query_params
    found = matching(params.get("q"))[: limit(params.get("limit"), 15)]
    return {
        "type": "FeatureCollection",
        "features": [photon_feature(i, r) for i, r in enumerate(found)],
    }


def photon() -> Served:
    behaviour = Behaviour()
    routes = [Route("/api", endpoint(behaviour, _photon_api, lambda s: {"message": f"HTTP {s}"}))]
    return Served(Starlette(routes=routes), behaviour)


# --- Pelias ---------------------------------------------------------------------------------
PELIAS_LAYER = {"city": "locality", "postcode": "postalcode", "house": "address", "state": "region"}


def pelias_feature(r: Record) -> dict[str, Any]:
    layer = PELIAS_LAYER[r.kind]
    props: dict[str, Any] = {
        "id": f"{layer}-{r.name}",
        "gid": f"openstreetmap:{layer}:{r.name}",
        "layer": layer,
        "source": "openstreetmap",
        "name": r.name,
        "confidence": 1,
        "match_type": "exact",
        "accuracy": "centroid",
        "country": COUNTRY_NAMES[r.country],
        "country_a": r.alpha3,
        "region": r.state,
        "region_a": r.state_code,
        "label": f"{r.name}, {r.state_code}, {r.alpha3}",
    }
    if r.kind == "city":
        props["locality"] = r.name
    elif r.city:
        props["locality"] = r.city
    if r.postcode:
        props["postalcode"] = r.postcode
    if r.house_number:
        props["housenumber"], props["street"] = r.house_number, r.road
    geometry = {"type": "Point", "coordinates": [r.lng, r.lat]}
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _pelias_error(message: str, status: int = 400) -> JSONResponse:
    header = {"version": "0.2", "errors": [message]}
    body = {"geocoding": header, "type": "FeatureCollection", "features": []}
    return JSONResponse(body, status_code=status)


async def _pelias(request: Request, behaviour: Behaviour) -> Any:
    params = request.query_params
    if behaviour.key is not None and params.get("api_key") != behaviour.key:  # geocode.earth's
        return _pelias_error("invalid api_key", status=401)
    text = params.get("text")
    if not text:
        return _pelias_error("invalid param 'text': text length, must be >0")
    country = params.get("boundary.country")
    alpha2 = {"USA": "US", "CAN": "CA"}.get(country or "", country)
    layers = set(params.get("layers", ",".join(PELIAS_LAYER.values())).split(","))
    found = [r for r in matching(text, alpha2) if PELIAS_LAYER[r.kind] in layers]
    size = 10 if request.url.path.endswith("autocomplete") else limit(params.get("size"), 10)
    header = {
        "version": "0.2",
        "attribution": "http://pelias.test/attribution",
        "query": {"text": text, "size": size},
        "engine": {"name": "Pelias"},
    }
    features = [pelias_feature(r) for r in found[:size]]
    return {"geocoding": header, "type": "FeatureCollection", "features": features}


def pelias() -> Served:
    behaviour = Behaviour()
    error = lambda status: {"geocoding": {"errors": [f"HTTP {status}"]}}  # noqa: E731
    routes = [
        Route("/v1/search", endpoint(behaviour, _pelias, error)),
        Route("/v1/autocomplete", endpoint(behaviour, _pelias, error)),
    ]
    return Served(Starlette(routes=routes), behaviour)


SERVERS = {"nominatim": nominatim, "photon": photon, "pelias": pelias}
