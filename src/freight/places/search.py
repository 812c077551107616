"""Ranked search over the city index: prefixes, typos, region hints, a preferred country.

Every matching (name, place) pair gets points, and places are answered best first:

- how well the name matches: the whole name 100, a prefix of it 80, one typo from the
  whole name 78 (two: 62), one typo from a prefix 68 (two: 54); 10 fewer through an
  alternate name (Houston's romanisation "Xiusidun" should not make it the first "X");
- a hint after a comma that the place satisfies (``", IL"``, ``", Ontario"``, ``", FR"``):
  50, shared between the hints given;
- the caller's organisation's country: 20; a country its trucks reach by road across a
  border (the US, Canada and Mexico for each other): 12;
- popularity: 4 per factor of ten of population (a town of 1,000: 12, a city of a
  million: 24).

So the match comes first, then the organisation's country (an Ontario carrier's
"London" is London, ON; a US carrier's "Montreal" is Montréal, QC, not a Wisconsin
village of that name), then size; but a big city one typo away ("Dalas") still passes
the prefix of a hamlet.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from freight.places import fuzzy
from freight.places.index import CityIndex
from freight.places.normalise import Parsed

EXACT, PREFIX = 100.0, 80.0
FUZZY_WHOLE = {1: 78.0, 2: 62.0}
FUZZY_PREFIX = {1: 68.0, 2: 54.0}
ALTERNATE = 10.0
HINT = 50.0
COUNTRY = 20.0
NEIGHBOUR = 12.0
# Countries whose carriers routinely cross into each other's by road.
CROSS_BORDER = {"US": ("CA", "MX"), "CA": ("US", "MX"), "MX": ("US", "CA")}
MAX_CANDIDATES = 256
"""Typo candidates scored per query, the names sharing the most trigrams first."""

Scores = tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]


def typos_allowed(length: int) -> int:
    """Edits tolerated in a name of ``length`` letters: none below 4, one, two from 8."""
    return 0 if length < 4 else 1 if length < 8 else 2


@dataclass(frozen=True, slots=True)
class Hint:
    """What a hint can mean: any of these regions, or any place in these countries."""

    regions: frozenset[int]
    countries: frozenset[int]


class CitySearch:
    """Queries over one ``CityIndex``, with the names of its regions and countries."""

    def __init__(
        self,
        index: CityIndex,
        region_names: dict[str, list[tuple[str, str]]],
        country_names: dict[str, str],
    ) -> None:
        self.index = index
        region_ids = {pair: i for i, pair in enumerate(index.regions)}
        country_ids = {code: i for i, code in enumerate(index.countries)}
        self._country_ids = country_ids
        self._hints: dict[str, Hint] = {}
        for word in region_names.keys() | country_names.keys():
            regions = {region_ids[p] for p in region_names.get(word, []) if p in region_ids}
            country = country_ids.get(country_names.get(word, ""))
            self._hints[word] = Hint(
                frozenset(regions), frozenset() if country is None else frozenset({country})
            )

    def hint(self, word: str) -> Hint | None:
        """What ``word`` (normalised) names, if it is a region or a country."""
        return self._hints.get(word)

    def country_id(self, code: str | None) -> int | None:
        """The index's number for an ISO country code (None: unknown or not given)."""
        return None if code is None else self._country_ids.get(code)

    def search(
        self, parsed: Parsed, *, country: str | None, prefer: str | None, limit: int
    ) -> list[tuple[int, float]]:
        """(place, points) for the best ``limit`` places, best first."""
        if country is not None and self.country_id(country) is None:
            return []
        runs = [(parsed.name, self._resolve(parsed.hints))]
        words = parsed.name.split(" ")
        if not parsed.hints and len(words) > 1 and self.hint(words[-1]) is not None:
            # "Springfield IL": the last word may be a hint without its comma.
            runs.append((" ".join(words[:-1]), self._resolve((words[-1],))))
        places, points = [], []
        if runs[0][1] is None:  # a hint that names nothing: part of the name, or a slip
            runs = [(" ".join([parsed.name, *parsed.hints]), []), (parsed.name, [])]
        for name, hints in runs:
            near = [self.country_id(c) for c in CROSS_BORDER.get(prefer or "", ())]
            found = self._score(
                name,
                hints or [],
                self.country_id(country),
                self.country_id(prefer),
                [n for n in near if n is not None],
            )
            places.append(found[0])
            points.append(found[1])
        return _best(np.concatenate(places), np.concatenate(points), limit)

    def _resolve(self, words: tuple[str, ...]) -> list[Hint] | None:
        hints = [self.hint(w) for w in words]
        if any(h is None for h in hints):
            return None
        return [h for h in hints if h is not None]

    def _score(
        self,
        name: str,
        hints: list[Hint],
        only: int | None,
        prefer: int | None,
        near: list[int] | None = None,
    ) -> Scores:
        """Every place ``name`` matches, with its points (a place may appear twice)."""
        ix = self.index
        entries, base = self._matches(name)
        place = ix.entry_place[entries].astype(np.int64)
        points = base + ix.points[place] - ALTERNATE * ix.entry_alternate[entries]
        if prefer is not None:
            points += COUNTRY * (ix.country[place] == prefer)
        if near:
            points += NEIGHBOUR * np.isin(ix.country[place], near)
        for hint in hints:
            met = np.isin(ix.country[place], list(hint.countries)) | np.isin(
                ix.region[place], list(hint.regions)
            )
            points += (HINT / len(hints)) * met
        if only is not None:
            keep = ix.country[place] == only
            place, points = place[keep], points[keep]
        return place, points

    def _matches(self, name: str) -> Scores:
        """(entry, match points) for the names ``name`` begins or nearly spells."""
        ix = self.index
        entries: list[npt.NDArray[np.int64]] = []
        points: list[npt.NDArray[np.float64]] = []
        if not name:
            return np.zeros(0, np.int64), np.zeros(0)
        lo = bisect.bisect_left(ix.keys, name)
        hi = bisect.bisect_left(ix.keys, name + "{", lo)  # "{" sorts after every letter
        if lo < hi:
            start, end = int(ix.key_first[lo]), int(ix.key_first[hi])
            match = np.full(end - start, PREFIX)
            if ix.keys[lo] == name:
                match[: int(ix.key_first[lo + 1]) - start] = EXACT
            entries.append(np.arange(start, end, dtype=np.int64))
            points.append(match)
        k = typos_allowed(len(name))
        if k:
            keys, match = self._typos(name, k, lo, hi)
            entries.append(_entries_of(ix.key_first, keys))
            points.append(np.repeat(match, ix.key_first[keys + 1] - ix.key_first[keys]))
        if not entries:
            return np.zeros(0, np.int64), np.zeros(0)
        return np.concatenate(entries), np.concatenate(points)

    def _typos(
        self, name: str, k: int, lo: int, hi: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Keys within ``k`` edits of ``name`` (or of its prefix) outside the prefix range
        ``[lo, hi)``, with their match points."""
        ix = self.index
        codes = fuzzy.query_codes(name)
        shared = fuzzy.shared_counts(codes, ix.tri_first, ix.tri_keys, len(ix.keys))
        need = max(1, len(codes) - 4 * k)
        keys = np.flatnonzero(shared >= need)
        keys = keys[(ix.key_lengths[keys] >= len(name) - k) & ((keys < lo) | (keys >= hi))]
        if len(keys) > MAX_CANDIDATES:
            rank = shared[keys] + ix.key_best[keys] / 100.0  # ties: the most popular first
            keys = keys[np.argpartition(-rank, MAX_CANDIDATES)[:MAX_CANDIDATES]]
        width = len(name) + k
        starts = ix.keys.starts[keys].astype(np.int64)
        cells = np.minimum(starts[:, None] + np.arange(width), len(ix.key_bytes) - 1)
        rows = ix.key_bytes[cells]
        lengths = ix.key_lengths[keys]
        rows = np.where(np.arange(width)[None, :] < lengths[:, None], rows, 0).astype(np.uint8)
        whole, prefix = fuzzy.distances(name, rows, lengths, k)
        match = np.zeros(len(keys))
        for d in range(k, 0, -1):
            match = np.where(prefix == d, FUZZY_PREFIX[d], match)
        for d in range(k, 0, -1):
            match = np.where(whole == d, FUZZY_WHOLE[d], match)
        # A prefix within distance 0 is an exact prefix of a longer, already-listed name.
        found = match > 0
        return keys[found].astype(np.int64), match[found]


def _entries_of(
    key_first: npt.NDArray[np.int32], keys: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Every entry of ``keys``, key by key."""
    starts = key_first[keys].astype(np.int64)
    counts = key_first[keys + 1].astype(np.int64) - starts
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return np.arange(int(counts.sum()), dtype=np.int64) + offsets


def _best(
    places: npt.NDArray[np.int64], points: npt.NDArray[np.float64], limit: int
) -> list[tuple[int, float]]:
    """The ``limit`` best distinct places, by points, then by place number (stable)."""
    wanted = limit * 4
    while True:
        top = np.arange(len(points))
        if len(points) > wanted:
            top = np.argpartition(-points, wanted)[:wanted]
        ranked = top[np.lexsort((places[top], -points[top]))]
        chosen: dict[int, float] = {}
        for i in ranked.tolist():
            chosen.setdefault(int(places[i]), float(points[i]))
            if len(chosen) == limit:
                return list(chosen.items())
        if len(top) == len(points):
            return list(chosen.items())
        wanted *= 4
