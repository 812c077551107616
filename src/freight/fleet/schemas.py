"""Request and response bodies for drivers and vehicles."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from freight.fleet.statuses import DriverStatus, VehicleStatus
from freight.schema import EquipmentType, Input, Lat, Lng, Text200

Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()-]{5,30}$")]
License = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=40)]
# Minutes left in the 70-hour / 8-day cycle.
Hos = Annotated[int, Field(ge=0, le=70 * 60)]


class DriverCreate(Input):
    user_id: uuid.UUID | None = None
    full_name: Text200
    phone: Phone | None = None
    license_number: License | None = None
    license_region: Annotated[str, StringConstraints(max_length=60)] | None = None
    equipment_types: Annotated[list[EquipmentType], Field(max_length=7)] = []
    status: DriverStatus = DriverStatus.OFF_DUTY
    home_lat: Lat | None = None
    home_lng: Lng | None = None
    hos_minutes_remaining: Hos = 4200
    vehicle_id: uuid.UUID | None = None


class DriverUpdate(Input):
    user_id: uuid.UUID | None = None
    full_name: Text200 | None = None
    phone: Phone | None = None
    license_number: License | None = None
    license_region: Annotated[str, StringConstraints(max_length=60)] | None = None
    equipment_types: Annotated[list[EquipmentType], Field(max_length=7)] | None = None
    status: DriverStatus | None = None
    home_lat: Lat | None = None
    home_lng: Lng | None = None
    lat: Lat | None = None
    lng: Lng | None = None
    hos_minutes_remaining: Hos | None = None
    vehicle_id: uuid.UUID | None = None


class Availability(Input):
    status: DriverStatus


class DriverActive(Input):
    active: bool = Field(description="false: deactivated, never offered a load again")


class VehicleService(Input):
    in_service: bool
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = Field(
        default=None, description="required when taking the vehicle out of service"
    )


class DriverRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID | None
    full_name: str
    phone: str | None
    license_number: str | None
    license_region: str | None
    equipment_types: list[str]
    status: DriverStatus
    home_lat: float | None
    home_lng: float | None
    lat: float | None
    lng: float | None
    position_at: datetime | None
    hos_minutes_remaining: int
    vehicle_id: uuid.UUID | None
    current_shipment_id: uuid.UUID | None
    deactivated_at: datetime | None
    created_at: datetime


class DriverPublic(BaseModel):
    """What a customer may know of the driver carrying their load, and nothing more."""

    id: uuid.UUID
    full_name: str
    phone: str | None = Field(description="masked: the last four digits only")
    vehicle_number: str | None = Field(description="the plate of the driver's vehicle")


class DriverPage(BaseModel):
    items: list[DriverRead]
    next_cursor: str | None


class VehicleCreate(Input):
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    kind: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    equipment_type: EquipmentType
    capacity_kg: Annotated[float, Field(gt=0, le=100_000)]
    vin: Annotated[str, StringConstraints(pattern=r"^[A-HJ-NPR-Z0-9]{17}$")] | None = None
    status: VehicleStatus = VehicleStatus.ACTIVE


class VehicleUpdate(Input):
    number: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None
    ) = None
    kind: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None
    ) = None
    equipment_type: EquipmentType | None = None
    capacity_kg: Annotated[float, Field(gt=0, le=100_000)] | None = None
    vin: Annotated[str, StringConstraints(pattern=r"^[A-HJ-NPR-Z0-9]{17}$")] | None = None
    status: VehicleStatus | None = None


class VehicleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str
    kind: str
    equipment_type: str
    capacity_kg: float
    vin: str | None
    status: VehicleStatus
    out_of_service_reason: str | None
    created_at: datetime


class VehiclePage(BaseModel):
    items: list[VehicleRead]
    next_cursor: str | None


class DeviceCreate(Input):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = (
        Field(default="Traccar Client", description='which phone, e.g. "Drew\'s Android"')
    )


class DeviceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    driver_id: uuid.UUID
    name: str
    token_hint: str = Field(description="the identifier's last characters, to tell it apart")
    created_at: datetime
    last_seen_at: datetime | None
    last_battery_pct: float | None
    revoked_at: datetime | None


class DeviceIssued(DeviceRead):
    identifier: str = Field(
        description="the Traccar Client app's device identifier: shown this once, then only "
        "its hash is kept"
    )


class DeviceList(BaseModel):
    items: list[DeviceRead]
