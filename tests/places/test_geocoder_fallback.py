"""When a geocoding server fails, is slow, is over budget or says nothing, the embedded
geocoder answers, and the fallback is counted; the cache and the budget keep their bounds."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from freight.places.configure import build_geocoder
from freight.places.embedded import EmbeddedGeocoder
from freight.places.geocoder import Place, PlaceQuery
from freight.places.memo import Budget, TtlLru
from freight.places.remote import RemoteGeocoder
from freight.settings import Settings
from tests.places.conftest import MakeRemote, Server, fallbacks
from tests.places.gazetteer import closed_port_url

SPRINGFIELD = PlaceQuery("Springfield, IL", "US", "US", limit=3)
FAILURES: dict[str, dict[str, object]] = {
    "server_error": {"status": 500},
    "unavailable": {"status": 503},
    "rate_limited": {"status": 429, "retry_after": "120"},
    "refused": {"status": 403},
    "not_json": {"garbage": True},
    "wrong_shape": {"wrong_shape": True},
    "timeout": {"delay_s": 1.0},
}
REASONS = {
    "server_error": "server_error",
    "unavailable": "server_error",
    "rate_limited": "rate_limited",
    "refused": "refused",
    "not_json": "bad_response",
    "wrong_shape": "bad_response",
    "timeout": "timeout",
}


def assert_embedded_springfield(places: list[Place]) -> None:
    (first, *_) = places
    assert (first.name, first.region, first.source) == ("Springfield", "IL", "embedded")


@pytest.mark.parametrize("failure", sorted(FAILURES))
async def test_a_failing_server_is_answered_by_the_embedded_geocoder(
    server: Server, remote: RemoteGeocoder, failure: str
) -> None:
    name, behaviour = server
    for attribute, value in FAILURES[failure].items():
        setattr(behaviour, attribute, value)
    before = fallbacks(name, REASONS[failure])
    assert_embedded_springfield(await remote.search(SPRINGFIELD))
    assert fallbacks(name, REASONS[failure]) == before + 1
    assert len(behaviour.calls) == 1


async def test_a_server_that_is_down_is_answered_by_the_embedded_geocoder(
    make_remote: MakeRemote,
) -> None:
    remote = make_remote("nominatim", closed_port_url())
    before = fallbacks("nominatim", "connect")
    assert_embedded_springfield(await remote.search(SPRINGFIELD))
    assert fallbacks("nominatim", "connect") == before + 1


async def test_after_a_failure_the_server_is_left_alone_then_asked_again(
    server: Server, make_remote: MakeRemote
) -> None:
    name, behaviour = server
    remote = make_remote(name, behaviour.url, geocoder_breaker_cooldown_s=30)
    behaviour.status = 500
    await remote.search(SPRINGFIELD)
    before = fallbacks(name, "circuit_open")
    assert_embedded_springfield(await remote.search(SPRINGFIELD))  # the fallback, kept 10 s
    assert (await remote.search(PlaceQuery("Springfield, MO")))[0].source == "embedded"
    assert len(behaviour.calls) == 1 and fallbacks(name, "circuit_open") == before + 1

    remote = make_remote(name, behaviour.url, geocoder_breaker_cooldown_s=0)
    await remote.search(SPRINGFIELD)
    behaviour.status = None  # the server is back
    places = await remote.search(PlaceQuery("Springfield, MO"))
    assert places[0].source == name and len(behaviour.calls) == 3


async def test_over_its_budget_a_search_is_answered_at_once_by_the_embedded_geocoder(
    server: Server, make_remote: MakeRemote
) -> None:
    name, behaviour = server
    remote = make_remote(name, behaviour.url, geocoder_rate_per_s=1)
    before = fallbacks(name, "throttled")
    assert (await remote.search(PlaceQuery("Springfield, MO")))[0].source == name
    assert_embedded_springfield(await remote.search(SPRINGFIELD))
    assert len(behaviour.calls) == 1 and fallbacks(name, "throttled") == before + 1


async def test_a_server_with_nothing_to_say_is_answered_by_the_embedded_geocoder(
    server: Server, remote: RemoteGeocoder
) -> None:
    name, behaviour = server
    before = fallbacks(name, "no_results")
    places = await remote.search(PlaceQuery("Sprngfield, IL", "US"))  # a typo it cannot mend
    assert_embedded_springfield(places)
    assert fallbacks(name, "no_results") == before + 1
    await remote.search(PlaceQuery("Sprngfield, IL", "US"))
    assert len(behaviour.calls) == 1  # "nothing" is an answer, and kept


def test_the_cache_forgets_the_least_recently_used_and_the_expired() -> None:
    now = [0.0]
    cache: TtlLru[str, int] = TtlLru(2, ttl_s=10, clock=lambda: now[0])
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # b is now the least recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c"), len(cache)) == (1, None, 3, 2)
    cache.put("short", 4, ttl_s=1)
    now[0] = 5.0
    assert cache.get("short") is None and cache.get("c") == 3
    now[0] = 10.0
    assert cache.get("c") is None


def test_the_budget_allows_its_rate_and_refills_over_time() -> None:
    now = [0.0]
    budget = Budget(2.0, clock=lambda: now[0])
    assert [budget.reserve(), budget.reserve(), budget.reserve()] == [0.0, 0.0, None]
    now[0] = 0.5
    assert [budget.reserve(), budget.reserve()] == [0.0, None]
    slow = Budget(0.5, clock=lambda: now[0])
    assert [slow.reserve(), slow.reserve()] == [0.0, None]
    now[0] = 2.5
    assert slow.reserve() == 0.0


def test_a_turn_is_waited_for_only_so_long_and_a_refusal_takes_nothing() -> None:
    now = [0.0]
    budget = Budget(1.0, clock=lambda: now[0])
    assert budget.reserve(max_wait_s=2) == 0.0
    assert budget.reserve(max_wait_s=2) == pytest.approx(1.0)  # the next second's turn
    assert budget.reserve(max_wait_s=2) == pytest.approx(2.0)
    assert budget.reserve(max_wait_s=2) is None  # three seconds off: refused at once
    now[0] = 3.0
    assert budget.reserve() == 0.0


def test_a_server_without_a_url_is_refused_at_start_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(
        ValidationError, match="FREIGHT_GEOCODER=nominatim needs FREIGHT_GEOCODER_URL"
    ):
        Settings(geocoder="nominatim")
    monkeypatch.setenv("FREIGHT_GEOCODER", "pelias")
    with pytest.raises(ValidationError, match="FREIGHT_GEOCODER_URL"):
        Settings()
    monkeypatch.setenv("FREIGHT_GEOCODER_URL", "ftp://pelias.example")
    with pytest.raises(ValidationError, match="FREIGHT_GEOCODER_URL must be an http"):
        Settings()
    monkeypatch.setenv("FREIGHT_GEOCODER", "geonames")
    with pytest.raises(ValidationError, match="geocoder"):
        Settings()


def test_the_rate_defaults_to_nominatims_policy_and_the_embedded_needs_nothing() -> None:
    url = "http://127.0.0.1:9"
    assert Settings(geocoder="nominatim", geocoder_url=url).geocoder_rate == 1.0
    assert Settings(geocoder="photon", geocoder_url=url).geocoder_rate == 10.0
    assert (
        Settings(geocoder="pelias", geocoder_url=url, geocoder_rate_per_s=0.5).geocoder_rate == 0.5
    )
    assert isinstance(build_geocoder(Settings()), EmbeddedGeocoder)
