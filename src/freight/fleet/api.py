"""Routes for drivers, vehicles, availability and a driver's own loads."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status

from freight.access import Actor, Role
from freight.deps import (
    DEFAULT_LIMIT,
    Context,
    CurrentUser,
    Cursor,
    Limit,
    SessionDep,
    Staff,
    require_role,
)
from freight.errors import Forbidden
from freight.fleet import console, devices, service
from freight.fleet.schemas import (
    Availability,
    DeviceCreate,
    DeviceIssued,
    DeviceList,
    DeviceRead,
    DriverActive,
    DriverCreate,
    DriverPage,
    DriverPublic,
    DriverRead,
    DriverUpdate,
    VehicleCreate,
    VehiclePage,
    VehicleRead,
    VehicleService,
    VehicleUpdate,
)
from freight.openapi import problems
from freight.shipments import queries
from freight.shipments.schemas import DriverLoads, ShipmentRead

drivers = APIRouter(prefix="/api/drivers", tags=["drivers"])
vehicles = APIRouter(prefix="/api/vehicles", tags=["vehicles"])

DriverUser = Annotated[Actor, Depends(require_role(Role.DRIVER))]
NotCustomer = Annotated[Actor, Depends(require_role(Role.DRIVER, Role.DISPATCHER, Role.ADMIN))]


@drivers.get("")
async def list_drivers(
    actor: Staff,
    session: SessionDep,
    status_: Annotated[
        Literal["available", "off_duty", "free"] | None, Query(alias="status")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> DriverPage:
    """Drivers, newest first; ``status=free`` means available and holding no load."""
    rows, next_cursor = await service.list_drivers(session, actor, status_, limit, cursor)
    return DriverPage(items=[service.driver_view(actor, d) for d in rows], next_cursor=next_cursor)


@drivers.post("", status_code=status.HTTP_201_CREATED, responses=problems(409))
async def create_driver(
    body: DriverCreate, actor: Staff, session: SessionDep, ctx: Context
) -> DriverRead:
    """Add a driver, optionally linked to a driver user."""
    driver = await service.create_driver(session, actor, body)
    await ctx.commit(session)  # its event drops the linked user's cached access facts
    return service.driver_view(actor, driver)


@drivers.get("/me/loads")
async def my_loads(actor: DriverUser, session: SessionDep) -> DriverLoads:
    """The signed-in driver's assigned and active loads, next pickup first."""
    rows = await queries.my_loads(session, actor)
    return DriverLoads(items=[ShipmentRead.model_validate(s) for s in rows])


@drivers.get("/{driver_id}")
async def get_driver(
    driver_id: uuid.UUID, actor: CurrentUser, session: SessionDep
) -> DriverRead | DriverPublic:
    """One driver (staff, or the driver themself); a customer gets the minimal view."""
    theirs = actor.role == Role.CUSTOMER and await queries.carries_a_load_of(
        session, driver_id, actor.customer_id
    )
    driver = await service.get_driver(session, actor, driver_id, theirs)
    if actor.role == Role.CUSTOMER:
        return await service.customer_driver_view(session, driver)
    return service.driver_view(actor, driver)


@drivers.patch("/{driver_id}", responses=problems(409))
async def update_driver(
    driver_id: uuid.UUID, body: DriverUpdate, actor: Staff, session: SessionDep, ctx: Context
) -> DriverRead:
    """Change a driver's details."""
    driver = await service.update_driver(session, actor, driver_id, body)
    # A new user link drops both users' cached access facts and closes their sockets.
    await ctx.commit(session)
    return service.driver_view(actor, driver)


@drivers.put("/{driver_id}/availability")
async def set_availability(
    driver_id: uuid.UUID, body: Availability, actor: NotCustomer, session: SessionDep, ctx: Context
) -> DriverRead:
    """Go on or off duty (the driver themself, or a dispatcher)."""
    if actor.role == Role.DRIVER and actor.driver_id != driver_id:
        raise Forbidden("drivers set only their own availability")
    driver = await service.set_availability(session, actor, driver_id, body.status)
    await ctx.commit(session)
    return service.driver_view(actor, driver)


