"""The ``Geocoder`` interface every provider implements, and the place it answers with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Precision = Literal["city", "postal_code", "street"]


@dataclass(frozen=True, slots=True)
class Place:
    """One answer to a search: where it is, in which zone, and how precise that is."""

    name: str
    region: str | None
    """The state or province code (``IL``, ``ON``, ``JAL``), or the provider's own code."""
    country: str
    """ISO 3166-1 alpha-2."""
    lat: float
    lng: float
    timezone: str
    """IANA zone name."""
    precision: Precision
    population: int | None
    source: str
    """Which provider answered (``embedded``, ``nominatim``...)."""
    postal_code: str | None = None


@dataclass(frozen=True, slots=True)
class PlaceQuery:
    """What the caller asked for, with the organisation's country to prefer."""

    text: str
    country: str | None = None
    """Only places in this ISO alpha-2 country."""
    prefer_country: str | None = None
    """Rank places in this country first among equally good matches."""
    limit: int = 10
    partial: bool = False
    """The text is still being typed (autocomplete): a provider with a prefix search uses it."""


class Geocoder(Protocol):
    """Turns what a person typed into places, best first."""

    name: str
    remote: bool
    """True when answers may come over the network (slow, may wait)."""

    async def search(self, query: PlaceQuery) -> list[Place]:
        """Places matching ``query``, best first, at most ``query.limit``."""
        ...

    def knows_country(self, code: str) -> bool:
        """True when ``code`` is an ISO alpha-2 country this provider can answer for."""
        ...

    async def aclose(self) -> None:
        """Release connections (nothing for the embedded provider)."""
        ...
