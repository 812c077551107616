"""The card-number (PAN) guard: Freight never accepts a card number in any text.

A PAN is 13-19 digits, optionally grouped by single spaces, dots, dashes, underscores
or slashes, that starts with a card network's prefix and passes the Luhn check. Text is
normalised first (NFKC, every Unicode decimal digit folded to ASCII, any run of
whitespace including NBSP folded to one space), so look-alike digits and doubled or
non-breaking spaces do not hide a number. Digits inside a longer token (a UUID, a
cheque reference such as ``8f-9959-375973060dd1``, an API key) are not a card number:
a candidate must not touch a letter or digit, directly or through a separator.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

MIN_DIGITS, MAX_DIGITS = 13, 19
MESSAGE = "card numbers are never accepted; pay with a payment method token (pm_...)"

_SEP = r"[._/\-]"
# A digit chunk joined by strong separators, not glued to any other token.
_CHUNK = re.compile(
    rf"(?<![^\W_])(?<![^\W_]{_SEP})[0-9]+(?:{_SEP}[0-9]+)*(?![^\W_])(?!{_SEP}[^\W_])"
)
_SPACES = re.compile(r"\s+")

# Issuer identification ranges of the card networks (first digits, inclusive ranges).
_PREFIXES: tuple[tuple[int, int, int], ...] = (
    (1, 4, 4),  # Visa
    (2, 51, 55),  # Mastercard
    (4, 2221, 2720),  # Mastercard 2-series
    (2, 34, 34),  # American Express
    (2, 37, 37),
    (2, 36, 36),  # Diners Club
    (2, 38, 39),
    (3, 300, 305),
    (4, 3528, 3589),  # JCB
    (4, 6011, 6011),  # Discover
    (3, 644, 649),
    (2, 65, 65),
    (2, 62, 62),  # UnionPay
    (2, 50, 50),  # Maestro
    (2, 56, 69),
)


def normalise(text: str) -> str:
    """Fold compatibility forms and Unicode digits to ASCII, and whitespace runs to a space."""
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(
        str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in folded
    )
    return _SPACES.sub(" ", folded)


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) checksum every card number carries."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _network_prefix(digits: str) -> bool:
    return any(int(digits[:width]) in range(low, high + 1) for width, low, high in _PREFIXES)


def _candidates(text: str) -> Iterator[str]:
    """Digit strings of every run of chunks that single spaces join, in every span."""
    chunks = list(_CHUNK.finditer(text))
    runs: list[list[str]] = []
    last_end = -2
    for match in chunks:
        digits = re.sub(r"\D", "", match.group())
        if runs and text[last_end : match.start()] == " ":
            runs[-1].append(digits)
        else:
            runs.append([digits])
        last_end = match.end()
    for run in runs:
        for start in range(len(run)):
            joined = ""
            for part in run[start:]:
                joined += part
                if len(joined) > MAX_DIGITS:
                    break
                if len(joined) >= MIN_DIGITS:
                    yield joined


def looks_like_pan(text: str) -> bool:
    """True when ``text`` holds a card-shaped number with a network prefix and a valid Luhn."""
    return any(
        _network_prefix(digits) and luhn_ok(digits) for digits in _candidates(normalise(text))
    )


def holds_pan(value: object) -> bool:
    """True when a parsed value (text, number, list or mapping, keys included) holds a PAN."""
    if isinstance(value, str):
        return looks_like_pan(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return looks_like_pan(str(value))
    if isinstance(value, dict):
        return any(holds_pan(k) or holds_pan(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(holds_pan(v) for v in value)
    return False
