"""Fleet use cases: drivers (with masked personal data), vehicles, availability.

Every change records an organisation-wide event (``driver.created``, ``driver.updated``,
``driver.availability_changed``, ``vehicle.created``, ``vehicle.updated``) in the
caller's transaction. Events name the fields that changed and carry the values of
ids, statuses and equipment only: names, phones, licences, VINs, plates and positions
stay out of the audit log.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor, Role, get_scoped, scoped
from freight.db import utcnow
from freight.errors import Conflict, Forbidden, NotFound, invalid
from freight.fleet.models import Driver, Vehicle, driver_is_free
from freight.fleet.schemas import (
    DriverCreate,
    DriverPublic,
    DriverRead,
    DriverUpdate,
    VehicleCreate,
    VehicleRead,
)
from freight.fleet.statuses import DriverStatus
from freight.identity.models import User
from freight.pagination import page_newest_first

# The fields whose values an event may carry; any other change is named, not copied.
DRIVER_VALUES = ("user_id", "status", "equipment_types", "vehicle_id")
VEHICLE_VALUES = ("equipment_type", "status")


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, str) else value  # a StrEnum becomes its value


def _diff(
    row: Any, before: dict[str, Any], shown: tuple[str, ...]
) -> tuple[list[str], dict[str, list[Any]]]:
    """The fields that changed on ``row`` since ``before``, and the old and new values of
    those among ``shown``."""
    fields = sorted(f for f, old in before.items() if getattr(row, f) != old)
    values = {f: [_plain(before[f]), _plain(getattr(row, f))] for f in fields if f in shown}
    return fields, values


def mask(value: str | None) -> str | None:
    """Keep the last four characters: ``****1234``."""
    if value is None:
        return None
    return "****" + value[-4:] if len(value) > 4 else "****"


def may_see_personal(actor: Actor, driver: Driver) -> bool:
    """Admins, dispatchers and the driver see licence and phone in full."""
    return actor.is_staff or (actor.driver_id is not None and actor.driver_id == driver.id)


def driver_view(actor: Actor, driver: Driver) -> DriverRead:
    """The driver as this caller may see them."""
    read = DriverRead.model_validate(driver)
    if not may_see_personal(actor, driver):
        read.phone = mask(read.phone)
        read.license_number = mask(read.license_number)
    return read


async def customer_driver_view(session: AsyncSession, driver: Driver) -> DriverPublic:
    """The minimal view a customer gets of their load's driver: name, masked phone, plate."""
    plate = (
        await session.scalar(select(Vehicle.number).where(Vehicle.id == driver.vehicle_id))
        if driver.vehicle_id
        else None
    )
    return DriverPublic(
        id=driver.id, full_name=driver.full_name, phone=mask(driver.phone), vehicle_number=plate
    )


def vehicle_view(actor: Actor, vehicle: Vehicle) -> VehicleRead:
    """The vehicle, with the VIN masked for anyone but staff."""
    read = VehicleRead.model_validate(vehicle)
    if not actor.is_staff:
        read.vin = mask(read.vin)
    return read


async def driver_id_for_user(session: AsyncSession, user_id: uuid.UUID) -> uuid.UUID | None:
    """The driver record of a driver user, if any."""
    found: uuid.UUID | None = await session.scalar(
        select(Driver.id).where(Driver.user_id == user_id)
    )
    return found


async def _check_links(session: AsyncSession, actor: Actor, changes: dict[str, Any]) -> None:
    user_id = changes.get("user_id")
    if user_id is not None:
        user = await session.get(User, user_id)
        if (
            user is None
            or user.organization_id != actor.organization_id
            or user.role != Role.DRIVER
        ):
            raise invalid("body", "user_id", msg="no such driver user")
    vehicle_id = changes.get("vehicle_id")
    if vehicle_id is not None:
        try:
            await get_scoped(session, Vehicle, actor, vehicle_id)
        except NotFound:
            raise invalid("body", "vehicle_id", msg="no such vehicle") from None


async def _flush_unique(session: AsyncSession, what: str) -> None:
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(what) from None


async def create_driver(session: AsyncSession, actor: Actor, body: DriverCreate) -> Driver:
    """Add a driver to the organisation."""
    values = body.model_dump()
    await _check_links(session, actor, values)
    driver = Driver(organization_id=actor.organization_id, **values)
    session.add(driver)
    await _flush_unique(session, "this user already has a driver record")
    data = {"driver_id": str(driver.id)} | {f: _plain(getattr(driver, f)) for f in DRIVER_VALUES}
    await events.record(session, actor, driver.organization_id, "driver.created", data)
    return driver


async def get_driver(
    session: AsyncSession, actor: Actor, driver_id: uuid.UUID, carries_their_load: bool = False
) -> Driver:
    """Staff see every driver, a driver themself, a customer the driver of their active load
    (``carries_their_load``, which the caller asks ``shipments.queries.carries_a_load_of``)."""
    if actor.role == Role.CUSTOMER:
        if not carries_their_load:
            raise NotFound("driver", driver_id)
    elif not actor.is_staff and actor.driver_id != driver_id:
        raise NotFound("driver", driver_id)
    return await get_scoped(session, Driver, actor, driver_id)


