"""US ZIP code centroids: a sorted array of codes, searched by their leading digits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from freight.places.index import Blob
from freight.places.sources import Zip


@dataclass(frozen=True, slots=True, eq=False)
class ZipIndex:
    """One row per ZIP code, sorted by code."""

    code: npt.NDArray[np.int32]
    city: Blob
    state: npt.NDArray[np.uint8]
    states: list[str]
    lat: npt.NDArray[np.float64]
    lng: npt.NDArray[np.float64]
    zone: npt.NDArray[np.uint16]
    zones: list[str]
    standard: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.code)

    def nbytes(self) -> int:
        """Memory held, roughly."""
        arrays = (self.code, self.state, self.lat, self.lng, self.zone, self.standard)
        return sum(a.nbytes for a in arrays) + self.city.nbytes()

    def search(self, digits: str, limit: int) -> list[int]:
        """Rows whose code starts with ``digits`` (3 to 5 of them): the exact code first,
        then delivery areas before PO boxes and single-organisation codes, by code."""
        scale = 10 ** (5 - len(digits))
        first = int(digits) * scale
        lo, hi = np.searchsorted(self.code, [first, first + scale])
        rows = np.arange(lo, hi)
        rows = rows[np.lexsort((self.code[rows], ~self.standard[rows]))]
        return [int(r) for r in rows[:limit]]


def build(zips: Iterable[Zip]) -> ZipIndex:
    """Index the ZIP codes ``zips`` (any order)."""
    rows = sorted(zips, key=lambda z: z.code)
    states = sorted({z.state for z in rows})
    zones = sorted({z.timezone for z in rows})
    state_id = {s: i for i, s in enumerate(states)}
    zone_id = {z: i for i, z in enumerate(zones)}
    return ZipIndex(
        code=np.array([int(z.code) for z in rows], dtype=np.int32),
        city=Blob([z.city for z in rows]),
        state=np.array([state_id[z.state] for z in rows], dtype=np.uint8),
        states=states,
        lat=np.array([z.lat for z in rows], dtype=np.float64),
        lng=np.array([z.lng for z in rows], dtype=np.float64),
        zone=np.array([zone_id[z.timezone] for z in rows], dtype=np.uint16),
        zones=zones,
        standard=np.array([z.standard for z in rows], dtype=np.bool_),
    )
