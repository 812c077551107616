"""Request and response bodies for assignment, dispatch plans and proof of delivery."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AliasChoices, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from freight.dispatch.optimizer import Reason, UnassignedReason
from freight.routing.router import Source
from freight.schema import Input, NearPlace
from freight.shipments.schemas import Acknowledgement, WarningRead


class AssignRequest(Acknowledgement):
    driver_id: uuid.UUID
    vehicle_id: uuid.UUID | None = None


class UnassignRequest(Input):
    reason: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
        | None
    ) = Field(default=None, description="why, for the staff timeline (customers do not see it)")


class PlanRequest(Input):
    shipment_ids: Annotated[list[uuid.UUID], Field(max_length=5000)] | None = None
    driver_ids: Annotated[list[uuid.UUID], Field(max_length=5000)] | None = None


class ApplyRequest(Input):
    shipment_ids: Annotated[list[uuid.UUID], Field(max_length=5000)] | None = None


# Plans stored before the pairs were typed named the load ``load_id``; they still read.
ShipmentRef = Annotated[uuid.UUID, Field(validation_alias=AliasChoices("shipment_id", "load_id"))]


class PlanAssignment(BaseModel):
    """One proposed driver-load pair with the numbers that justify it."""

    shipment_id: ShipmentRef
    reference: str
    driver_id: uuid.UUID
    deadhead_km: float
    minutes_to_pickup: float = Field(description="driving time to the pickup")
    arrive_minutes: float = Field(
        default=0.0,
        description="from the plan's time until the driver is at the pickup, "
        "hours-of-service rests on the way included",
    )
    wait_minutes: float = Field(description="arriving before the window opens: the driver waits")
    slack_minutes: float = Field(description="window end minus arrival, >= 0")
    equipment_ok: bool
    capacity_ok: bool
    hours_ok: bool
    hos_minutes_after: float = Field(
        description="hours of service left after the deadhead and the loaded drive"
    )
    deadhead_estimated: bool = Field(
        default=True, description="the estimate answered this pair, not the router"
    )


class PlanUnassigned(BaseModel):
    """A load the plan leaves uncovered, and why.

    ``no_feasible_driver``: ``ruled_out`` counts, per rule, the drivers that fail it.
    ``outcompeted``: drivers could take it, but each is used on another load.
    ``beyond_horizon``: its pickup opens after the planning horizon: a later plan takes it.
    """

    shipment_id: ShipmentRef
    reference: str
    reason: UnassignedReason
    ruled_out: dict[Reason, int] = Field(default_factory=dict)


class PlanParamsRead(BaseModel):
    """The planning assumptions the plan was solved with."""

    road_factor: float
    average_speed_kmh: float
    now: AwareDatetime
    horizon_hours: float = Field(
        default=36.0, description="loads whose pickup opens later are left for a later plan"
    )


class PlanTotals(BaseModel):
    """What the plan covers and saves against the greedy baseline."""

    loads_considered: int
    drivers_considered: int
    optimal_deadhead_km: float
    greedy_deadhead_km: float
    assigned_count: int
    greedy_assigned_count: int
    km_saved: float = Field(description="greedy minus optimal deadhead; negative if it covers more")
    percent_saved: float
    solve_ms: float
    distance_source: Source = Field(
        default="estimate",
        description="the router the empty kilometres and drive times came from",
    )
    estimated_pairs: int = Field(
        default=0,
        description="driver-load pairs the estimate answered because the router could not "
        "(all of them when the source is the estimate)",
    )


class PlanResult(PlanTotals):
    """A stored proposal: its pairs, the loads left over, and its totals."""

    assignments: list[PlanAssignment]
    unassigned: list[PlanUnassigned]
    drivers_without_position: list[uuid.UUID] = Field(
        description="available drivers left out: no known position or an unusable vehicle"
    )
    params: PlanParamsRead


class PlanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    applied_at: datetime | None
    result: PlanResult


class SkippedPair(PlanAssignment):
    """A proposed pair that no longer held when the plan was applied."""

    skipped_because: str


class ApplyResult(BaseModel):
    plan_id: uuid.UUID
    applied: list[PlanAssignment]
    skipped: list[SkippedPair]


class PodFile(BaseModel):
    role: str
    sha256: str
    size: int
    content_type: str
    url: str


class PodRead(BaseModel):
    shipment_id: uuid.UUID
    recipient_name: str
    lat: float | None
    lng: float | None
    delivered_at: datetime | None
    received_at: datetime
    files: list[PodFile]


class PodWritten(PodRead):
    """The proof as the delivery recorded it, with the warnings the delivery raised."""

    warnings: list[WarningRead] = Field(
        default_factory=list, description="far_from_stop, outside_window; empty when all is well"
    )


class CandidateRead(BaseModel):
    """A free driver for one load, nearest first among those who fit."""

    driver_id: uuid.UUID
    full_name: str
    deadhead_km: float | None = Field(description="road km from the driver to the pickup")
    fits: bool
    problem: str | None = Field(description="why this driver cannot take the load, if so")


class BoardStop(BaseModel):
    city: str
    region: str | None
    country: str
    lat: float
    lng: float
    window_start: datetime
    window_end: datetime


class BoardLoad(BaseModel):
    """A pending load with its ranked driver picker."""

    shipment_id: uuid.UUID
    reference: str
    equipment_type: str
    weight_kg: float
    distance_km: float
    pickup: BoardStop
    delivery: BoardStop
    candidates: list[CandidateRead]


class BoardDriver(BaseModel):
    """A driver free to take a load."""

    driver_id: uuid.UUID
    full_name: str
    equipment_types: list[str]
    hos_minutes_remaining: int
    vehicle_id: uuid.UUID | None
    vehicle_number: str | None
    lat: float | None
    lng: float | None
    near: NearPlace | None = Field(default=None, description="the position in words' parts")
    seen_at: datetime | None = Field(
        default=None, description="when the position was fixed (None: the home base)"
    )


class BoardActive(BaseModel):
    """A load on the road (assigned, picked up or in transit)."""

    shipment_id: uuid.UUID
    reference: str
    status: str
    driver_id: uuid.UUID | None
    driver_name: str | None
    pickup: BoardStop
    delivery: BoardStop
    eta: datetime | None
    late_risk: bool = Field(
        default=False, description="the ETA at the next stop is after its window closes"
    )
    lat: float | None
    lng: float | None
    near: NearPlace | None = Field(default=None, description="the position in words' parts")
    seen_at: datetime | None = Field(
        default=None, description="when the position was fixed (None: the home base)"
    )


class BoardRead(BaseModel):
    """The dispatch board: what the page shows, for clients of the JSON API."""

    loads: list[BoardLoad]
    drivers: list[BoardDriver]
    active: list[BoardActive]
    more_loads: bool = Field(description="more pending loads than the board lists")
    more_drivers: bool
    more_active: bool


class OfferRequest(Input):
    """``driver_id`` offers the load to one driver; ``waterfall: true`` to the best ranked
    free drivers in turn (``FREIGHT_OFFER_WATERFALL_SIZE``), each for ``expires_in_s``."""

    driver_id: uuid.UUID | None = None
    waterfall: bool = False
    expires_in_s: int | None = Field(
        default=None, ge=30, le=7 * 24 * 3600, description="default FREIGHT_OFFER_EXPIRY_S"
    )


class OfferAnswer(Input):
    reason: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
        | None
    ) = Field(default=None, description="why the driver declines (the office reads it)")


class OfferStop(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    city: str
    region: str
    country: str
    timezone: str
    window_start: datetime
    window_end: datetime


class OfferLoad(BaseModel):
    """What a driver reads of an offered load before saying yes."""

    reference: str
    equipment_type: str
    weight_kg: float
    pieces: int | None
    commodity: str | None
    hazmat: bool
    distance_km: float
    pickup: OfferStop
    delivery: OfferStop


class OfferRead(BaseModel):
    """An offer: ``queued`` waits its turn in a waterfall, ``open`` is with the driver until
    ``expires_at``; ``accepted``, ``declined``, ``expired`` and ``withdrawn`` are final."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    shipment_id: uuid.UUID
    driver_id: uuid.UUID
    status: str
    waterfall_id: uuid.UUID | None
    rank: int
    expires_in_s: int
    deadhead_km: float | None
    reasons: list[str]
    created_at: datetime
    opened_at: datetime | None
    expires_at: datetime | None
    answered_at: datetime | None
    reason: str | None
    load: OfferLoad | None = None


