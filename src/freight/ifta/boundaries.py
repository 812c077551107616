"""US state and Canadian province outlines, loaded once, simplified, indexed by an STRtree.

The outlines come from the ``coord2loc-usa`` and ``coord2loc-can`` wheels (geoBoundaries
ADM1, CC BY 4.0): a zlib-compressed msgpack list of WKB polygons and a list of names in
the same order. Only those data files are read (not the ``coord2loc`` module, which loads
everything at import). Nothing is downloaded at run time.

The polygons are simplified once (about 0.9 km tolerance, ~1.4 million vertices down to
~90,000, 0.2 s); each is simplified on its own, so neighbours can overlap or leave a
sliver of no-one's land up to about a kilometre wide along a border. A point in no
polygon takes the nearest one within ``NEAR_DEG`` (a bridge over the Detroit River, a
coastal road), else it is outside every jurisdiction (``None``).
"""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import msgpack
import numpy as np
import numpy.typing as npt
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from freight.ifta.jurisdictions import CODES

# Degrees of latitude: 0.008 deg is ~0.9 km (less across at these latitudes).
SIMPLIFY_DEG = 0.008
# How far outside every outline a fix may be and still count for the nearest one (~5 km).
NEAR_DEG = 0.05
DATA_PACKAGES = ("coord2loc_usa.data", "coord2loc_can.data")


@dataclass(frozen=True)
class Boundaries:
    """The jurisdictions' outlines (lng, lat), their codes, and a spatial index on them."""

    codes: tuple[str, ...]
    polygons: npt.NDArray[np.object_]
    tree: STRtree

    def locate(
        self, lngs: npt.NDArray[np.float64], lats: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.int64]:
        """The index (into ``codes``) of each point's jurisdiction, -1 for none."""
        points: npt.NDArray[np.object_] = np.asarray(shapely.points(lngs, lats), dtype=object)
        found = np.full(len(lngs), -1, dtype=np.int64)
        if len(lngs) == 0:
            return found
        # pairs[0]: the point, pairs[1]: its polygon; in an overlap one of them wins, always
        # the same one.
        pairs = self.tree.query(points, predicate="within")
        found[pairs[0][::-1]] = pairs[1][::-1]
        missing = np.flatnonzero(found < 0)
        if len(missing):
            near = self.tree.query_nearest(
                points[missing], max_distance=NEAR_DEG, all_matches=False
            )
            found[missing[near[0]]] = near[1]
        return found

    def pieces(self, segment: BaseGeometry) -> dict[int, float]:
        """The share of a straight segment (lng, lat) inside each outline it touches."""
        total = segment.length
        shares: dict[int, float] = {}
        if total <= 0:
            return shares
        for index in self.tree.query(segment, predicate="intersects"):
            inside = shapely.intersection(segment, self.polygons[index]).length
            if inside > 0:
                shares[int(index)] = inside / total
        return shares


def _read(package: str) -> tuple[list[str], list[BaseGeometry]]:
    folder = resources.files(package)
    names = msgpack.unpackb(zlib.decompress(folder.joinpath("meta.msgpack").read_bytes()))
    blobs = msgpack.unpackb(zlib.decompress(folder.joinpath("polygons.msgpack").read_bytes()))
    shapes = [shapely.from_wkb(blob.strip()) for blob in blobs]
    if len(names) != len(shapes):
        raise RuntimeError(f"{package}: {len(names)} names for {len(shapes)} outlines")
    return [str(n["administrative_region"]) for n in names], shapes


_lock = threading.Lock()


@cache
def _load() -> Boundaries:
    codes: list[str] = []
    shapes: list[BaseGeometry] = []
    for package in DATA_PACKAGES:
        for name, shape in zip(*_read(package), strict=True):
            code = CODES.get(name)
            if code is not None:  # Puerto Rico, Guam...: no IFTA miles are driven there
                codes.append(code)
                shapes.append(shape)
    simplified = shapely.simplify(
        np.array(shapes, dtype=object), SIMPLIFY_DEG, preserve_topology=False
    )
    polygons = shapely.make_valid(simplified)
    shapely.prepare(polygons)
    return Boundaries(tuple(codes), polygons, STRtree(polygons))


def boundaries() -> Boundaries:
    """The outlines, loaded on first use (about half a second) and kept in memory."""
    with _lock:  # two first callers in two threads load once
        return _load()
