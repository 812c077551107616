"""Drivers and vehicles."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    String,
    and_,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from freight.db import Base, TenantMixin, in_check, utcnow
from freight.fleet.statuses import DriverStatus, VehicleStatus
from freight.security.encryption import EncryptedString


class Driver(TenantMixin, Base):
    __tablename__ = "drivers"
    __table_args__ = (
        CheckConstraint(in_check("status", DriverStatus), name="status"),
        CheckConstraint("hos_minutes_remaining >= 0", name="hos_not_negative"),
        Index("uq_drivers_org_external_ref", "organization_id", "external_ref", unique=True),
    )

    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True, default=None
    )
    full_name: Mapped[str] = mapped_column(String(200))
    # The importing client's own key for the driver (``freight.imports``), unique per tenant.
    external_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    phone: Mapped[str | None] = mapped_column(EncryptedString(), default=None)
    license_number: Mapped[str | None] = mapped_column(EncryptedString(), default=None)
    license_region: Mapped[str | None] = mapped_column(String(60), default=None)
    equipment_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=DriverStatus.OFF_DUTY)
    home_lat: Mapped[float | None] = mapped_column(Float, default=None)
    home_lng: Mapped[float | None] = mapped_column(Float, default=None)
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    lng: Mapped[float | None] = mapped_column(Float, default=None)
    position_at: Mapped[datetime | None] = mapped_column(default=None)
    # Minutes left in the driver's 70-hour / 8-day duty cycle.
    hos_minutes_remaining: Mapped[int] = mapped_column(default=4200)
    vehicle_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vehicles.id", ondelete="SET NULL"), default=None
    )
    # The load the driver holds (ASSIGNED to DELIVERED); claimed with a conditional UPDATE.
    current_shipment_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    # Set when the driver no longer drives for the carrier: kept, never offered a load.
    deactivated_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def position(self) -> tuple[float, float] | None:
        """Where the driver is: the last fix, else home."""
        if self.lat is not None and self.lng is not None:
            return self.lat, self.lng
        if self.home_lat is not None and self.home_lng is not None:
            return self.home_lat, self.home_lng
        return None


def driver_is_free() -> ColumnElement[bool]:
    """Active, available, holding no load and not tied to a truck out of service: the
    drivers a load can be given to (``dispatch.assignment.refusal`` says why not)."""
    in_service = select(Vehicle.id).where(Vehicle.status == VehicleStatus.ACTIVE)
    return and_(
        Driver.status == DriverStatus.AVAILABLE,
        Driver.current_shipment_id.is_(None),
        Driver.deactivated_at.is_(None),
        or_(Driver.vehicle_id.is_(None), Driver.vehicle_id.in_(in_service)),
    )


class Vehicle(TenantMixin, Base):
    __tablename__ = "vehicles"
    __table_args__ = (
        Index("uq_vehicles_org_number", "organization_id", "number", unique=True),
        CheckConstraint(in_check("status", VehicleStatus), name="status"),
    )

    number: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    equipment_type: Mapped[str] = mapped_column(String(16))
    capacity_kg: Mapped[float] = mapped_column(Float)
    vin: Mapped[str | None] = mapped_column(EncryptedString(), default=None)
    status: Mapped[str] = mapped_column(String(16), default=VehicleStatus.ACTIVE)
    # What the dispatcher gave as the reason when taking the vehicle out of dispatch.
    out_of_service_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DriverDevice(TenantMixin, Base):
    """A phone app (Traccar Client) that reports a driver's positions by its identifier.

    The identifier is a secret shown once when issued; only its SHA-256 is kept. A revoked
    device's identifier is refused from then on.
    """

    __tablename__ = "driver_devices"
    __table_args__ = (
        Index("uq_driver_devices_token", "token_sha256", unique=True),
        Index("ix_driver_devices_driver", "driver_id", "created_at"),
    )

    driver_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64))
    token_hint: Mapped[str] = mapped_column(String(8))  # the last characters, to tell apart
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    last_seen_at: Mapped[datetime | None] = mapped_column(default=None)
    last_battery_pct: Mapped[float | None] = mapped_column(Float, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