@drivers.put("/{driver_id}/active", responses=problems(409))
async def set_active(
    driver_id: uuid.UUID, body: DriverActive, actor: Staff, session: SessionDep, ctx: Context
) -> DriverRead:
    """Deactivate a driver (409 while they hold a load) or reactivate them (off duty)."""
    driver = await console.set_active(session, actor, driver_id, body.active)
    await ctx.commit(session)
    return service.driver_view(actor, driver)


@vehicles.get("")
async def list_vehicles(
    actor: Staff, session: SessionDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> VehiclePage:
    """Vehicles, newest first."""
    rows, next_cursor = await service.list_vehicles(session, actor, limit, cursor)
    return VehiclePage(
        items=[service.vehicle_view(actor, v) for v in rows], next_cursor=next_cursor
    )


@vehicles.post("", status_code=status.HTTP_201_CREATED, responses=problems(409))
async def create_vehicle(
    body: VehicleCreate, actor: Staff, session: SessionDep, ctx: Context
) -> VehicleRead:
    """Add a vehicle."""
    vehicle = await service.create_vehicle(session, actor, body)
    await ctx.commit(session)
    return service.vehicle_view(actor, vehicle)


@vehicles.get("/{vehicle_id}")
async def get_vehicle(vehicle_id: uuid.UUID, actor: Staff, session: SessionDep) -> VehicleRead:
    """One vehicle."""
    return service.vehicle_view(actor, await service.get_vehicle(session, actor, vehicle_id))


@vehicles.patch("/{vehicle_id}", responses=problems(409))
async def update_vehicle(
    vehicle_id: uuid.UUID, body: VehicleUpdate, actor: Staff, session: SessionDep, ctx: Context
) -> VehicleRead:
    """Change a vehicle."""
    changes = body.model_dump(exclude_unset=True)
    vehicle = await service.update_vehicle(session, actor, vehicle_id, changes)
    await ctx.commit(session)
    return service.vehicle_view(actor, vehicle)


@vehicles.put("/{vehicle_id}/service")
async def set_service(
    vehicle_id: uuid.UUID, body: VehicleService, actor: Staff, session: SessionDep, ctx: Context
) -> VehicleRead:
    """Take a vehicle out of service with a reason (its driver leaves dispatch), or back."""
    if body.in_service:
        vehicle = await console.return_to_service(session, actor, vehicle_id)
    else:
        vehicle = await console.take_out_of_service(session, actor, vehicle_id, body.reason or "")
    await ctx.commit(session)
    return service.vehicle_view(actor, vehicle)


@drivers.post("/{driver_id}/devices", status_code=status.HTTP_201_CREATED)
async def issue_device(
    driver_id: uuid.UUID, body: DeviceCreate, actor: Staff, session: SessionDep, ctx: Context
) -> DeviceIssued:
    """A device identifier for the driver's Traccar Client app, shown this once."""
    issued = await devices.issue(session, actor, driver_id, body.name)
    await ctx.commit(session)
    return DeviceIssued.model_validate(
        {**DeviceRead.model_validate(issued.device).model_dump(), "identifier": issued.identifier}
    )


@drivers.get("/{driver_id}/devices")
async def list_devices(driver_id: uuid.UUID, actor: Staff, session: SessionDep) -> DeviceList:
    """The driver's devices, newest first, with when each last reported."""
    rows = await devices.listed(session, actor, driver_id)
    return DeviceList(items=[DeviceRead.model_validate(d) for d in rows])


@drivers.delete("/{driver_id}/devices/{device_id}")
async def revoke_device(
    driver_id: uuid.UUID, device_id: uuid.UUID, actor: Staff, session: SessionDep, ctx: Context
) -> DeviceRead:
    """Refuse the device's identifier from now on."""
    device = await devices.revoke(session, actor, driver_id, device_id)
    await ctx.commit(session)
    return DeviceRead.model_validate(device)
