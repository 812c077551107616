"""Request and response bodies for shipments, timelines and tracking."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from freight.routing.router import Source
from freight.schema import EquipmentType, Input, Lat, Lng, Text200
from freight.shipments.heed import Heed
from freight.shipments.lifecycle import Status
from freight.shipments.warnings import CODES, Code

Cents = Annotated[int, Field(ge=0, le=10**12)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Notes = Annotated[str, StringConstraints(max_length=2000)]
CURRENCY_HELP = "the organisation's, from its rates: omit it (any other currency is refused)"


OverrideReason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
]
ACKNOWLEDGEMENT = frozenset({"acknowledge_warnings", "override_reason"})


class Acknowledgement(Input):
    """What a write says about its warnings: the codes it goes ahead despite, and why.

    Without them the write still lands and answers its ``warnings`` (they inform, they do
    not block), unless the client sent ``Prefer: handling=strict``: then a warning not
    acknowledged refuses the write (409 ``warnings_not_acknowledged``, the warnings in
    the problem), so a person can see them first. An acknowledged warning that the write
    raises lands on the timeline as ``shipment.warning_overridden`` with the reason.
    """

    acknowledge_warnings: Annotated[list[Code], Field(max_length=len(CODES))] = Field(
        default_factory=list, description="the warning codes this write goes ahead despite"
    )
    override_reason: OverrideReason | None = Field(
        default=None,
        validate_default=True,
        description="why: required with acknowledge_warnings, kept on the timeline",
    )

    @field_validator("override_reason")
    @classmethod
    def _reason_goes_with_codes(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "acknowledge_warnings" not in info.data:
            return value  # the codes were refused already
        codes = info.data["acknowledge_warnings"]
        if codes and not value:
            raise ValueError("say why you go ahead despite the warnings you acknowledge")
        if value and not codes:
            raise ValueError("list the warnings it overrides in acknowledge_warnings")
        return value

    def heed(self, strict: bool = False) -> Heed:
        """How the write treats its warnings."""
        return Heed(frozenset(self.acknowledge_warnings), self.override_reason, strict)


class StopIn(Input):
    kind: Literal["pickup", "delivery"]
    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    address: Annotated[str, StringConstraints(max_length=300)] | None = None
    city: Text200
    region: Annotated[str, StringConstraints(max_length=120)] | None = None
    postal_code: Annotated[str, StringConstraints(max_length=20)] | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "US"
    lat: Lat | None = Field(
        default=None,
        description="optional with lng: without them the stop is placed from postal_code, "
        "else city (+ region, country); one that cannot be placed is a 422 naming it",
    )
    lng: Lng | None = None
    window_start: AwareDatetime
    window_end: AwareDatetime

    @model_validator(mode="after")
    def _both_coordinates_or_neither(self) -> StopIn:
        if (self.lat is None) != (self.lng is None):
            missing = "lng" if self.lng is None else "lat"
            raise PydanticCustomError(
                "coordinates_pair", "give lat and lng together, or neither", {"missing": missing}
            )
        return self


class PlacedStop(StopIn):
    """A stop with its coordinates, typed or found from its address."""

    lat: Lat
    lng: Lng


class Geocoded(BaseModel):
    source: str = Field(description='"client" (typed coordinates) or the geocoder\'s name')
    precision: Literal["point", "street", "postal_code", "city"]


class StopRead(StopIn):
    model_config = ConfigDict(from_attributes=True)

    sequence: int
    lat: float
    lng: float
    timezone: str = Field(description="the IANA zone at the stop: pages show its window in it")
    geocode: Geocoded = Field(description="how the stop's coordinates were found")
    window_start: datetime
    window_end: datetime
    arrived_at: datetime | None
    departed_at: datetime | None


class ShipmentFields(Input):
    equipment_type: EquipmentType
    weight_kg: Annotated[float, Field(ge=0, le=100_000)]
    pieces: Annotated[int, Field(ge=0, le=100_000)] | None = None
    commodity: Annotated[str, StringConstraints(max_length=200)] | None = None
    hazmat: bool = False
    declared_value_cents: Cents | None = None
    price_cents: Cents | None = Field(
        default=None, description="staff only: a price set by hand; omitted, the quote is frozen"
    )
    currency: Currency | None = Field(default=None, description=CURRENCY_HELP)
    notes: Notes | None = None
    stops: Annotated[list[StopIn], Field(min_length=2, max_length=25)]


class ShipmentCreate(ShipmentFields, Acknowledgement):
    customer_id: uuid.UUID | None = Field(
        default=None, description="required for staff; customers book for their own account"
    )


class ShipmentReplace(ShipmentFields, Acknowledgement):
    """PUT: the whole description of the load; ``status`` is a transition.

    An omitted optional field takes its default (``notes``, ``pieces``, ... become null,
    ``hazmat`` false), except ``price_cents``, ``currency`` and ``status``, which an omitted
    value leaves as they are.
    """

    price_cents: Cents | None = Field(
        default=None,
        description=(
            "omitted: the price is kept (re-quoted when the stops or equipment change, kept "
            "when it was set by hand). Staff only: a number sets the price by hand, null "
            "clears it (priced from the rates when invoiced). Customers omit it or repeat it."
        ),
    )
    currency: Currency | None = Field(default=None, description=CURRENCY_HELP)
    status: Status | None = Field(default=None, description="omitted or null: no move")

    def changes(self) -> dict[str, Any]:
        """The edit this PUT asks for, with the fields it leaves alone when omitted left out."""
        kept_when_omitted = {"price_cents", "currency", "status"} - self.model_fields_set
        return self.model_dump(exclude=kept_when_omitted | ACKNOWLEDGEMENT)


class ShipmentUpdate(Acknowledgement):
    """PATCH: only the fields sent change (null clears an optional one); ``status`` moves."""

    equipment_type: EquipmentType | None = None
    weight_kg: Annotated[float, Field(ge=0, le=100_000)] | None = None
    pieces: Annotated[int, Field(ge=0, le=100_000)] | None = None
    commodity: Annotated[str, StringConstraints(max_length=200)] | None = None
    hazmat: bool | None = None
    declared_value_cents: Cents | None = None
    price_cents: Cents | None = None
    currency: Currency | None = None
    notes: Notes | None = None
    stops: Annotated[list[StopIn], Field(min_length=2, max_length=25)] | None = None
    status: Status | None = Field(default=None, description="omitted or null: no move")

    @field_validator("equipment_type", "weight_kg", "hazmat", "stops")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Omitted means unchanged; an explicit null would blank a field every load has.
        if value is None:
            raise ValueError("cannot be null; omit the field to leave it unchanged")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields this PATCH sends, to change."""
        return self.model_dump(exclude_unset=True, exclude=set(ACKNOWLEDGEMENT))


class ShipmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    reference: str
    customer_id: uuid.UUID
    status: Status
    version: int
    equipment_type: str
    weight_kg: float
    pieces: int | None
    commodity: str | None
    hazmat: bool
    declared_value_cents: int | None
    price_cents: int | None
    currency: str
    notes: str | None
    stops: list[StopRead]
    driver_id: uuid.UUID | None
    vehicle_id: uuid.UUID | None
    distance_km: float
    distance_source: Source = Field(
        default="estimate",
        description="where distance_km came from: estimate, osrm, valhalla or graphhopper",
    )
    eta: datetime | None
    delivered_at: datetime | None
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime


class WarningRead(BaseModel):
    """Something a person should know about a write (it did not block it)."""

    code: Code
    message: str = Field(description="a sentence for people, in the organisation's units")
    overridden: bool = Field(
        default=False, description="acknowledged by the write: on the timeline with its reason"
    )


class ShipmentWritten(ShipmentRead):
    """A shipment as a write left it, with the warnings that write raised."""

    warnings: list[WarningRead] = Field(
        default_factory=list,
        description=(
            "pickup_window_past, weight_implausible, weight_over_capacity, "
            "pickup_window_closed, far_from_stop, outside_window; empty when all is well"
        ),
    )


class ShipmentPage(BaseModel):
    items: list[ShipmentRead]
    next_cursor: str | None


class TransitionRequest(Acknowledgement):
    status: Status
    at: AwareDatetime | None = Field(default=None, description="device time of the move")
    note: Annotated[str, StringConstraints(max_length=500)] | None = None
    lat: Lat | None = None
    lng: Lng | None = None


class CancelRequest(Input):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    seq: int | None
    type: str
    data: dict[str, Any]
    actor_id: uuid.UUID | None
    actor_role: str | None
    occurred_at: datetime
    device_time: datetime | None
    hash: str = Field(
        description="sha256 chaining this event to the one before (freight audit verify)"
    )


class EventPage(BaseModel):
    items: list[EventRead]
    next_cursor: str | None


class TrackingStop(BaseModel):
    sequence: int
    kind: str
    city: str
    lat: float = Field(description="rounded to 0.1 degree: the area of the stop, never its address")
    lng: float = Field(description="rounded to 0.1 degree, as lat")
    region: str | None
    country: str
    timezone: str
    window_start: datetime
    window_end: datetime
    arrived_at: datetime | None
    departed_at: datetime | None


class Position(BaseModel):
    lat: float
    lng: float
    at: datetime | None


class MapLine(BaseModel):
    """One leg as a map draws it."""

    points: list[list[float]] = Field(description="[lat, lng] pairs")
    road: bool = Field(description="the road's shape from the router; false: a straight leg")


class TrackingRead(BaseModel):
    """What anyone holding a reference may see: no names, phones, streets or prices."""

    reference: str
    status: Status
    stops: list[TrackingStop]
    route: list[MapLine] = Field(
        default_factory=list,
        description="the legs between the stops' areas: the road's shape, cut back "
        "from each stop so it never leads to an address",
    )
    eta: datetime | None
    last_position: Position | None
    delivered_at: datetime | None
    updated_at: datetime


class ShipmentList(BaseModel):
    """Shipments without paging (a bounded list)."""

    items: list[ShipmentRead]


class DriverLoads(ShipmentList):
    """A driver's assigned and active loads, next pickup first."""
