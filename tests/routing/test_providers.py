"""Each provider's client against a stand-in that speaks its API: answers, failures, cache."""

from __future__ import annotations

import json
import time

import pytest
from pydantic import ValidationError

from freight.routing import polyline
from freight.routing.estimate import EstimateRouter
from freight.routing.remote import RemoteRouter
from tests.routing.conftest import (
    ANTARCTIC,
    ATLANTA,
    CHICAGO,
    DALLAS,
    DENVER,
    GH_KEY,
    Place,
    fallbacks,
    router_settings,
)
from tests.routing.standin import Behaviour, drive_s, road_km

Engine = tuple[str, Behaviour]
ESTIMATE = EstimateRouter(1.2, 65.0)


def standin_km(a: Place, b: Place) -> float:
    km = road_km((a.lat, a.lng), (b.lat, b.lng))
    assert km is not None
    return km


def asked(behaviour: Behaviour, call: int = -1) -> tuple[str, dict[str, list[str]], object]:
    """The path, query parameters and JSON body of a call the stand-in received."""
    seen = behaviour.calls[call]
    params: dict[str, list[str]] = {}
    for key, value in seen["params"]:
        params.setdefault(key, []).append(value)
    return seen["path"], params, json.loads(seen["body"]) if seen["body"] else None


async def test_a_leg_is_the_providers_road_with_its_shape(
    engine: Engine, router: RemoteRouter
) -> None:
    name, _ = engine
    route = await router.route([CHICAGO, DALLAS])
    (leg,) = route.legs
    assert leg.source == name == route.source
    assert leg.distance_km == pytest.approx(standin_km(CHICAGO, DALLAS), abs=0.01)
    assert leg.duration_s == pytest.approx(drive_s(standin_km(CHICAGO, DALLAS)), abs=1)
    assert route.distance_km != ESTIMATE.route_now([CHICAGO, DALLAS]).distance_km
    assert leg.polyline is not None
    line = polyline.decode(leg.polyline)
    assert line[0] == pytest.approx((CHICAGO.lat, CHICAGO.lng), abs=1e-5)
    assert line[-1] == pytest.approx((DALLAS.lat, DALLAS.lng), abs=1e-5)
    assert len(line) == 3  # the full shape, not a simplified one


async def test_each_request_is_the_documented_one(engine: Engine, router: RemoteRouter) -> None:
    name, behaviour = engine
    await router.route([CHICAGO, DALLAS])
    path, params, body = asked(behaviour)
    if name == "osrm":
        assert path == "/route/v1/driving/-87.629800,41.878100;-96.797000,32.776700"
        assert params["overview"] == ["full"] and params["geometries"] == ["polyline"]
    elif name == "valhalla":
        assert path == "/route"
        assert isinstance(body, dict) and body["costing"] == "truck"
        assert body["locations"] == [
            {"lat": CHICAGO.lat, "lon": CHICAGO.lng},
            {"lat": DALLAS.lat, "lon": DALLAS.lng},
        ]
    else:
        assert path == "/route"
        assert params["point"] == ["41.878100,-87.629800", "32.776700,-96.797000"]
        assert params["profile"] == ["truck"] and params["key"] == [GH_KEY]


async def test_a_429_falls_back_to_the_estimate_and_backs_off(
    engine: Engine, router: RemoteRouter
) -> None:
    name, behaviour = engine
    behaviour.status, behaviour.retry_after = 429, "120"
    before = fallbacks(name, "rate_limited"), fallbacks(name, "circuit_open")
    route = await router.route([CHICAGO, DALLAS])
    assert route.source == "estimate" and route.legs[0].polyline is None
    assert route.distance_km == ESTIMATE.route_now([CHICAGO, DALLAS]).distance_km
    assert fallbacks(name, "rate_limited") == before[0] + 1
    behaviour.status = None  # the quota is back, but Retry-After asked for two minutes
    again = await router.route([CHICAGO, ATLANTA])
    assert again.source == "estimate" and len(behaviour.calls) == 1
    assert fallbacks(name, "circuit_open") == before[1] + 1


async def test_a_timeout_falls_back_to_the_estimate_in_time(
    engine: Engine, router: RemoteRouter
) -> None:
    name, behaviour = engine
    behaviour.delay_s = 0.6  # the router waits 0.25 s
    before = fallbacks(name, "timeout")
    started = time.perf_counter()
    route = await router.route([CHICAGO, DALLAS])
    assert time.perf_counter() - started < 0.5
    assert route.source == "estimate"
    assert fallbacks(name, "timeout") == before + 1


@pytest.mark.parametrize("fault", ["status", "garbage", "wrong_shape"])
async def test_a_server_error_or_a_bad_answer_falls_back(
    engine: Engine, router: RemoteRouter, fault: str
) -> None:
    name, behaviour = engine
    reason = {"status": "server_error", "garbage": "bad_response", "wrong_shape": "bad_response"}
    if fault == "status":
        behaviour.status = 503
    else:
        setattr(behaviour, fault, True)
    before = fallbacks(name, reason[fault])
    route = await router.route([CHICAGO, DALLAS])
    assert route.source == "estimate"
    assert route.distance_km == ESTIMATE.route_now([CHICAGO, DALLAS]).distance_km
    assert fallbacks(name, reason[fault]) == before + 1


