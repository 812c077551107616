"""The fleet console's use cases: the driver roster, a driver and their login in one step,
deactivating a driver, and taking a vehicle out of dispatch with a reason.

Like ``fleet.service``, every change records a ``driver.*`` or ``vehicle.*`` event in the
caller's transaction, which the board follows live once the caller commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor, Role, scoped
from freight.db import utcnow
from freight.errors import Conflict, Forbidden, invalid
from freight.fleet.models import Driver, Vehicle, driver_is_free
from freight.fleet.schemas import DriverCreate, DriverUpdate
from freight.fleet.service import (
    DRIVER_VALUES,
    _diff,
    create_driver,
    get_driver,
    update_driver,
    update_vehicle,
)
from freight.fleet.statuses import DriverStatus, VehicleStatus
from freight.identity import service as identity
from freight.identity.models import User
from freight.identity.schemas import UserCreate
from freight.security.passwords import PasswordHasher

ROSTER_LIMIT = 200
# The roster's status filter: a driver status, "free" (available without a load) or
# "inactive" (deactivated); without one, every active driver.
ROSTER_FILTERS = ("available", "off_duty", "free", "inactive")


@dataclass(frozen=True)
class RosterRow:
    """A driver on the roster with their truck."""

    driver: Driver
    vehicle: Vehicle | None


@dataclass(frozen=True)
class Login:
    """A new sign-in for a driver: their email and first password."""

    email: str
    password: str


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def roster(
    session: AsyncSession, actor: Actor, q: str | None = None, status: str | None = None
) -> tuple[list[RosterRow], bool]:
    """The organisation's drivers by name, matching ``q`` (name or truck number) and
    ``status``; and whether there are more than the page shows."""
    if status is not None and status not in ROSTER_FILTERS:
        raise invalid("query", "status", msg=f"one of {', '.join(ROSTER_FILTERS)}")
    stmt = scoped(Driver, actor)
    if status == "inactive":
        stmt = stmt.where(Driver.deactivated_at.is_not(None))
    else:
        stmt = stmt.where(Driver.deactivated_at.is_(None))
    if status == "free":
        stmt = stmt.where(driver_is_free())
    elif status in ("available", "off_duty"):
        stmt = stmt.where(Driver.status == status)
    if q and q.strip():
        pattern = _like(q.strip())
        trucks = scoped(Vehicle, actor).where(func.lower(Vehicle.number).like(pattern, escape="\\"))
        stmt = stmt.where(
            or_(
                func.lower(Driver.full_name).like(pattern, escape="\\"),
                Driver.vehicle_id.in_(trucks.with_only_columns(Vehicle.id)),
            )
        )
    stmt = stmt.order_by(Driver.full_name, Driver.id).limit(ROSTER_LIMIT + 1)
    drivers = list((await session.execute(stmt)).scalars())[: ROSTER_LIMIT + 1]
    ids = {d.vehicle_id for d in drivers if d.vehicle_id}
    vehicles: dict[uuid.UUID, Vehicle] = {}
    if ids:
        found = await session.execute(scoped(Vehicle, actor).where(Vehicle.id.in_(ids)))
        vehicles = {v.id: v for v in found.scalars()}
    rows = [RosterRow(d, vehicles.get(d.vehicle_id) if d.vehicle_id else None) for d in drivers]
    return rows[:ROSTER_LIMIT], len(rows) > ROSTER_LIMIT


async def vehicles_by_number(session: AsyncSession, actor: Actor) -> list[Vehicle]:
    """Every vehicle of the organisation by number, for a list or a picker."""
    found = await session.execute(scoped(Vehicle, actor).order_by(Vehicle.number).limit(1000))
    return list(found.scalars())


async def drivers_by_vehicle(session: AsyncSession, actor: Actor) -> dict[uuid.UUID, Driver]:
    """Which active driver has each truck (for the vehicles list)."""
    stmt = scoped(Driver, actor).where(
        Driver.vehicle_id.is_not(None), Driver.deactivated_at.is_(None)
    )
    return {d.vehicle_id: d for d in (await session.execute(stmt)).scalars() if d.vehicle_id}


async def unlinked_driver_users(session: AsyncSession, actor: Actor) -> list[User]:
    """Active driver users without a driver record: the logins a driver can be linked to."""
    linked = select(Driver.user_id).where(Driver.user_id.is_not(None))
    stmt = (
        scoped(User, actor)
        .where(User.role == Role.DRIVER, User.is_active.is_(True), User.id.not_in(linked))
        .order_by(User.full_name)
        .limit(500)
    )
    return list((await session.execute(stmt)).scalars())


def _staff_only(actor: Actor) -> None:
    if not actor.is_staff:
        raise Forbidden("only dispatchers and admins manage the fleet")


async def _new_login(
    session: AsyncSession,
    actor: Actor,
    hasher: PasswordHasher,
    name: str,
    login: Login,
    min_length: int,
) -> uuid.UUID:
    body = UserCreate.model_validate(
        {"email": login.email, "full_name": name, "role": Role.DRIVER, "password": login.password}
    )
    user = await identity.create_user(session, actor, hasher, body, min_length)
    return user.id


async def add_driver(
    session: AsyncSession,
    actor: Actor,
    hasher: PasswordHasher,
    body: DriverCreate,
    login: Login | None,
    min_length: int,
) -> Driver:
    """Add a driver, with a new login (``login``) or linked to ``body.user_id``: one step."""
    _staff_only(actor)
    if login is not None:
        if body.user_id is not None:
            raise invalid("body", "user_id", msg="link an existing login or create one, not both")
        user_id = await _new_login(session, actor, hasher, body.full_name, login, min_length)
        body = body.model_copy(update={"user_id": user_id})
    return await create_driver(session, actor, body)


async def give_login(
    session: AsyncSession,
    actor: Actor,
    hasher: PasswordHasher,
    driver_id: uuid.UUID,
    login: Login,
    min_length: int,
) -> Driver:
    """Create a sign-in for a driver who has none, and link it."""
    _staff_only(actor)
    driver = await get_driver(session, actor, driver_id)
    if driver.user_id is not None:
        raise Conflict("this driver already has a login")
    user_id = await _new_login(session, actor, hasher, driver.full_name, login, min_length)
    return await update_driver(session, actor, driver_id, DriverUpdate(user_id=user_id))


async def set_active(
    session: AsyncSession, actor: Actor, driver_id: uuid.UUID, active: bool
) -> Driver:
    """Deactivate a driver (off duty, never offered a load) or bring them back."""
    _staff_only(actor)
    driver = await get_driver(session, actor, driver_id)
    if active == (driver.deactivated_at is None):
        return driver
    before = {f: getattr(driver, f) for f in ("deactivated_at", "status")}
    if active:
        driver.deactivated_at = None
        await session.flush()
    elif not await _deactivate(session, driver):
        raise Conflict("this driver holds a load: unassign or deliver it first")
    fields, values = _diff(driver, before, DRIVER_VALUES)
    kind = "driver.reactivated" if active else "driver.deactivated"
    data = {"driver_id": str(driver.id), "fields": fields, "changes": values}
    await events.record(session, actor, driver.organization_id, kind, data)
    return driver


async def _deactivate(session: AsyncSession, driver: Driver) -> bool:
    """Deactivate unless the driver holds a load, in one conditional UPDATE: an assignment
    claims the driver with one too (``service.claim``), so of the two racing, one loses."""
    result = await session.execute(
        update(Driver)
        .where(Driver.id == driver.id, Driver.current_shipment_id.is_(None))
        .values(deactivated_at=utcnow(), status=DriverStatus.OFF_DUTY)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(driver)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def take_out_of_service(
    session: AsyncSession, actor: Actor, vehicle_id: uuid.UUID, reason: str
) -> Vehicle:
    """Take a vehicle out of dispatch (in maintenance), saying why."""
    _staff_only(actor)
    reason = reason.strip()
    if not reason or len(reason) > 200:
        raise invalid("body", "reason", msg="say why, in at most 200 characters")
    changes = {"status": VehicleStatus.MAINTENANCE, "out_of_service_reason": reason}
    return await update_vehicle(session, actor, vehicle_id, changes)


async def return_to_service(session: AsyncSession, actor: Actor, vehicle_id: uuid.UUID) -> Vehicle:
    """Put a vehicle back into dispatch."""
    _staff_only(actor)
    changes = {"status": VehicleStatus.ACTIVE, "out_of_service_reason": None}
    return await update_vehicle(session, actor, vehicle_id, changes)
