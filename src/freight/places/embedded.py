"""The embedded geocoder: GeoNames cities and US ZIP codes, searched in this process.

Each index is loaded once per process, on its first use, in a worker thread (the event
loop keeps serving meanwhile); concurrent first calls wait for the one load. The city
index (56 MB) and the ZIP index (2 MB) are built once per machine by a child process and
mapped from the cache directory after that (``store``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Generic, TypeVar

import anyio.to_thread

from freight.places import sources, store
from freight.places.geocoder import Place, PlaceQuery
from freight.places.normalise import parse, zip_prefix
from freight.places.search import CitySearch
from freight.places.zips import ZipIndex
from freight.timezones import is_zone, zone_at

T = TypeVar("T")
SOURCE = "embedded"


class Lazy(Generic[T]):
    """A value built by ``build`` on first use, once, whichever thread asks first."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._value: T | None = None
        self.builds = 0
        """How many times the value was built (once, unless the build failed)."""

    @property
    def ready(self) -> bool:
        """True once the value is built."""
        return self._value is not None

    def get(self) -> T:
        """The value, building it now if no one has."""
        value = self._value
        if value is not None:
            return value
        with self._lock:
            if self._value is None:
                self.builds += 1
                self._value = self._build()
            return self._value

    async def aget(self) -> T:
        """The value; a first build runs in a worker thread, off the event loop."""
        value = self._value
        if value is not None:
            return value
        return await anyio.to_thread.run_sync(self.get)


_cache_dir: Path | None = None


def configure(cache_dir: Path | None) -> None:
    """Where the city index is kept between processes (see ``store``); read once, when the
    index is first needed."""
    global _cache_dir
    _cache_dir = cache_dir


@dataclass(frozen=True, slots=True)
class Indexes:
    """What the embedded geocoder searches."""

    cities: CitySearch
    zips: ZipIndex
    zones: frozenset[str]
    """The shipped zone names this machine's tz database knows (checked once, at load)."""

    def zone(self, name: str, lat: float, lng: float) -> str:
        """The shipped zone when this machine knows it, else the one at the point."""
        return name if name in self.zones else zone_at(lat, lng)


def _load() -> Indexes:
    cities, codes = store.indexes(_cache_dir)
    zones = frozenset(z for z in {*cities.zones, *codes.zones} if is_zone(z))
    search = CitySearch(cities, sources.region_names(), sources.country_names())
    # One search now, so the first caller's does not pay for numpy's lazy imports.
    search.search(parse("Sprngfield, IL"), country=None, prefer="US", limit=1)
    return Indexes(search, codes, zones)


INDEXES: Lazy[Indexes] = Lazy(_load)


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    return frozenset(sources.country_names().values())


class EmbeddedGeocoder:
    """Cities (GeoNames, population >= 500) and US ZIP codes, with no network."""

    name = SOURCE
    remote = False

    def knows_country(self, code: str) -> bool:
        """True for the ISO alpha-2 codes GeoNames lists."""
        return code in _countries()

    async def aclose(self) -> None:
        """Nothing to release: the indexes stay mapped for the process."""

    async def search(self, query: PlaceQuery) -> list[Place]:
        """Places for what was typed: a ZIP code's centroid, or cities ranked by match,
        then the preferred country, then population."""
        digits = zip_prefix(query.text)
        if digits is not None:
            if query.country not in (None, "US"):
                return []
            return self.zip_places(await INDEXES.aget(), digits, query.limit)
        indexes = await INDEXES.aget()
        found = indexes.cities.search(
            parse(query.text),
            country=query.country,
            prefer=query.prefer_country,
            limit=query.limit,
        )
        return [self.city_place(indexes, place) for place, _ in found]

    @staticmethod
    def city_place(indexes: Indexes, row: int) -> Place:
        """The answer for one row of the city index."""
        ix = indexes.cities.index
        lat, lng = float(ix.lat[row]), float(ix.lng[row])
        return Place(
            name=ix.names[row],
            region=ix.regions[int(ix.region[row])][1],
            country=ix.countries[int(ix.country[row])],
            lat=lat,
            lng=lng,
            timezone=indexes.zone(ix.zones[int(ix.zone[row])], lat, lng),
            precision="city",
            population=int(ix.population[row]),
            source=SOURCE,
        )

    @staticmethod
    def zip_places(indexes: Indexes, digits: str, limit: int) -> list[Place]:
        """The answers for the ZIP codes starting with ``digits``."""
        codes, places = indexes.zips, []
        for row in codes.search(digits, limit):
            lat, lng = float(codes.lat[row]), float(codes.lng[row])
            places.append(
                Place(
                    name=codes.city[row],
                    region=codes.states[int(codes.state[row])],
                    country="US",
                    lat=lat,
                    lng=lng,
                    timezone=indexes.zone(codes.zones[int(codes.zone[row])], lat, lng),
                    precision="postal_code",
                    population=None,
                    source=SOURCE,
                    postal_code=f"{int(codes.code[row]):05d}",
                )
            )
        return places
