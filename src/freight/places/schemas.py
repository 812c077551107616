"""What ``GET /api/places`` answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from freight.places.geocoder import Place


class PlaceRead(BaseModel):
    """One place a query may mean."""

    name: str = Field(description="the place's name as its country writes it, e.g. Montréal")
    region: str | None = Field(
        description="state or province code (IL, ON, JAL), null where the source has none"
    )
    country: str = Field(description="ISO 3166-1 alpha-2")
    lat: float
    lng: float
    timezone: str = Field(description="IANA zone, e.g. America/Chicago")
    precision: Literal["city", "postal_code", "street"]
    population: int | None = Field(default=None, description="people, for cities")
    postal_code: str | None = Field(default=None, description="for a ZIP code's centroid")
    source: str = Field(description="the geocoder that answered, e.g. embedded")

    @classmethod
    def of(cls, place: Place) -> PlaceRead:
        """The response form of a geocoder's answer."""
        return cls(
            name=place.name,
            region=place.region,
            country=place.country,
            lat=round(place.lat, 6),
            lng=round(place.lng, 6),
            timezone=place.timezone,
            precision=place.precision,
            population=place.population,
            postal_code=place.postal_code,
            source=place.source,
        )


class PlacePage(BaseModel):
    """Places best first: the closest match, then the organisation's country, then size."""

    items: list[PlaceRead]
