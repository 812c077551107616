"""The embedded index is loaded once per test process, before the first test that needs it.

The first run builds it (a few seconds, in a child process) into ``.pytest_cache``; later
runs and the other test processes map it from there in milliseconds.
"""

from __future__ import annotations

import time

import pytest

from freight.places.embedded import INDEXES, EmbeddedGeocoder, configure
from freight.places.search import CitySearch
from tests.conftest import PLACES_CACHE


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
