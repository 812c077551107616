"""Request and response bodies for GPS ingest, tracks and ETAs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from freight.schema import JsonNumber

MAX_BATCH = 500


class PositionIn(BaseModel):
    """One fix as a device reports it. Coordinates are range-checked by the filters, which
    count a bad fix as dropped instead of refusing the whole batch; a value that is not a
    JSON number at all (``true``, ``"41.9"``) refuses the batch with 422."""

    lat: JsonNumber
    lng: JsonNumber
    recorded_at: AwareDatetime
    speed_kmh: JsonNumber | None = None
    heading: JsonNumber | None = Field(default=None, description="degrees clockwise from north")
    accuracy_m: JsonNumber | None = Field(default=None, description="horizontal accuracy, metres")


class PositionBatch(BaseModel):
    positions: Annotated[list[PositionIn], Field(min_length=1, max_length=MAX_BATCH)]
    driver_id: uuid.UUID | None = Field(
        default=None, description="required for API keys: the driver the fixes belong to"
    )


class Dropped(BaseModel):
    invalid: int = 0
    inaccurate: int = 0
    duplicate: int = 0
    out_of_order: int = 0
    future: int = 0
    implausible_jump: int = 0


class IngestResult(BaseModel):
    accepted: int
    dropped: Dropped


class PositionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    lat: float
    lng: float
    recorded_at: datetime
    speed_kmh: float | None
    heading: float | None
    accuracy_m: float | None


class PositionPage(BaseModel):
    items: list[PositionRead]
    next_cursor: str | None


class AssumedRest(BaseModel):
    kind: Literal["break", "off_duty"]
    minutes: int


class EtaRead(BaseModel):
    eta: datetime | None
    distance_remaining_km: float | None
    basis: Literal["recent_speed", "route_speed", "average_speed", "no_position"] = Field(
        description="the speed used: the truck's recent speed, the router's speed on the "
        "leg (stored when the stops were set), the configured average, or no position yet"
    )
    speed_kmh_used: float | None
    next_stop_sequence: int | None
    computed_at: datetime
    late_risk: bool = Field(
        default=False, description="a remaining stop would be reached after its window closes"
    )
    assumed_rests: list[AssumedRest] = Field(
        default_factory=list,
        description="the hours-of-service rests the ETA includes on the way to the next stop",
    )
