"""The embedded index is built once per test process, before the first test that needs it.

Building it takes a few seconds of CPU (see the report printed with ``-s``), so every test
shares it, as every request of a running server does.
"""

from __future__ import annotations

import time

import pytest

from freight.places.embedded import CITIES, ZIPS, EmbeddedGeocoder
from freight.places.search import CitySearch


@pytest.fixture(scope="session")
def cities() -> CitySearch:
    """The process's city index (built here if no test built it yet)."""
    started = time.perf_counter()
    search = CITIES.get()
    ZIPS.get()
    elapsed = time.perf_counter() - started
    if elapsed > 0.1:
        print(f"\nembedded places index built in {elapsed:.1f} s")
    return search


@pytest.fixture
def geocoder(cities: CitySearch) -> EmbeddedGeocoder:
    return EmbeddedGeocoder()
