"""Place names reduced to what a search compares: lower-case ASCII words.

``normalise("Saint-Étienne")`` and ``normalise("St. Etienne")`` are both
``"saint etienne"``: case folded, accents stripped, punctuation dropped, the usual
abbreviations (St., Ste., Ft., Mt.) spelled out. Names in other scripts normalise to
nothing and are left out of the index.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

_SPACE, _DROP, _NEWLINE = 32, 0, 10
_LATIN_END = 0x300  # Basic Latin to the IPA letters and spacing modifiers
# Letters written as two (the rest of Latin decomposes into a letter and accents).
_TWO_LETTERS = {"ß": "ss", "æ": "ae", "œ": "oe", "þ": "th", "ĳ": "ij"}
# Latin letters that Unicode does not decompose into a base letter and an accent.
_ONE_LETTER = {
    "ł": "l",
    "ø": "o",
    "đ": "d",
    "ð": "d",
    "\u0131": "i",  # dotless i
    "ħ": "h",
    "ŀ": "l",
    "ŧ": "t",
    "ə": "e",
    "ɛ": "e",
    "ɔ": "o",
    "ɨ": "i",
}
_APOSTROPHES = "'`\u00b4\u2018\u2019\u02bb\u02bc"  # acute, curly quotes, okina


def _table() -> npt.NDArray[np.uint8]:
    """What each code point below ``_LATIN_END`` becomes: a letter, digit, space or nothing."""
    table = np.full(_LATIN_END, _SPACE, dtype=np.uint8)
    for c in "abcdefghijklmnopqrstuvwxyz0123456789\n":
        table[ord(c)] = ord(c)
    for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[ord(c)] = ord(c.lower())
    for c, base in _ONE_LETTER.items():
        table[ord(c)] = ord(base)
    for c in _APOSTROPHES:
        if ord(c) < _LATIN_END:
            table[ord(c)] = _DROP
    return table


_TABLE = _table()
_HIGH_DROP = np.array(sorted(ord(c) for c in _APOSTROPHES if ord(c) >= _LATIN_END))
_PAIRS = np.array(sorted(ord(c) for c in _TWO_LETTERS), dtype=np.uint32)
_PAIR_LETTERS = np.array(
    [[ord(x) for x in _TWO_LETTERS[chr(c)]] for c in _PAIRS.tolist()], dtype=np.uint8
)
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}


def _accents(points: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    """Combining diacritical marks (what NFKD splits off a letter)."""
    return (points >= 0x300) & (points < 0x370)


def _other_script(points: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    """Code points of letters in neither Latin script, accents nor punctuation."""
    punctuation = (points >= 0x2000) & (points < 0x2070)
    return (points >= _LATIN_END) & ~_accents(points) & ~punctuation


def _fold(text: str) -> tuple[str, npt.NDArray[np.bool_]]:
    """Lower-case ASCII words separated by single spaces, line by line, and for each line
    whether it is written in another script. Whole arrays at once: a million names fold
    in about a second, twenty times faster than one at a time."""
    points = np.frombuffer(
        unicodedata.normalize("NFKD", text.lower() + "\n").encode("utf-32-le"), dtype=np.uint32
    )
    starts = np.concatenate(([0], np.flatnonzero(points == _NEWLINE)[:-1] + 1))
    other = np.logical_or.reduceat(_other_script(points), starts)
    pairs = np.isin(points, _PAIRS)
    letters = np.where(
        points < _LATIN_END,
        _TABLE[np.minimum(points, _LATIN_END - 1)],
        np.where(_accents(points) | np.isin(points, _HIGH_DROP), _DROP, _SPACE),
    ).astype(np.uint8)
    if pairs.any():
        which = np.searchsorted(_PAIRS, points[pairs])
        letters[pairs] = _PAIR_LETTERS[which, 0]
        letters = np.insert(letters, np.flatnonzero(pairs) + 1, _PAIR_LETTERS[which, 1])
    letters = letters[letters != _DROP]
    # Keep a space only between two words of one line: first drop each space before a
    # space or a line's end, then the spaces left at a line's start.
    space = letters == _SPACE
    next_letter = np.concatenate((letters[1:], [_NEWLINE]))
    letters = letters[~(space & ((next_letter == _SPACE) | (next_letter == _NEWLINE)))]
    previous = np.concatenate(([_NEWLINE], letters[:-1]))
    lone = ~((letters == _SPACE) & (previous == _NEWLINE))
    return letters[lone].tobytes().decode("ascii")[:-1], other


def _spell_out(text: str) -> str:
    """Every abbreviation in ``text`` (lines of words) written in full."""
    padded = f" {text.replace(chr(10), '  ')} "  # each word now has a space on either side
    for short, full in ABBREVIATIONS.items():
        padded = padded.replace(f" {short} ", f" {full} ")
    return padded[1:-1].replace("  ", "\n")


def normalise_many(names: list[str]) -> list[str]:
    """The comparable form of each complete name (abbreviations spelled out); ``""`` for a
    name in another script."""
    if not names:
        return []
    folded, other = _fold("\n".join(names))  # names hold no newline (normalise() sees to it)
    lines = _spell_out(folded).split("\n")
    # A name that folded to nothing left an empty line: the line count is unchanged.
    if other.any():
        for i in np.flatnonzero(other).tolist():
            lines[i] = ""
    return lines


def normalise(name: str) -> str:
    """The comparable form of one complete name."""
    return normalise_many([name.replace("\n", " ")])[0]


def normalise_typed(text: str) -> str:
    """The comparable form of what someone is still typing.

    The last word is spelled out only when it is finished (followed by a space or a
    full stop): ``"st"`` may be the start of ``"Stockton"``, ``"st."`` and ``"st "`` are
    ``"saint"``.
    """
    folded, other = _fold(text.replace("\n", " "))
    words = [] if other.any() else folded.split()
    if not words:
        return ""
    finished = text.rstrip(" ") != text or text.rstrip().endswith(".")
    last = len(words) - 1
    return " ".join(
        ABBREVIATIONS.get(w, w) if i < last or finished else w for i, w in enumerate(words)
    )


@dataclass(frozen=True, slots=True)
class Parsed:
    """A query split into the name searched for and the hints after it."""

    name: str
    """Normalised as typed (see ``normalise_typed``)."""
    hints: tuple[str, ...] = ()
    """Normalised region or country hints, nearest to the name first."""


def parse(text: str) -> Parsed:
    """``"Springfield, IL"`` -> name ``springfield``, hints ``("il",)``.

    Up to two hints are read after commas: ``"London, ON, CA"``. A ZIP code is a name.
    """
    name_part, *rest = text.split(",")
    hints = tuple(h for h in (normalise(p) for p in rest[-2:]) if h)
    return Parsed(normalise_typed(name_part), hints)


_ZIP = re.compile(r"\s*(?:(\d{5})(?:[- ]?\d{4})?|(\d{3,4}))\s*")


def zip_prefix(text: str) -> str | None:
    """The digits of a US ZIP code (a ZIP+4 cut to 5), or its first 3 or 4, else ``None``."""
    found = _ZIP.fullmatch(text)
    return (found.group(1) or found.group(2)) if found else None
