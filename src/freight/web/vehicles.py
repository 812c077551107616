"""The vehicles pages (dispatchers and admins): the list with the add form, editing a
vehicle, and taking it out of service with a reason (out of dispatch: the board's picker
refuses its driver and plans skip them) or back in service.

Writes go through ``fleet.service`` and ``fleet.console``; their ``vehicle.*`` events
move the board live once committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from freight.access import Actor, Role
from freight.deps import Context, SessionDep
from freight.errors import Conflict
from freight.fleet import console
from freight.fleet import service as fleet
from freight.fleet.schemas import VehicleCreate, VehicleUpdate
from freight.identity.organization import Presentation
from freight.web import fleet_forms as ff
from freight.web.admin_forms import Errors, notice
from freight.web.auth import CsrfForm, text, web_role
from freight.web.forms import Failure, Rerender, said, submit
from freight.web.templating import presentation_of, renderer

router = APIRouter(include_in_schema=False)

Staff = Annotated[Actor, Depends(web_role(Role.DISPATCHER, Role.ADMIN))]
NUMBER_TAKEN = "Another vehicle already has this number"
Show = Callable[[int, Errors], Awaitable[Response]]
Page = Callable[..., Awaitable[Response]]


def _equipment() -> list[tuple[str, str]]:
    return [("", "Choose…")] + [(e, e.replace("_", " ").capitalize()) for e in ff.EQUIPMENT]


async def _list_page(
    request: Request,
    actor: Actor,
    session: SessionDep,
    *,
    status_code: int = 200,
    errors: Errors | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    vehicles = await console.vehicles_by_number(session, actor)
    return renderer(request)(
        request,
        "vehicles.html",
        actor=actor,
        status_code=status_code,
        vehicles=vehicles,
        drivers=await console.drivers_by_vehicle(session, actor),
        equipment=_equipment(),
        errors=errors or {},
        values=values or {"kind": "tractor", "equipment_type": "dry_van"},
        notice=notice(request.query_params.get("done")),
    )


def _again(show: Show, shown: Presentation) -> Rerender:
    async def again(failure: Failure) -> Response:
        errors = dict(failure.errors)
        if isinstance(failure.error, Conflict):
            errors = {"number": NUMBER_TAKEN}
        return await show(failure.status, errors)

    return said(ff.vehicle_messages(shown), again)


@router.get("/app/vehicles")
async def vehicles_page(request: Request, actor: Staff, session: SessionDep) -> Response:
    """Every vehicle: number, equipment, capacity, and whether it is in service."""
    return await _list_page(request, actor, session)


@router.post("/app/vehicles")
async def add_vehicle(
    request: Request, form: CsrfForm, actor: Staff, session: SessionDep, ctx: Context
) -> Response:
    """Add a vehicle."""
    values = ff.vehicle_values(form)

    async def add() -> Any:
        body = VehicleCreate.model_validate(ff.vehicle_body(values, presentation_of(request)))
        return await fleet.create_vehicle(session, actor, body)

    async def show(status: int, errors: Errors) -> Response:
        return await _list_page(
            request, actor, session, status_code=status, errors=errors, values=values
        )

    return await submit(
        ctx,
        session,
        add,
        done=lambda v: f"/app/vehicles/{v.id}?done=vehicle-created",
        failed=_again(show, presentation_of(request)),
        fields=ff.VEHICLE_FIELDS,
    )


async def _vehicle_page(
    request: Request,
    actor: Actor,
    session: SessionDep,
    vehicle_id: uuid.UUID,
    *,
    status_code: int = 200,
    errors: Errors | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    vehicle = await fleet.get_vehicle(session, actor, vehicle_id)
    if values is None:
        values = {
            "number": vehicle.number,
            "kind": vehicle.kind,
            "equipment_type": vehicle.equipment_type,
            "capacity": ff.capacity_text(vehicle.capacity_kg, presentation_of(request)),
            "vin": vehicle.vin or "",
        }
    return renderer(request)(
        request,
        "vehicle_edit.html",
        actor=actor,
        status_code=status_code,
        vehicle=vehicle,
        driver=(await console.drivers_by_vehicle(session, actor)).get(vehicle.id),
        equipment=_equipment(),
        errors=errors or {},
        values=values,
        notice=notice(request.query_params.get("done")),
    )


@router.get("/app/vehicles/{vehicle_id:uuid}")
async def vehicle_page(
    vehicle_id: uuid.UUID, request: Request, actor: Staff, session: SessionDep
) -> Response:
    """One vehicle: its details and whether it is in service."""
    return await _vehicle_page(request, actor, session, vehicle_id)


def _rerender(request: Request, actor: Actor, session: SessionDep, vehicle_id: uuid.UUID) -> Page:
    async def show(status: int, errors: Errors, values: dict[str, str] | None = None) -> Response:
        return await _vehicle_page(
            request, actor, session, vehicle_id, status_code=status, errors=errors, values=values
        )

    return show


@router.post("/app/vehicles/{vehicle_id:uuid}")
async def edit_vehicle(
    vehicle_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: Staff,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Save a vehicle's details."""
    values = ff.vehicle_values(form)
    page = _rerender(request, actor, session, vehicle_id)

    async def edit() -> Any:
        body = VehicleUpdate.model_validate(ff.vehicle_body(values, presentation_of(request)))
        changes = body.model_dump(exclude_unset=True)
        return await fleet.update_vehicle(session, actor, vehicle_id, changes)

    async def show(status: int, errors: Errors) -> Response:
        return await page(status, errors, values)

    return await submit(
        ctx,
        session,
        edit,
        done=f"/app/vehicles/{vehicle_id}?done=vehicle-updated",
        failed=_again(show, presentation_of(request)),
        fields=ff.VEHICLE_FIELDS,
        error_page=(404,),
    )


@router.post("/app/vehicles/{vehicle_id:uuid}/service")
async def set_service(
    vehicle_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: Staff,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Take a vehicle out of service with a reason, or put it back."""
    back = text(form, "in_service") == "true"
    reason = text(form, "reason")
    page = _rerender(request, actor, session, vehicle_id)

    async def change() -> Any:
        if back:
            return await console.return_to_service(session, actor, vehicle_id)
        return await console.take_out_of_service(session, actor, vehicle_id, reason)

    async def show(failure: Failure) -> Response:
        return await page(failure.status, {"reason": "Say why, in at most 200 characters"})

    done = "vehicle-back" if back else "vehicle-out"
    return await submit(
        ctx,
        session,
        change,
        done=f"/app/vehicles/{vehicle_id}?done={done}",
        failed=show,
        fields=ff.VEHICLE_FIELDS,
        error_page=(404,),
    )
