"""Stand-ins for OSRM, Valhalla and GraphHopper, speaking each one's documented HTTP API.

Requests are parsed as the engines parse them (OSRM's ``lng,lat;lng,lat`` path and its
``overview``/``geometries``/``annotations`` options, Valhalla's JSON locations and
costing, GraphHopper's ``point=lat,lng`` parameters, profile and key) and answered in
their JSON: OSRM metres and seconds, Valhalla kilometres (or miles) and a 1e-6 shape,
GraphHopper metres and milliseconds on a route, seconds in a matrix.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from freight.routing import polyline
from tests.routing.standin import Behaviour, Served, drive_s, endpoint, road_km, shape

LatLng = tuple[float, float]


# --- OSRM -----------------------------------------------------------------------------
def _osrm_error(status: int) -> dict[str, Any]:
    return {"code": "TooBig" if status == 429 else "InternalError", "message": f"HTTP {status}"}


def _osrm_coordinates(text: str) -> list[LatLng] | None:
    try:
        pairs = [part.split(",") for part in text.split(";")]
        return [(float(lat), float(lng)) for lng, lat in pairs]
    except ValueError:
        return None


def _osrm_refusal(code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=400)


async def _osrm_route(request: Request, behaviour: Behaviour) -> Any:
    points = _osrm_coordinates(request.path_params["coordinates"])
    if points is None or len(points) < 2:
        return _osrm_refusal("InvalidQuery", "Query string malformed close to position 0")
    a, b = points[0], points[1]
    km = road_km(a, b)
    if km is None:
        return _osrm_refusal("NoRoute", "Impossible route between points")
    route: dict[str, Any] = {"distance": km * 1000, "duration": drive_s(km), "weight": 1.0}
    overview = request.query_params.get("overview", "simplified")
    if overview != "false":
        full = overview == "full"
        if request.query_params.get("geometries", "polyline") == "geojson":
            route["geometry"] = {"type": "LineString", "coordinates": [[a[1], a[0]], [b[1], b[0]]]}
        else:
            route["geometry"] = shape(a, b, 5) if full else polyline.encode([a, b])
    route["legs"] = [{"distance": km * 1000, "duration": drive_s(km), "steps": [], "summary": ""}]
    waypoints = [{"location": [p[1], p[0]], "name": "", "distance": 0.0} for p in (a, b)]
    return {"code": "Ok", "routes": [route], "waypoints": waypoints}


def _indices(value: str | None, count: int) -> list[int]:
    return list(range(count)) if value in (None, "all") else [int(i) for i in value.split(";")]


async def _osrm_table(request: Request, behaviour: Behaviour) -> Any:
    points = _osrm_coordinates(request.path_params["coordinates"])
    if points is None:
        return _osrm_refusal("InvalidQuery", "Query string malformed close to position 0")
    sources = _indices(request.query_params.get("sources"), len(points))
    targets = _indices(request.query_params.get("destinations"), len(points))
    annotations = request.query_params.get("annotations", "duration").split(",")
    km = [[road_km(points[i], points[j]) for j in targets] for i in sources]
    body: dict[str, Any] = {"code": "Ok"}
    if "duration" in annotations:
        body["durations"] = [[None if d is None else drive_s(d) for d in row] for row in km]
    if "distance" in annotations:
        body["distances"] = [[None if d is None else d * 1000 for d in row] for row in km]
    return body


def osrm() -> Served:
    behaviour = Behaviour()
    app = Starlette(
        routes=[
            Route(
                "/route/v1/{profile}/{coordinates}",
                endpoint(behaviour, _osrm_route, _osrm_error),
            ),
            Route(
                "/table/v1/{profile}/{coordinates}",
                endpoint(behaviour, _osrm_table, _osrm_error),
            ),
        ]
    )
    return Served(app, behaviour)


# --- Valhalla ---------------------------------------------------------------------------
COSTINGS = {"auto", "truck", "bus", "taxi", "bicycle", "pedestrian", "motorcycle"}


def _valhalla_error(status: int, code: int = 0, message: str = "") -> dict[str, Any]:
    return {"error_code": code, "error": message or f"HTTP {status}", "status_code": status}


def _valhalla_refusal(code: int, message: str) -> JSONResponse:
    return JSONResponse(_valhalla_error(400, code, message), status_code=400)


def _locations(value: Any) -> list[LatLng]:
    return [(float(p["lat"]), float(p["lon"])) for p in value]


def _units(body: dict[str, Any]) -> tuple[str, float]:
    units = body.get("directions_options", {}).get("units") or body.get("units") or "kilometers"
    return ("miles", 1 / 1.609344) if units in ("miles", "mi") else ("kilometers", 1.0)


async def _valhalla_route(request: Request, behaviour: Behaviour) -> Any:
    body = json.loads(await request.body())
    if body.get("costing") not in COSTINGS:
        return _valhalla_refusal(125, "No costing method found")
    points = _locations(body.get("locations", []))
    if len(points) < 2:
        return _valhalla_refusal(120, "Insufficient number of locations provided")
    units, per_km = _units(body)
    km = road_km(points[0], points[1])
    if km is None:
        return _valhalla_refusal(442, "No path could be found for input")
    summary = {"length": round(km * per_km, 3), "time": round(drive_s(km), 3)}
    leg = {"summary": summary, "shape": shape(points[0], points[1], 6)}
    trip = {"legs": [leg], "summary": summary, "units": units, "status": 0}
    return {"trip": trip}


async def _valhalla_matrix(request: Request, behaviour: Behaviour) -> Any:
    body = json.loads(await request.body())
    if body.get("costing") not in COSTINGS:
        return _valhalla_refusal(125, "No costing method found")
    sources, targets = _locations(body["sources"]), _locations(body["targets"])
    units, per_km = _units(body)
    rows = []
    for i, a in enumerate(sources):
        row = []
        for j, b in enumerate(targets):
            km = road_km(a, b)
            row.append(
                {
                    "from_index": i,
                    "to_index": j,
                    "distance": None if km is None else round(km * per_km, 3),
                    "time": None if km is None else round(drive_s(km)),
                }
            )
        rows.append(row)
    return {"sources_to_targets": rows, "units": units}


def valhalla() -> Served:
    behaviour = Behaviour()
    answer = endpoint(behaviour, _valhalla_route, _valhalla_error)
    matrix = endpoint(behaviour, _valhalla_matrix, _valhalla_error)
    app = Starlette(
        routes=[
            Route("/route", answer, methods=["POST"]),
            Route("/sources_to_targets", matrix, methods=["POST"]),
        ]
    )
    return Served(app, behaviour)


# --- GraphHopper ---------------------------------------------------------------------------
PROFILES = {"car", "truck", "small_truck", "bike", "foot"}


def _gh_error(status: int, message: str = "") -> dict[str, Any]:
    return {"message": message or f"HTTP {status}", "hints": [{"message": message}]}


def _gh_refusal(status: int, message: str) -> JSONResponse:
    return JSONResponse(_gh_error(status, message), status_code=status)


def _gh_checked(request: Request, behaviour: Behaviour, profile: Any) -> JSONResponse | None:
    if behaviour.key is not None and request.query_params.get("key") != behaviour.key:
        return _gh_refusal(401, "Wrong credentials. Register and get a valid API key")
    if profile not in PROFILES:
        return _gh_refusal(400, f"The requested profile '{profile}' does not exist")
    return None


async def _gh_route(request: Request, behaviour: Behaviour) -> Any:
    refused = _gh_checked(request, behaviour, request.query_params.get("profile"))
    if refused is not None:
        return refused
    raw = request.query_params.getlist("point")
    points = [(float(p.split(",")[0]), float(p.split(",")[1])) for p in raw]
    if len(points) < 2:
        return _gh_refusal(400, "At least 2 points have to be specified, but was:1")
    km = road_km(points[0], points[1])
    if km is None:
        return _gh_refusal(400, "Connection between locations not found")
    path: dict[str, Any] = {"distance": round(km * 1000, 3), "time": round(drive_s(km) * 1000)}
    if request.query_params.get("points_encoded", "true") == "true":
        path |= {"points_encoded": True, "points_encoded_multiplier": 1e5}
        path["points"] = shape(points[0], points[1], 5)
    else:
        path["points"] = {"type": "LineString", "coordinates": [[p[1], p[0]] for p in points]}
    return {"paths": [path], "info": {"copyrights": ["GraphHopper"], "took": 1}}


async def _gh_matrix(request: Request, behaviour: Behaviour) -> Any:
    body = json.loads(await request.body())
    refused = _gh_checked(request, behaviour, body.get("profile"))
    if refused is not None:
        return refused
    sources = [(lat, lng) for lng, lat in body["from_points"]]
    targets = [(lat, lng) for lng, lat in body["to_points"]]
    km = [[road_km(a, b) for b in targets] for a in sources]
    if body.get("fail_fast", True) and any(d is None for row in km for d in row):
        return _gh_refusal(400, "Cannot find route between points")
    out = body.get("out_arrays", ["weights"])
    answer: dict[str, Any] = {"info": {"copyrights": ["GraphHopper"], "took": 1}}
    if "distances" in out:
        answer["distances"] = [[None if d is None else round(d * 1000) for d in r] for r in km]
    if "times" in out:
        answer["times"] = [[None if d is None else round(drive_s(d)) for d in r] for r in km]
    return answer


def graphhopper(key: str | None = None) -> Served:
    behaviour = Behaviour(key=key)
    app = Starlette(
        routes=[
            Route("/route", endpoint(behaviour, _gh_route, _gh_error)),
            Route("/matrix", endpoint(behaviour, _gh_matrix, _gh_error), methods=["POST"]),
        ]
    )
    return Served(app, behaviour)
