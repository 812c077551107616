"""Routing stand-ins, and routers built from settings the way the app builds its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from freight.cache import Cache, MemoryCache, RedisCache
from freight.routing.configure import build_router
from freight.routing.remote import RemoteRouter
from freight.settings import Settings
from tests.conftest import REDIS_URL
from tests.routing import engines
from tests.routing.standin import Behaviour, Served

GH_KEY = "gh_standin_secret_key_0123456789"
TIMEOUT_S = 0.25


@dataclass(frozen=True)
class Place:
    lat: float
    lng: float


CHICAGO = Place(41.8781, -87.6298)
DALLAS = Place(32.7767, -96.7970)
ATLANTA = Place(33.7490, -84.3880)
DENVER = Place(39.7392, -104.9903)
ANTARCTIC = Place(-75.0, 0.0)  # the stand-ins have no road there


def served(name: str) -> Served:
    if name == "osrm":
        return engines.osrm()
    if name == "valhalla":
        return engines.valhalla()
    return engines.graphhopper(GH_KEY)


def router_settings(name: str, url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "router": name,
        "router_url": url,
        "router_key": GH_KEY if name == "graphhopper" else None,
        "router_timeout_s": TIMEOUT_S,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def fallbacks(provider: str, reason: str) -> float:
    """The fallback counter's value now."""
    value = REGISTRY.get_sample_value(
        "freight_router_fallbacks_total", {"provider": provider, "reason": reason}
    )
    return value or 0.0


@pytest.fixture
async def cache(clean_db: str) -> AsyncIterator[Cache]:
    """The app's kind of cache: Redis when the suite runs against it, else in-process."""
    if REDIS_URL is None:
        yield MemoryCache()
        return
    redis = Redis.from_url(REDIS_URL)
    yield RedisCache(redis)
    await redis.aclose()


@pytest.fixture(params=["osrm", "valhalla", "graphhopper"])
def engine(request: pytest.FixtureRequest) -> Iterator[tuple[str, Behaviour]]:
    """Each provider's stand-in, running."""
    with served(request.param) as behaviour:
        yield request.param, behaviour


@pytest.fixture
async def router(engine: tuple[str, Behaviour], cache: Cache) -> AsyncIterator[RemoteRouter]:
    """The router ``FREIGHT_ROUTER`` names, pointed at the stand-in."""
    name, behaviour = engine
    built = build_router(router_settings(name, behaviour.url), cache)
    assert isinstance(built, RemoteRouter)
    yield built
    await built.aclose()


# The billing suite's organisation (rates, two shipper accounts, a driver), reused here.
from tests.billing.conftest import org  # noqa: E402, F401
