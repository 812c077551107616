"""Data both the seeder and the simulated users draw on (no Locust import: the seeder
runs on asyncio, and importing Locust patches the standard library for gevent)."""

from __future__ import annotations

import struct
import zlib

from freight.demo import HUBS

# (city, region, lat, lng): the US freight hubs loads run between, as in the demo data.
CITIES = HUBS


def png_1x1() -> bytes:
    """A valid 1x1 white PNG: the signature a driver's phone would capture."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
