"""Typo tolerance: a trigram index to find candidates, then their edit distance at once.

Each name is indexed by its trigrams, the first one anchored at the name's start, so
``"chicago"`` has ``^ch``, ``chi``, ``hic``... One typo changes at most four of a query's
trigrams (a transposition), so a name within ``k`` edits shares all but ``4k`` of them.
The candidates that pass that bound are scored with the optimal-string-alignment
distance (Levenshtein plus adjacent transpositions), computed for all of them together:
one numpy pass per letter of the query.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

NEWLINE = 10
BASE = 38
"""Symbols in a trigram: the start mark, a space, 26 letters and 10 digits."""

_SYMBOL = np.zeros(256, dtype=np.uint16)
_SYMBOL[NEWLINE] = 0  # the separator before each name doubles as its start mark
_SYMBOL[ord(" ")] = 1
_SYMBOL[ord("a") : ord("z") + 1] = np.arange(2, 28)
_SYMBOL[ord("0") : ord("9") + 1] = np.arange(28, 38)

IntArray = npt.NDArray[np.int32]


def trigram_codes(text: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint16]:
    """The code of the trigram starting at each position but the last two of ``text``."""
    symbols = _SYMBOL[text]
    codes: npt.NDArray[np.uint16] = symbols[:-2] * (BASE * BASE)
    codes += symbols[1:-1] * BASE
    codes += symbols[2:]
    return codes


def build_postings(blob: npt.NDArray[np.uint8]) -> tuple[IntArray, IntArray]:
    """For ``blob`` (``"\\n" + "\\n".join(names) + "\\n"`` as bytes): each trigram code's
    first row in the postings, and the postings (name numbers, ascending per code)."""
    codes = trigram_codes(blob)
    # A trigram that runs into the next name's separator is no trigram of this name.
    inside = (blob[1:-1] != NEWLINE) & (blob[2:] != NEWLINE)
    positions = np.flatnonzero(inside)
    names = (np.cumsum(blob == NEWLINE, dtype=np.int32) - 1)[positions]
    codes = codes[positions]
    order = np.argsort(codes, kind="stable")  # a radix sort: the codes are 16-bit
    codes, names = codes[order], names[order]
    # A name that repeats a trigram ("banana": "ana") is posted for it once.
    repeat = np.zeros(len(codes), dtype=bool)
    repeat[1:] = (codes[1:] == codes[:-1]) & (names[1:] == names[:-1])
    codes, names = codes[~repeat], names[~repeat]
    first = np.searchsorted(codes, np.arange(BASE**3 + 1)).astype(np.int32)
    return first, names.astype(np.int32)


def query_codes(name: str) -> npt.NDArray[np.uint16]:
    """The distinct trigram codes of a normalised query (start mark included)."""
    text = np.frombuffer(b"\n" + name.encode("ascii"), dtype=np.uint8)
    if len(text) < 3:
        return np.zeros(0, dtype=np.uint16)
    return np.unique(trigram_codes(text))


def shared_counts(
    codes: npt.NDArray[np.uint16], first: IntArray, postings: IntArray, names: int
) -> npt.NDArray[np.intp]:
    """How many of ``codes`` each of the ``names`` indexed names has."""
    lists = [postings[first[c] : first[c + 1]] for c in codes.tolist()]
    if not lists:
        return np.zeros(names, dtype=np.intp)
    return np.bincount(np.concatenate(lists), minlength=names)


def distances(
    query: str, candidates: npt.NDArray[np.uint8], lengths: IntArray, k: int
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """Edit distances from ``query`` to each candidate, whole and as a prefix.

    ``candidates`` holds one name per row, its first ``len(query) + k`` bytes padded with
    zeros; ``lengths`` their full lengths. Returns (distance to the whole name, or a large
    number when it is longer than the rows hold; smallest distance to a prefix of the
    name between ``len(query) - k`` and ``len(query) + k`` letters long).
    """
    q = query.encode("ascii")
    m, width = len(q), candidates.shape[1]
    count = candidates.shape[0]
    steps = np.arange(width + 1, dtype=np.int32)
    before = np.broadcast_to(steps, (count, width + 1)).copy()
    two_back = before
    for i in range(1, m + 1):
        letter = q[i - 1]
        cost = (candidates != letter).astype(np.int32)
        best = np.minimum(before[:, :-1] + cost, before[:, 1:] + 1)
        if i > 1:
            swapped = (candidates[:, :-1] == letter) & (candidates[:, 1:] == q[i - 2])
            best[:, 1:] = np.where(
                swapped, np.minimum(best[:, 1:], two_back[:, :-2] + 1), best[:, 1:]
            )
        row = np.empty_like(before)
        row[:, 0] = i
        row[:, 1:] = best
        # Insertions: D[i][j] = min(row[j], D[i][j-1] + 1) is a running minimum of row - j.
        row = np.minimum.accumulate(row - steps, axis=1) + steps
        two_back, before = before, row
    big = np.int32(1 << 20)
    whole = np.where(
        lengths <= width, before[np.arange(count), np.minimum(lengths, width)], big
    ).astype(np.int32)
    shown = np.where(steps[None, :] <= lengths[:, None], before, big)
    low, high = max(0, m - k), min(width, m + k)
    prefix = shown[:, low : high + 1].min(axis=1).astype(np.int32)
    return whole, prefix