class OfferList(BaseModel):
    items: list[OfferRead]


Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class ExceptionFields(Input):
    """The text fields of an exception report (JSON, or a form beside its photos)."""

    kind: str = Field(description="pickup_failed, delivery_failed, osd or lumper")
    reason: str = Field(
        description="pickup_failed: not_ready, no_freight, other; delivery_failed: refused, "
        "damaged, closed, no_access, wrong_address, other; osd: over, short, damaged, "
        "refused; lumper: unloading, loading"
    )
    pieces_affected: int | None = Field(default=None, ge=1, le=100_000)
    note: Note | None = None
    amount_cents: int | None = Field(
        default=None, ge=1, le=10_000_000, description="a lumper's fee, in minor units"
    )
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)
    at: AwareDatetime | None = Field(default=None, description="device time of the report")


class ExceptionFile(BaseModel):
    role: str = Field(description="photo or receipt")
    sha256: str
    size: int
    content_type: str
    url: str


class ExceptionRead(BaseModel):
    id: uuid.UUID
    shipment_id: uuid.UUID
    kind: str
    reason: str
    pieces_affected: int | None
    note: str | None = Field(description="the reporter's words; not shown to customers")
    amount_cents: int | None
    status_before: str
    status_after: str
    stop_sequence: int | None
    lat: float | None
    lng: float | None
    reported_at: datetime | None = Field(description="the device's clock")
    created_at: datetime = Field(description="the server's clock")
    reported_role: str | None
    files: list[ExceptionFile]


class ExceptionList(BaseModel):
    items: list[ExceptionRead]


class ReattemptRequest(Input):
    window_start: AwareDatetime = Field(description="the new delivery window")
    window_end: AwareDatetime
    note: Note | None = None
