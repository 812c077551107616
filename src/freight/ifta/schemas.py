"""Fuel purchases in and out, and the IFTA quarterly summary."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from freight.ifta.jurisdictions import CODES

QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$")
Quarter = Annotated[
    str, StringConstraints(pattern=r"^\d{4}-?[Qq][1-4]$", to_upper=True, strip_whitespace=True)
]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Unit = Literal["gal", "L"]
KNOWN = frozenset(CODES.values())


class FuelPurchaseCreate(BaseModel):
    """A fuel receipt of one truck."""

    vehicle_id: uuid.UUID
    purchased_at: AwareDatetime = Field(description="when the fuel was bought, with its offset")
    jurisdiction: str = Field(
        description="the US state or Canadian province, two letters (TX, ON)",
        examples=["TX"],
    )
    quantity: float = Field(gt=0, le=10_000, description="fuel bought, in ``unit``")
    unit: Unit = Field(default="gal", description="gal (US gallons) or L (litres)")
    amount_cents: int = Field(default=0, ge=0, le=100_000_000, description="the price paid")
    currency: Currency = "USD"
    vendor: str | None = Field(default=None, max_length=200)
    receipt_ref: str | None = Field(
        default=None, max_length=64, description="the receipt's number; once per truck"
    )

    @field_validator("jurisdiction")
    @classmethod
    def _known(cls, value: str) -> str:
        code = value.strip().upper()
        if code not in KNOWN:
            raise ValueError("not the two-letter code of a US state or Canadian province")
        return code


class FuelPurchaseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    vehicle_id: uuid.UUID
    purchased_at: datetime
    jurisdiction: str
    quantity: float
    unit: Unit
    gallons: float = Field(description="the quantity in US gallons")
    amount_cents: int
    currency: str
    vendor: str | None
    receipt_ref: str | None
    created_by: uuid.UUID | None
    created_at: datetime


class FuelPurchaseList(BaseModel):
    items: list[FuelPurchaseRead] = Field(description="oldest first")


class JurisdictionLine(BaseModel):
    """One jurisdiction's line of the return."""

    jurisdiction: str = Field(description="two letters, e.g. TX or ON")
    name: str
    ifta_member: bool = Field(description="False for AK, DC, HI and the territories")
    miles: float = Field(description="driven there, from the GPS track")
    gallons_purchased: float = Field(description="bought there (US gallons)")
    taxable_gallons: float | None = Field(
        description="miles / mpg (null when no fuel was bought at all)"
    )
    net_taxable_gallons: float | None = Field(description="taxable minus purchased")
    mpg: float | None = Field(description="the miles per gallon the line is taxed at")


class TruckSummary(BaseModel):
    """One truck's quarter."""

    vehicle_id: uuid.UUID
    number: str
    miles: float
    gallons: float
    mpg: float | None = Field(description="this truck's miles / gallons")
    gap_miles: float = Field(description="between fixes too far apart to count as driven")
    unplaced_miles: float = Field(description="driven outside every state and province")
    jurisdictions: list[JurisdictionLine] = Field(description="taxed at this truck's MPG")


class IftaReport(BaseModel):
    """The quarterly summary: the fleet's lines (taxed at the fleet MPG) and each truck's."""

    quarter: str = Field(examples=["2026Q4"])
    start: datetime = Field(description="the quarter's first moment, the organisation's zone")
    end: datetime = Field(description="the next quarter's first moment")
    vehicle_id: uuid.UUID | None
    miles: float
    gallons: float
    mpg: float | None = Field(description="fleet miles / fleet gallons")
    jurisdictions: list[JurisdictionLine]
    trucks: list[TruckSummary]
