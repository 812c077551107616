"""Positions in words: "8 mi NE of Joplin, MO" for a truck's latest fix.

The nearest place is not always the one a dispatcher would name: a truck on I-44 is
"near Joplin", not near the hamlet by the ramp. Among the 32 places nearest the point
(within 80 km), the one named has the least distance less ``PULL_KM`` per factor of ten
of population: Joplin (50,000) 20 km away beats a village of 600 that is 5 km away.
Computed with a k-d tree over the embedded city index (built once per process).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

from freight import formatting as fmt
from freight.places.embedded import INDEXES, EmbeddedGeocoder
from freight.places.geocoder import Place

NEIGHBOURS = 32
REACH_KM = 80.0
PULL_KM = 8.0  # a factor of ten in population is worth this much distance
AT_KM = 2.0  # closer than this: "in Joplin, MO"
EARTH_KM = 6371.0088
POINTS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


@dataclass(frozen=True, slots=True)
class Nearby:
    place: Place
    km: float
    direction: str  # from the place to the position: "NE"


_tree: cKDTree | None = None
_lock = threading.Lock()


def _unit(lat: np.ndarray, lng: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(lat), np.radians(lng)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


def _built() -> cKDTree:
    global _tree
    with _lock:
        if _tree is None:
            ix = INDEXES.get().cities.index
            _tree = cKDTree(_unit(np.asarray(ix.lat), np.asarray(ix.lng)))
        return _tree


def _direction(place: Place, lat: float, lng: float) -> str:
    y = math.sin(math.radians(lng - place.lng)) * math.cos(math.radians(lat))
    x = math.cos(math.radians(place.lat)) * math.sin(math.radians(lat)) - math.sin(
        math.radians(place.lat)
    ) * math.cos(math.radians(lat)) * math.cos(math.radians(lng - place.lng))
    bearing = (math.degrees(math.atan2(y, x)) + 360) % 360
    return POINTS[int((bearing + 22.5) // 45) % 8]


def nearby(lat: float, lng: float) -> Nearby | None:
    """The place a person would name for this position, or None far from any."""
    tree = _built()
    chord = 2 * math.sin(REACH_KM / EARTH_KM / 2)
    chords, rows = tree.query(_unit(np.array([lat]), np.array([lng]))[0], k=NEIGHBOURS)
    indexes = INDEXES.get()
    population = indexes.cities.index.population
    best: tuple[float, int, float] | None = None
    for length, row in zip(np.atleast_1d(chords), np.atleast_1d(rows), strict=True):
        if not math.isfinite(length) or length > chord:
            continue
        km = 2 * EARTH_KM * math.asin(min(1.0, length / 2))
        score = km - PULL_KM * math.log10(max(int(population[row]), 1))
        if best is None or score < best[0]:
            best = (score, int(row), km)
    if best is None:
        return None
    place = EmbeddedGeocoder.city_place(indexes, best[1])
    return Nearby(place, best[2], _direction(place, lat, lng))


def in_words(near: Nearby | None, units: str = "imperial", locale: str = "en-US") -> str | None:
    """``8 mi NE of Joplin, MO``, or ``in Joplin, MO`` (None when far from any place)."""
    if near is None:
        return None
    place = near.place
    name = f"{place.name}, {place.region or place.country}"
    if near.km < AT_KM:
        return f"in {name}"
    return f"{fmt.distance(near.km, units, locale)} {near.direction} of {name}"


def as_json(near: Nearby | None) -> dict[str, object] | None:
    """For a page script or a live event: ``{place, km, direction}`` (it words the unit)."""
    if near is None:
        return None
    place = near.place
    name = f"{place.name}, {place.region or place.country}"
    return {"place": name, "km": round(near.km, 1), "direction": near.direction}
