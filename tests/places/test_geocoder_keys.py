"""A hosted geocoding server's API key: sent as that server's parameter, never logged; a
wrong key is a refusal the embedded geocoder answers; a key for a server that takes none
is refused at start."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from freight.observability.logging import quiet_noisy_loggers
from freight.places.geocoder import PlaceQuery
from freight.settings import Settings
from tests.places.conftest import MakeRemote, fallbacks
from tests.places.geocoding_standins import SERVERS

SPRINGFIELD = PlaceQuery("Springfield, IL", "US", "US", limit=3)
KEYED = {"pelias": "api_key", "nominatim": "key"}  # geocode.earth's, LocationIQ's
SECRET = "ge-7c1f0e9a2b"


@pytest.fixture(autouse=True)
def logging_as_the_app_does() -> None:
    quiet_noisy_loggers()


@pytest.mark.parametrize("name", sorted(KEYED))
async def test_the_key_is_sent_as_the_servers_parameter(
    name: str, make_remote: MakeRemote, caplog: pytest.LogCaptureFixture
) -> None:
    with SERVERS[name]() as behaviour:
        behaviour.key = SECRET
        remote = make_remote(name, behaviour.url, geocoder_key=SECRET)
        with caplog.at_level(logging.DEBUG):
            (first, *_) = await remote.search(SPRINGFIELD)
    assert (first.name, first.region, first.source) == ("Springfield", "IL", name)
    (call,) = behaviour.calls
    assert (KEYED[name], SECRET) in call["params"]
    assert SECRET not in caplog.text


@pytest.mark.parametrize("name", sorted(KEYED))
async def test_a_wrong_key_is_refused_and_the_embedded_geocoder_answers(
    name: str, make_remote: MakeRemote, caplog: pytest.LogCaptureFixture
) -> None:
    with SERVERS[name]() as behaviour:
        behaviour.key = SECRET
        remote = make_remote(name, behaviour.url, geocoder_key="not-the-key")
        before = fallbacks(name, "refused")
        with caplog.at_level(logging.DEBUG):
            (first, *_) = await remote.search(SPRINGFIELD)
    assert (first.name, first.source) == ("Springfield", "embedded")
    assert fallbacks(name, "refused") == before + 1
    assert "not-the-key" not in caplog.text


async def test_without_a_key_a_keyed_server_refuses(make_remote: MakeRemote) -> None:
    with SERVERS["pelias"]() as behaviour:
        behaviour.key = SECRET
        remote = make_remote("pelias", behaviour.url)
        (first, *_) = await remote.search(SPRINGFIELD)
    assert first.source == "embedded"
    assert not any(param == "api_key" for param, _ in behaviour.calls[0]["params"])


def test_a_key_for_a_geocoder_that_takes_none_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="FREIGHT_GEOCODER_KEY is not used"):
        Settings(geocoder="photon", geocoder_url="http://127.0.0.1:9", geocoder_key="k")
    with pytest.raises(ValidationError, match="FREIGHT_GEOCODER_KEY is not used"):
        Settings(geocoder_key="k")
    settings = Settings(geocoder="pelias", geocoder_url="http://127.0.0.1:9", geocoder_key=SECRET)
    assert SECRET not in repr(settings)
