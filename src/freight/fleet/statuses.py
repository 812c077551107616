"""The fleet's vocabularies: what a driver's and a vehicle's ``status`` may be."""

from __future__ import annotations

from enum import StrEnum


class DriverStatus(StrEnum):
    AVAILABLE = "available"
    OFF_DUTY = "off_duty"


class VehicleStatus(StrEnum):
    ACTIVE = "active"
    MAINTENANCE = "maintenance"
    RETIRED = "retired"
