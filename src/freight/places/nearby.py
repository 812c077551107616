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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


def nearby_many(points: Sequence[tuple[float, float] | None]) -> list[Nearby | None]:
    """``nearby`` for many positions in one k-d tree query (None for a missing point):
    the board words every truck on it this way."""
    found: list[Nearby | None] = [None] * len(points)
    rows = [i for i, p in enumerate(points) if p is not None]
    if not rows:
        return found
    lat = np.array([points[i][0] for i in rows], dtype=np.float64)  # type: ignore[index]
    lng = np.array([points[i][1] for i in rows], dtype=np.float64)  # type: ignore[index]
    chords, hits = _built().query(_unit(lat, lng), k=NEIGHBOURS)
    chords, hits = np.atleast_2d(chords), np.atleast_2d(hits)
    indexes = INDEXES.get()
    population = indexes.cities.index.population
    within = np.isfinite(chords) & (chords <= 2 * math.sin(REACH_KM / EARTH_KM / 2))
    safe = np.where(within, hits, 0)
    km = 2 * EARTH_KM * np.arcsin(np.minimum(1.0, np.where(within, chords, 0.0) / 2))
    score = km - PULL_KM * np.log10(np.maximum(population[safe], 1))
    score = np.where(within, score, np.inf)
    best = np.argmin(score, axis=1)
    for n, i in enumerate(rows):
        pick = int(best[n])
        if not within[n, pick]:
            continue
        place = EmbeddedGeocoder.city_place(indexes, int(hits[n, pick]))
        direction = _direction(place, float(lat[n]), float(lng[n]))
        found[i] = Nearby(place, float(km[n, pick]), direction)
    return found


def nearby(lat: float, lng: float) -> Nearby | None:
    """The place a person would name for this position, or None far from any."""
    return nearby_many([(lat, lng)])[0]


def closest_name(lat: float, lng: float) -> str | None:
    """The name of the place at this point (within ``AT_KM``, by distance alone), such as a
    home base chosen from the places list; None when no place is that close."""
    length, row = _built().query(_unit(np.array([lat]), np.array([lng]))[0], k=1)
    if not math.isfinite(length) or 2 * EARTH_KM * math.asin(min(1.0, length / 2)) >= AT_KM:
        return None
    return _name(EmbeddedGeocoder.city_place(INDEXES.get(), int(row)))


def _name(place: Place) -> str:
    return f"{place.name}, {place.region or place.country}"


def as_json(near: Nearby | None) -> dict[str, object] | None:
    """For a page, a read model or a live event: ``{place, km, direction}``."""
    if near is None:
        return None
    return {"place": _name(near.place), "km": round(near.km, 1), "direction": near.direction}


def in_words(
    near: Nearby | Mapping[str, Any] | None,
    units: str = "imperial",
    locale: str = "en-US",
    seen_at: datetime | None = None,
    now: datetime | None = None,
) -> str | None:
    """How every page says a position: ``8 mi NE of Joplin, MO · 12 min ago``, ``in
    Joplin, MO`` closer than ``AT_KM`` (None when far from any place). ``near`` is a
    ``Nearby`` or its ``as_json`` form."""
    said: Mapping[str, Any] | None = as_json(near) if isinstance(near, Nearby) else near
    if not said:
        return None
    km = float(said["km"])
    if km < AT_KM:
        text = f"in {said['place']}"
    else:
        text = f"{fmt.distance(km, units, locale)} {said['direction']} of {said['place']}"
    if seen_at is not None:
        text += f" · {fmt.ago(seen_at, now)}"
    return text
