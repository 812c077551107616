"""The embedded index is loaded once per test process, before the first test that needs it.

The first run builds it (a few seconds, in a child process) into ``.pytest_cache``; later
runs and the other test processes map it from there in milliseconds. Remote geocoders are
built from settings the way the app builds its own, pointed at the stand-ins.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from prometheus_client import REGISTRY

from freight.places.configure import build_geocoder
from freight.places.embedded import INDEXES, EmbeddedGeocoder, configure
from freight.places.remote import RemoteGeocoder
from freight.places.search import CitySearch
from freight.settings import Settings
from tests.conftest import PLACES_CACHE
from tests.places.geocoding_standins import SERVERS
from tests.routing.standin import Behaviour


@pytest.fixture(scope="session")
def cities() -> CitySearch:
    """The process's city index (built here if no test built it yet)."""
    started = time.perf_counter()
    configure(PLACES_CACHE)
    search = INDEXES.get().cities
    elapsed = time.perf_counter() - started
    if elapsed > 0.1:
        print(f"\nembedded places index built in {elapsed:.1f} s")
    return search


@pytest.fixture
def geocoder(cities: CitySearch) -> EmbeddedGeocoder:
    return EmbeddedGeocoder()


TIMEOUT_S = 0.25
Server = tuple[str, Behaviour]


def geocoder_settings(name: str, url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "geocoder": name,
        "geocoder_url": url,
        "geocoder_timeout_s": TIMEOUT_S,
        "geocoder_rate_per_s": 100,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def remote_for(name: str, url: str, **overrides: object) -> RemoteGeocoder:
    built = build_geocoder(geocoder_settings(name, url, **overrides))
    assert isinstance(built, RemoteGeocoder)
    return built


def fallbacks(provider: str, reason: str) -> float:
    """The fallback counter's value now."""
    value = REGISTRY.get_sample_value(
        "freight_geocoder_fallbacks_total", {"provider": provider, "reason": reason}
    )
    return value or 0.0


@pytest.fixture(params=sorted(SERVERS))
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """Each provider's stand-in, running."""
    with SERVERS[request.param]() as behaviour:
        yield request.param, behaviour


@pytest.fixture
async def remote(server: Server, cities: CitySearch) -> AsyncIterator[RemoteGeocoder]:
    """The geocoder ``FREIGHT_GEOCODER`` names, pointed at the stand-in (the embedded index
    loaded, for the fallbacks)."""
    name, behaviour = server
    built = remote_for(name, behaviour.url)
    yield built
    await built.aclose()


MakeRemote = Callable[..., RemoteGeocoder]


@pytest.fixture
async def make_remote(cities: CitySearch) -> AsyncIterator[MakeRemote]:
    """``remote_for`` whose geocoders are closed after the test, whatever it asserted."""
    built: list[RemoteGeocoder] = []

    def make(name: str, url: str, **overrides: object) -> RemoteGeocoder:
        built.append(remote_for(name, url, **overrides))
        return built[-1]

    yield make
    for geocoder in built:
        await geocoder.aclose()


# The shipments suite's organisation (two shipper accounts and their users), reused here.
from tests.shipments.conftest import world  # noqa: E402, F401
