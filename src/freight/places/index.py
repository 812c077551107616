"""The compact in-memory index of places the embedded geocoder searches.

About 235,000 GeoNames places and 635,000 distinct normalised names fit in a few tens of
MB because nothing is kept per place or per name as a Python object: names live in one
string each (``Blob``), everything else in numpy arrays. Prefix search is a bisection
over the sorted names; typos go through the trigram postings (``fuzzy``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from freight.places import fuzzy
from freight.places.normalise import normalise_many
from freight.places.regions import region_code

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]


class Blob(Sequence[str]):
    """Many strings stored as one, joined by newlines: ~1 byte a letter, not ~50 a string."""

    def __init__(self, strings: Sequence[str]) -> None:
        self.text = "\n" + "\n".join(strings) + "\n"
        lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings)) + 1
        self.starts = np.zeros(len(strings) + 1, dtype=np.int32)
        self.starts[1:] = np.cumsum(lengths)
        self.starts += 1

    @classmethod
    def of(cls, text: str, starts: IntArray) -> Blob:
        """A blob from its parts, as ``text`` and ``starts`` hold them (see ``store``)."""
        blob = cls.__new__(cls)
        blob.text, blob.starts = text, starts
        return blob

    def __len__(self) -> int:
        return len(self.starts) - 1

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self.text[self.starts[i] : self.starts[i + 1] - 1]

    def lengths(self) -> IntArray:
        """Each string's length."""
        return (np.diff(self.starts) - 1).astype(np.int32)

    def nbytes(self) -> int:
        """Memory held, roughly."""
        return len(self.text) + self.starts.nbytes


@dataclass(frozen=True, slots=True)
class Columns:
    """Places as a source gives them, one list per field (row ``i`` of each is place ``i``)."""

    name: list[str]
    alternate_names: list[list[str]]
    country: list[str]
    admin1: list[str]
    lat: list[float]
    lng: list[float]
    population: list[int]
    timezone: list[str]


def popularity(population: int) -> float:
    """Score points for a population: 4 per factor of ten."""
    return 4.0 * math.log10(max(population, 1) + 1)


@dataclass(frozen=True, slots=True, eq=False)
class CityIndex:
    """Places (one row each) and their names (sorted, each naming one or more places)."""

    names: Blob
    lat: FloatArray
    lng: FloatArray
    population: IntArray
    points: npt.NDArray[np.float32]
    country: npt.NDArray[np.uint16]
    region: npt.NDArray[np.uint16]
    zone: npt.NDArray[np.uint16]
    countries: list[str]
    regions: list[tuple[str, str | None]]
    """(country, shown code) per region number."""
    zones: list[str]
    keys: Blob
    """Normalised names, sorted."""
    key_first: IntArray
    """Key ``i`` names the places ``entry_place[key_first[i]:key_first[i + 1]]``."""
    entry_place: IntArray
    entry_alternate: npt.NDArray[np.bool_]
    key_best: npt.NDArray[np.float32]
    """The most popular of each key's places, in points."""
    key_bytes: npt.NDArray[np.uint8]
    key_lengths: IntArray
    tri_first: IntArray
    tri_keys: IntArray

    def nbytes(self) -> int:
        """Memory held by the index's arrays and strings, roughly."""
        arrays: list[Any] = [
            self.lat, self.lng, self.population, self.points, self.country, self.region,
            self.zone, self.key_first, self.entry_place, self.entry_alternate, self.key_best,
            self.key_lengths, self.tri_first, self.tri_keys,
        ]  # fmt: skip
        # key_bytes is a view of the keys' text: counted once, with the blob.
        return int(sum(a.nbytes for a in arrays)) + self.names.nbytes() + self.keys.nbytes()


class _Numbering:
    """Small integers for repeated values (countries, regions, zones)."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._ids: dict[Any, int] = {}

    def __call__(self, value: Any) -> int:
        found = self._ids.get(value)
        if found is None:
            found = self._ids[value] = len(self.values)
            self.values.append(value)
        return found


def build(places: Columns) -> CityIndex:
    """Index ``places``: their names and every Latin-script alternate name."""
    countries, regions, zones = _Numbering(), _Numbering(), _Numbering()
    country = [countries(c) for c in places.country]
    region = [
        regions((c, region_code(c, a))) for c, a in zip(places.country, places.admin1, strict=True)
    ]
    zone = [zones(z) for z in places.timezone]
    points = np.array([popularity(p) for p in places.population], dtype=np.float32)
    keys, key_first, entry_place, entry_alternate = _names(places)
    key_best = np.maximum.reduceat(points[entry_place], key_first[:-1]).astype(np.float32)
    key_bytes = np.frombuffer(keys.text.encode("ascii"), dtype=np.uint8)
    tri_first, tri_keys = fuzzy.build_postings(key_bytes)
    return CityIndex(
        names=Blob(places.name),
        lat=np.array(places.lat, dtype=np.float64),
        lng=np.array(places.lng, dtype=np.float64),
        population=np.array(places.population, dtype=np.int32),
        points=points,
        country=np.array(country, dtype=np.uint16),
        region=np.array(region, dtype=np.uint16),
        zone=np.array(zone, dtype=np.uint16),
        countries=countries.values,
        regions=regions.values,
        zones=zones.values,
        keys=keys,
        key_first=key_first,
        entry_place=entry_place,
        entry_alternate=entry_alternate,
        key_best=key_best,
        key_bytes=key_bytes,
        key_lengths=keys.lengths(),
        tri_first=tri_first,
        tri_keys=tri_keys,
    )


def _names(places: Columns) -> tuple[Blob, IntArray, IntArray, npt.NDArray[np.bool_]]:
    """The sorted distinct keys, and for each the places it names (own names first)."""
    count = len(places.name)
    alternates = [a for names in places.alternate_names for a in names]
    text = normalise_many(places.name) + normalise_many(alternates)
    per_place = np.fromiter(map(len, places.alternate_names), np.int64, count)
    place = np.concatenate([np.arange(count), np.repeat(np.arange(count), per_place)])
    alternate = np.arange(len(text)) >= count
    # Names in other scripts normalised to "": they name nothing.
    distinct = sorted(dict.fromkeys(text).keys() - {""})
    rank = {key: i for i, key in enumerate(distinct)}
    rank[""] = -1
    key = np.fromiter(map(rank.__getitem__, text), np.int64, len(text))
    # By key, then own names before alternates, then by place; one entry per (key, place).
    order = np.lexsort((place, alternate, key))
    order = order[key[order] >= 0]
    _, first_seen = np.unique(key[order] * count + place[order], return_index=True)
    rows = order[np.sort(first_seen)]
    first = np.searchsorted(key[rows], np.arange(len(distinct) + 1)).astype(np.int32)
    return Blob(distinct), first, place[rows].astype(np.int32), alternate[rows]
