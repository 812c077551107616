"""The places the geocoding stand-ins know, in neutral form (each stand-in renders them).

Points are a little off the embedded data's, so an answer shows where it came from. A
record matches a query when one of its spellings starts with the typed text (case and
spacing aside), in the asked countries.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class Record:
    kind: str  # "city", "postcode", "house" or "state"
    name: str
    lat: float
    lng: float
    country: str  # alpha-2
    alpha3: str
    state: str
    state_code: str
    spellings: tuple[str, ...]
    city: str | None = None
    postcode: str | None = None
    house_number: str | None = None
    road: str | None = None


GAZETTEER = (
    Record(
        "city",
        "Springfield",
        39.7990,
        -89.6440,
        "US",
        "USA",
        "Illinois",
        "IL",
        ("springfield", "springfield, il", "springfield, illinois"),
    ),
    Record(
        "city",
        "Springfield",
        37.2090,
        -93.2923,
        "US",
        "USA",
        "Missouri",
        "MO",
        ("springfield", "springfield, mo", "springfield, missouri"),
    ),
    Record(
        "postcode",
        "75201",
        32.7876,
        -96.7994,
        "US",
        "USA",
        "Texas",
        "TX",
        ("75201",),
        city="Dallas",
        postcode="75201",
    ),
    Record(
        "house",
        "1600 Pennsylvania Avenue NW",
        38.8977,
        -77.0365,
        "US",
        "USA",
        "District of Columbia",
        "DC",
        ("1600 pennsylvania avenue nw",),
        city="Washington",
        postcode="20500",
        house_number="1600",
        road="Pennsylvania Avenue NW",
    ),
    Record(
        "city", "Montréal", 45.5032, -73.5698, "CA", "CAN", "Québec", "QC", ("montreal", "montréal")
    ),
    Record(
        "state",
        "Illinois",
        40.0797,
        -89.4337,
        "US",
        "USA",
        "Illinois",
        "IL",
        ("illinois", "springfield illinois state"),
    ),
)
COUNTRY_NAMES = {"US": "United States", "CA": "Canada"}
SPRINGFIELD_IL, SPRINGFIELD_MO, DALLAS_75201, WHITE_HOUSE, MONTREAL, ILLINOIS = GAZETTEER


def matching(text: str | None, country: str | None = None) -> list[Record]:
    typed = " ".join((text or "").casefold().split())
    if not typed:
        return []
    found = [r for r in GAZETTEER if any(s.startswith(typed) for s in r.spellings)]
    return [r for r in found if country is None or r.country in country.upper().split(",")]


def limit(value: str | None, default: int) -> int:
    return int(value) if value and value.isdigit() else default


def closed_port_url() -> str:
    """The address of a port nothing listens on (a server that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