async def list_drivers(
    session: AsyncSession, actor: Actor, status: str | None, limit: int, cursor: str | None
) -> tuple[Sequence[Driver], str | None]:
    """Drivers of the organisation, newest first, optionally by status."""
    stmt = scoped(Driver, actor)
    if status == "free":
        stmt = stmt.where(driver_is_free())
    elif status is not None:
        stmt = stmt.where(Driver.status == status)
    return await page_newest_first(session, Driver, stmt, limit, cursor)


async def update_driver(
    session: AsyncSession, actor: Actor, driver_id: uuid.UUID, body: DriverUpdate
) -> Driver:
    """Change a driver (staff)."""
    driver = await get_driver(session, actor, driver_id)
    changes = body.model_dump(exclude_unset=True)
    if driver.deactivated_at is not None and changes.get("status") == DriverStatus.AVAILABLE:
        raise Conflict("this driver is deactivated: reactivate them first")
    await _check_links(session, actor, changes)
    before = {field: getattr(driver, field) for field in changes}
    for field, value in changes.items():
        if value is None and field in (
            "full_name",
            "equipment_types",
            "status",
            "hos_minutes_remaining",
        ):
            continue
        setattr(driver, field, value)
    if "lat" in changes or "lng" in changes:
        driver.position_at = utcnow()
    await _flush_unique(session, "this user already has a driver record")
    fields, values = _diff(driver, before, DRIVER_VALUES)
    if fields:
        data = {"driver_id": str(driver.id), "fields": fields, "changes": values}
        await events.record(session, actor, driver.organization_id, "driver.updated", data)
    if "user_id" in values:  # whose loads the old and the new user's sockets may see
        for user_id in filter(None, (before["user_id"], driver.user_id)):
            events.end_live_sessions(session, user_id, "driver link changed")
    return driver


async def set_availability(
    session: AsyncSession, actor: Actor, driver_id: uuid.UUID, status: str
) -> Driver:
    """A driver goes on or off duty (themself, or a dispatcher for them)."""
    if actor.role == Role.CUSTOMER:
        raise Forbidden("customers cannot change a driver's availability")
    driver = await get_driver(session, actor, driver_id)
    if driver.deactivated_at is not None and status == DriverStatus.AVAILABLE:
        raise Conflict("this driver is deactivated: reactivate them first")
    previous = driver.status
    driver.status = status
    await session.flush()
    if previous != driver.status:
        data = {
            "driver_id": str(driver.id),
            "status": _plain(driver.status),
            "changes": {"status": [_plain(previous), _plain(driver.status)]},
        }
        await events.record(
            session, actor, driver.organization_id, "driver.availability_changed", data
        )
    return driver


async def claim(session: AsyncSession, driver_id: uuid.UUID, shipment_id: uuid.UUID) -> bool:
    """Atomically give the driver this load; False when they already hold one (or were
    deactivated meanwhile)."""
    result = await session.execute(
        update(Driver)
        .where(
            Driver.id == driver_id,
            Driver.current_shipment_id.is_(None),
            Driver.deactivated_at.is_(None),
        )
        .values(current_shipment_id=shipment_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def release(session: AsyncSession, shipment_id: uuid.UUID) -> None:
    """Free whichever driver holds this load."""
    await session.execute(
        update(Driver)
        .where(Driver.current_shipment_id == shipment_id)
        .values(current_shipment_id=None)
        .execution_options(synchronize_session=False)
    )


# --- vehicles ------------------------------------------------------------------------


async def create_vehicle(session: AsyncSession, actor: Actor, body: VehicleCreate) -> Vehicle:
    """Add a vehicle; numbers are unique in the organisation."""
    vehicle = Vehicle(organization_id=actor.organization_id, **body.model_dump())
    session.add(vehicle)
    await _flush_unique(session, "a vehicle with this number already exists")
    data = {"vehicle_id": str(vehicle.id)}
    data |= {f: _plain(getattr(vehicle, f)) for f in VEHICLE_VALUES}
    await events.record(session, actor, vehicle.organization_id, "vehicle.created", data)
    return vehicle


async def get_vehicle(session: AsyncSession, actor: Actor, vehicle_id: uuid.UUID) -> Vehicle:
    """One vehicle of the organisation."""
    return await get_scoped(session, Vehicle, actor, vehicle_id)


async def list_vehicles(
    session: AsyncSession, actor: Actor, limit: int, cursor: str | None
) -> tuple[Sequence[Vehicle], str | None]:
    """Vehicles, newest first."""
    return await page_newest_first(session, Vehicle, scoped(Vehicle, actor), limit, cursor)


async def update_vehicle(
    session: AsyncSession, actor: Actor, vehicle_id: uuid.UUID, changes: dict[str, Any]
) -> Vehicle:
    """Change a vehicle."""
    vehicle = await get_vehicle(session, actor, vehicle_id)
    before = {field: getattr(vehicle, field) for field in changes}
    for field, value in changes.items():
        if value is not None or field in ("vin", "out_of_service_reason"):
            setattr(vehicle, field, value)
    await _flush_unique(session, "a vehicle with this number already exists")
    fields, values = _diff(vehicle, before, VEHICLE_VALUES)
    if fields:
        data = {"vehicle_id": str(vehicle.id), "fields": fields, "changes": values}
        await events.record(session, actor, vehicle.organization_id, "vehicle.updated", data)
    return vehicle
