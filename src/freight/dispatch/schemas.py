"""Request and response bodies for assignment, dispatch plans and proof of delivery."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from freight.schema import Input


class AssignRequest(Input):
    driver_id: uuid.UUID
    vehicle_id: uuid.UUID | None = None


class PlanRequest(Input):
    shipment_ids: Annotated[list[uuid.UUID], Field(max_length=5000)] | None = None
    driver_ids: Annotated[list[uuid.UUID], Field(max_length=5000)] | None = None


class ApplyRequest(Input):
    shipment_ids: Annotated[list[uuid.UUID], Field(max_length=5000)] | None = None


class PlanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    applied_at: datetime | None
    result: dict[str, Any]


class ApplyResult(BaseModel):
    plan_id: uuid.UUID
    applied: list[dict[str, Any]]
    skipped: list[dict[str, Any]]


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
