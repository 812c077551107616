"""Request and response bodies for rates, quotes, invoices, payments and refunds."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from freight.billing.statuses import InvoiceStatus, PaymentStatus, RefundStatus
from freight.routing.router import Source
from freight.schema import EquipmentType, Input, Lat, Lng
from freight.shipments.schemas import Cents, Currency

Bp = Annotated[int, Field(ge=0, le=10_000, description="basis points: 2450 = 24.50 %")]
PositiveCents = Annotated[int, Field(gt=0, le=10**12)]
Method = Literal["card", "check", "ach", "wire"]


class RateCardIn(Input):
    currency: Currency = "USD"
    per_km_cents: dict[EquipmentType, Annotated[int, Field(ge=0, le=1_000_000)]] = Field(
        default_factory=dict, description="minor units per km, by equipment type"
    )
    per_mile_cents: dict[EquipmentType, Annotated[int, Field(ge=0, le=1_000_000)]] = Field(
        default_factory=dict,
        description="minor units per mile, by equipment type (instead of per_km_cents: the "
        "linehaul is then priced and shown in miles)",
    )
    minimum_charge_cents: Cents = 0
    fuel_surcharge_bp: Bp = 0
    detention_free_minutes: Annotated[int, Field(ge=0, le=24 * 60)] = 120
    detention_hourly_cents: Cents = 0
    tonu_cents: Cents = Field(
        default=0, description="truck ordered, not used: charged when a pickup has no freight"
    )
    reattempt_cents: Cents = Field(default=0, description="each delivery reattempt")
    layover_cents: Cents = Field(
        default=0, description="each night a reattempt's new window waits past the failed one"
    )
    tax_rate_bp: Bp = 0
    auto_invoice: bool = Field(
        default=False, description="create a draft invoice when a shipment is delivered"
    )
    terms: Annotated[str, StringConstraints(max_length=1000)] | None = None

    @field_validator("per_mile_cents")
    @classmethod
    def _one_unit(cls, value: dict[str, int], info: ValidationInfo) -> dict[str, int]:
        if value and info.data.get("per_km_cents"):
            raise PydanticCustomError("one_rate_unit", "set rates per km or per mile, not both")
        return value


class RateCardRead(RateCardIn):
    model_config = ConfigDict(from_attributes=True)

    updated_at: datetime


class QuoteStop(Input):
    lat: Lat
    lng: Lng
    city: Annotated[str, StringConstraints(max_length=200)] | None = None


class QuoteRequest(Input):
    equipment_type: EquipmentType
    stops: Annotated[list[QuoteStop], Field(min_length=2, max_length=25)]


class LineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    description: str
    quantity: str
    unit: str
    unit_price_cents: int
    amount_cents: int
    shipment_id: uuid.UUID | None = None


class QuoteRead(BaseModel):
    currency: str
    equipment_type: str
    distance_km: float
    distance_source: Source = Field(
        description="where distance_km came from: estimate, osrm, valhalla or graphhopper"
    )
    duration_s: int = Field(description="the drive along the stops, without rests or dwell")
    lines: list[LineRead]
    price_cents: int = Field(description="what a booking freezes: the lines before tax")
    subtotal_cents: int
    tax_rate_bp: int
    tax_cents: int
    total_cents: int
    detention_free_minutes: int
    detention_hourly_cents: int


class InvoiceCreate(Input):
    customer_id: uuid.UUID
    shipment_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=100)]


class VoidRequest(Input):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class InvoiceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str
    customer_id: uuid.UUID
    status: InvoiceStatus
    currency: str
    lines: list[LineRead]
    subtotal_cents: int
    tax_rate_bp: int
    tax_cents: int
    total_cents: int
    paid_cents: int
    balance_cents: int
    overdue: bool
    terms_days: int
    terms: str | None
    shipment_references: list[str]
    issued_at: datetime | None
    due_at: datetime | None
    voided_at: datetime | None
    void_reason: str | None
    created_at: datetime
    updated_at: datetime


class InvoicePage(BaseModel):
    items: list[InvoiceRead]
    next_cursor: str | None


class AgingBuckets(BaseModel):
    current: int = 0
    days_1_30: int = 0
    days_31_60: int = 0
    days_61_90: int = 0
    over_90: int = 0
    total: int = 0


class AgingAccount(AgingBuckets):
    customer_id: uuid.UUID
    customer_name: str
    currency: str


class AgingRead(BaseModel):
    as_of: date
    accounts: list[AgingAccount]
    totals: dict[str, AgingBuckets] = Field(description="by currency")


class PaymentCreate(Input):
    """A payment; cards go by a provider token, never a card number."""

    model_config = ConfigDict(extra="forbid")

    invoice_id: uuid.UUID
    amount_cents: PositiveCents
    method: Method
    payment_method: Annotated[str, StringConstraints(pattern=r"^pm_[A-Za-z0-9_]{1,96}$")] | None = (
        Field(default=None, description="card: a Stripe PaymentMethod id from Stripe.js")
    )
    reference: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        default=None, description="cheque number, ACH trace or wire reference"
    )


class PaymentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    invoice_id: uuid.UUID
    customer_id: uuid.UUID
    amount_cents: int
    refunded_cents: int
    currency: str
    method: Method
    status: PaymentStatus
    reference: str | None
    provider: str | None
    provider_ref: str | None
    card_brand: str | None
    card_last4: str | None
    failure_reason: str | None
    client_secret: str | None = Field(
        default=None, description="card without a token: confirm it with Stripe.js"
    )
    created_at: datetime
    settled_at: datetime | None


class PaymentPage(BaseModel):
    items: list[PaymentRead]
    next_cursor: str | None


class RefundCreate(Input):
    model_config = ConfigDict(extra="forbid")

    amount_cents: PositiveCents | None = Field(
        default=None, description="default: everything not yet refunded"
    )
    reason: Annotated[str, StringConstraints(max_length=300)] | None = None


class RefundRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    payment_id: uuid.UUID
    amount_cents: int
    status: RefundStatus
    reason: str | None
    provider_ref: str | None
    created_at: datetime
    settled_at: datetime | None
    payment: PaymentRead | None = None
