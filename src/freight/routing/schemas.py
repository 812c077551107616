"""The route of a shipment as the API answers it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from freight.routing.router import Leg, Route, Source


class LegRead(BaseModel):
    from_sequence: int = Field(description="the stop the leg starts at")
    to_sequence: int = Field(description="the stop it ends at")
    distance_km: float = Field(description="road distance, to 0.1 km")
    duration_s: int = Field(description="driving time, without rests or dwell")
    source: Source = Field(
        description="estimate (great-circle km x the road factor, at the planning speed) or "
        "the routing provider that answered"
    )
    polyline: str | None = Field(
        default=None,
        description="the road's shape, an encoded polyline (Google's format) at 1e-5 degree, "
        "when the provider gave one; an estimate has none (draw a straight line)",
    )

    @classmethod
    def of(cls, leg: Leg, from_sequence: int, to_sequence: int) -> LegRead:
        """A leg between the stops with these sequence numbers."""
        return cls(
            from_sequence=from_sequence,
            to_sequence=to_sequence,
            distance_km=round(leg.distance_km, 1),
            duration_s=round(leg.duration_s),
            source=leg.source,
            polyline=leg.polyline,
        )


class RouteRead(BaseModel):
    legs: list[LegRead]
    distance_km: float = Field(description="the whole route, to 0.1 km")
    duration_s: int = Field(description="the whole drive, without rests or dwell")

    @classmethod
    def of(cls, route: Route, sequences: list[int]) -> RouteRead:
        """The route along stops with these sequence numbers, in order."""
        legs = [LegRead.of(leg, sequences[i], sequences[i + 1]) for i, leg in enumerate(route.legs)]
        return cls(legs=legs, distance_km=route.distance_km, duration_s=route.duration_s)
