"""Encoded polylines (Google's format), the line shape every provider can answer in.

OSRM and GraphHopper encode at 1e-5 degree, Valhalla at 1e-6; Freight answers at 1e-5
(about 1 m, plenty for a map), so clients decode every route the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

PRECISION = 5


def _values(text: str) -> Iterator[int]:
    """The signed integers an encoded string holds, in order."""
    result, shift = 0, 0
    for char in text:
        chunk = ord(char) - 63
        if not 0 <= chunk < 64:
            raise ValueError("not an encoded polyline")
        result |= (chunk & 0x1F) << shift
        shift += 5
        if chunk < 0x20:
            yield ~(result >> 1) if result & 1 else result >> 1
            result, shift = 0, 0
    if shift:
        raise ValueError("the encoded polyline is cut short")


def decode(text: str, precision: int = PRECISION) -> list[tuple[float, float]]:
    """``(lat, lng)`` pairs of an encoded polyline."""
    values = list(_values(text))
    if len(values) % 2:
        raise ValueError("the encoded polyline has an odd number of values")
    factor = 10**precision
    points: list[tuple[float, float]] = []
    lat = lng = 0
    for i in range(0, len(values), 2):
        lat += values[i]
        lng += values[i + 1]
        points.append((lat / factor, lng / factor))
    return points


def _chunks(value: int) -> str:
    value = ~(value << 1) if value < 0 else value << 1
    out = []
    while value >= 0x20:
        out.append(chr((0x20 | (value & 0x1F)) + 63))
        value >>= 5
    out.append(chr(value + 63))
    return "".join(out)


def encode(points: Iterable[tuple[float, float]], precision: int = PRECISION) -> str:
    """The encoded polyline of ``(lat, lng)`` pairs."""
    factor = 10**precision
    out = []
    last_lat = last_lng = 0
    for lat, lng in points:
        ilat, ilng = round(lat * factor), round(lng * factor)
        out.append(_chunks(ilat - last_lat))
        out.append(_chunks(ilng - last_lng))
        last_lat, last_lng = ilat, ilng
    return "".join(out)


def reencode(text: str, precision: int) -> str:
    """An encoded polyline at another precision, re-encoded at Freight's."""
    if precision == PRECISION:
        decode(text)  # still checked: a malformed shape is a bad response
        return text
    return encode(decode(text, precision))