async def test_no_road_is_estimated_and_the_next_leg_still_asks(
    engine: Engine, router: RemoteRouter
) -> None:
    name, _ = engine
    route = await router.route([CHICAGO, ANTARCTIC])
    assert route.source == "estimate"
    route = await router.route([CHICAGO, DALLAS, ATLANTA])
    assert [leg.source for leg in route.legs] == [name, name]
    assert [(leg.from_sequence, leg.to_sequence) for leg in route.legs] == [(1, 2), (2, 3)]
    assert route.distance_km == round(standin_km(CHICAGO, DALLAS) + standin_km(DALLAS, ATLANTA), 1)


async def test_a_partly_estimated_route_says_estimate(engine: Engine, router: RemoteRouter) -> None:
    name, _ = engine
    route = await router.route([CHICAGO, DALLAS, ANTARCTIC])
    assert [leg.source for leg in route.legs] == [name, "estimate"]
    assert route.source == "estimate"


async def test_the_cache_answers_the_same_lane_again(engine: Engine, router: RemoteRouter) -> None:
    _, behaviour = engine
    first = await router.route([CHICAGO, DALLAS])
    nearby = Place(CHICAGO.lat + 0.00001, CHICAGO.lng - 0.00002)  # the same at 4 decimals
    second = await router.route([nearby, DALLAS])
    assert len(behaviour.calls) == 1
    assert second.legs[0].distance_km == first.legs[0].distance_km
    assert second.legs[0].polyline == first.legs[0].polyline
    await router.route([DALLAS, CHICAGO])  # the other direction is another road
    assert len(behaviour.calls) == 2


async def test_a_matrix_from_the_provider_with_the_estimate_where_it_has_none(
    engine: Engine, router: RemoteRouter
) -> None:
    name, behaviour = engine
    sources, targets = [CHICAGO, ANTARCTIC, DENVER], [DALLAS, ATLANTA]
    router.provider.matrix_block = 2  # two blocks of rows: each is one request
    matrix = await router.matrix(sources, targets)
    assert matrix.source == name and matrix.distance_km.shape == (3, 2)
    assert len(behaviour.calls) == 2
    for i, a in enumerate(sources):
        for j, b in enumerate(targets):
            if a is ANTARCTIC:
                assert matrix.estimated[i, j]
                assert matrix.distance_km[i, j] == pytest.approx(
                    ESTIMATE.leg(a, b).distance_km, rel=1e-9
                )
            else:
                assert not matrix.estimated[i, j]
                assert matrix.distance_km[i, j] == pytest.approx(standin_km(a, b), abs=0.01)
                assert matrix.duration_s[i, j] == pytest.approx(drive_s(standin_km(a, b)), abs=1)
    assert matrix.estimated_pairs == 2
    again = await router.matrix(sources, targets)
    assert len(behaviour.calls) == 2  # both blocks from the cache
    assert (again.distance_km == matrix.distance_km).all()


async def test_a_matrix_falls_back_to_the_estimate_when_the_provider_fails(
    engine: Engine, router: RemoteRouter
) -> None:
    name, behaviour = engine
    behaviour.status = 500
    matrix = await router.matrix([CHICAGO, DENVER], [DALLAS, ATLANTA])
    assert matrix.estimated.all() and matrix.estimated_pairs == 4
    expected = ESTIMATE.matrix_now([CHICAGO, DENVER], [DALLAS, ATLANTA])
    assert matrix.distance_km == pytest.approx(expected.distance_km)
    assert fallbacks(name, "server_error") >= 1


async def test_a_wrong_graphhopper_key_is_refused_and_backs_off(cache: object) -> None:
    from freight.routing.configure import build_router
    from tests.routing.engines import graphhopper

    with graphhopper(GH_KEY) as behaviour:
        settings = router_settings("graphhopper", behaviour.url, router_key="not-the-key")
        router = build_router(settings, cache)  # type: ignore[arg-type]
        before = fallbacks("graphhopper", "refused")
        assert (await router.route([CHICAGO, DALLAS])).source == "estimate"
        assert (await router.route([DALLAS, ATLANTA])).source == "estimate"
        await router.aclose()
    assert len(behaviour.calls) == 1  # the second leg waited out the cool-down
    assert fallbacks("graphhopper", "refused") == before + 1


def test_a_provider_needs_its_url() -> None:
    with pytest.raises(ValidationError, match="FREIGHT_ROUTER_URL"):
        router_settings("osrm", "")
    with pytest.raises(ValidationError, match="FREIGHT_ROUTER_URL"):
        router_settings("valhalla", "localhost:8002")
