"""The drivers pages (dispatchers and admins): the roster with search and status,
setting availability, adding a driver together with their login, editing one, giving
an existing driver a login, and deactivating or reactivating them.

Writes go through ``fleet.service`` and ``fleet.console``; the ``driver.*`` events they
record move the board live once committed.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from freight.access import Actor, Role
from freight.deps import Context, SessionDep
from freight.errors import Conflict, invalid
from freight.fleet import console, devices
from freight.fleet import service as fleet
from freight.fleet.schemas import DriverCreate, DriverUpdate
from freight.fleet.statuses import DriverStatus
from freight.identity import service as identity
from freight.shipments.queries import references
from freight.web import fleet_forms as ff
from freight.web.admin_forms import Errors, notice, parse_uuid
from freight.web.auth import CsrfForm, text, web_role
from freight.web.forms import Failure, said, submit
from freight.web.templating import presentation_of, renderer

router = APIRouter(include_in_schema=False)

Staff = Annotated[Actor, Depends(web_role(Role.DISPATCHER, Role.ADMIN))]
STATUS_FILTERS = [("", "Active drivers"), ("available", "Available"), ("free", "Free now")]
STATUS_FILTERS += [("off_duty", "Off duty"), ("inactive", "Deactivated")]
EMAIL_TAKEN = "A user with this email already exists"


@router.get("/app/drivers")
async def roster_page(
    request: Request, actor: Staff, session: SessionDep, q: str = "", status: str = ""
) -> Response:
    """Every driver: status, truck, hours left and the load they hold."""
    rows, more = await console.roster(session, actor, q, status or None)
    loads = await references(session, actor, (r.driver.current_shipment_id for r in rows))
    return renderer(request)(
        request,
        "drivers.html",
        actor=actor,
        rows=rows,
        more=more,
        loads=loads,
        q=q,
        status=status,
        filters=STATUS_FILTERS,
        hours=ff.hours,
        notice=notice(request.query_params.get("done")),
    )


@router.post("/app/drivers/{driver_id:uuid}/availability")
async def set_availability(
    driver_id: uuid.UUID, form: CsrfForm, actor: Staff, session: SessionDep, ctx: Context
) -> Response:
    """Put a driver on or off duty for them (back to the roster as it was filtered)."""
    status = text(form, "status")
    back = text(form, "back")
    back = back if back.startswith("/app/drivers") and "//" not in back else "/app/drivers"
    joiner = "&" if "?" in back else "?"

    async def change() -> object:
        if status not in tuple(DriverStatus):
            raise invalid("body", "status", msg="available or off duty")
        return await fleet.set_availability(session, actor, driver_id, DriverStatus(status))

    done = "driver-available" if status == DriverStatus.AVAILABLE else "driver-off-duty"
    return await submit(
        ctx, session, change, done=f"{back}{joiner}done={done}", error_page=(404, 409, 422)
    )


async def form_page(
    request: Request,
    actor: Actor,
    session: SessionDep,
    driver_id: uuid.UUID | None,
    *,
    status_code: int = 200,
    errors: Errors | None = None,
    values: dict[str, Any] | None = None,
    issued: devices.Issued | None = None,
) -> Response:
    driver = await fleet.get_driver(session, actor, driver_id) if driver_id else None
    if values is None:
        values = await _values_of(driver)
    vehicles = await console.vehicles_by_number(session, actor)
    logins = await console.unlinked_driver_users(session, actor)
    login_user = None
    if driver is not None and driver.user_id:
        login_user = (await identity.get_user(session, actor, driver.user_id)).email
    loads = await references(session, actor, [driver.current_shipment_id if driver else None])
    return renderer(request)(
        request,
        "driver_edit.html",
        actor=actor,
        status_code=status_code,
        driver=driver,
        values=values,
        errors=errors or {},
        vehicles=vehicles,
        logins=logins,
        login_user=login_user,
        loads=loads,
        devices=await devices.listed(session, actor, driver.id) if driver else [],
        issued=issued,
        osmand_url=str(request.base_url).rstrip("/") + "/api/tracking/osmand",
        equipment=ff.EQUIPMENT,
        hours=ff.hours,
        min_password=request.app.state.ctx.settings.password_min_length,
        notice=notice(request.query_params.get("done")),
    )


async def _values_of(driver: Any) -> dict[str, Any]:
    if driver is None:
        return {"equipment_types": ["dry_van"], "vehicle_id": ""} | ff.home_values(None, None)
    # in a worker thread: the first call loads the place index
    home = await anyio.to_thread.run_sync(ff.home_values, driver.home_lat, driver.home_lng)
    return {
        "full_name": driver.full_name,
        "phone": driver.phone or "",
        "license_number": driver.license_number or "",
        "license_region": driver.license_region or "",
        "equipment_types": list(driver.equipment_types),
        "vehicle_id": str(driver.vehicle_id or ""),
    } | home


def _again(
    request: Request,
    actor: Actor,
    session: SessionDep,
    driver_id: uuid.UUID | None,
    values: dict[str, Any],
) -> Any:
    async def again(failure: Failure) -> Response:
        errors = dict(failure.errors)
        if isinstance(failure.error, Conflict):
            message = failure.message or ""
            key = "email" if "email" in message or "user with" in message else "form"
            errors = {key: EMAIL_TAKEN if key == "email" else message}
        return await form_page(
            request,
            actor,
            session,
            driver_id,
            status_code=failure.status,
            errors=errors,
            values=values,
        )

    return said(ff.DRIVER_MESSAGES, again)


@router.get("/app/drivers/new")
async def new_driver_page(request: Request, actor: Staff, session: SessionDep) -> Response:
    """The form to add a driver, with their login."""
    return await form_page(request, actor, session, None)


@router.post("/app/drivers/new")
async def add_driver(
    request: Request, form: CsrfForm, actor: Staff, session: SessionDep, ctx: Context
) -> Response:
    """Add a driver; link a login or create one in the same step."""
    values = ff.driver_values(form) | {
        "user_id": text(form, "user_id"),
        "email": text(form, "email"),
    }
    login = ff.login_of(form)
    country = presentation_of(request).country

    async def add() -> Any:
        home = await ff.home_base(values, ctx.geocoder, country)
        body = ff.driver_body(values, home) | {"user_id": parse_uuid(values["user_id"])}
        return await console.add_driver(
            session,
            actor,
            ctx.passwords,
            DriverCreate.model_validate(body),
            login,
            ctx.settings.password_min_length,
        )

    return await submit(
        ctx,
        session,
        add,
        done=lambda d: f"/app/drivers/{d.id}?done=driver-created",
        failed=_again(request, actor, session, None, values),
        fields=ff.DRIVER_FIELDS,
    )


@router.get("/app/drivers/{driver_id:uuid}")
async def driver_page(
    driver_id: uuid.UUID, request: Request, actor: Staff, session: SessionDep
) -> Response:
    """One driver: their details, truck, login and whether they still drive."""
    return await form_page(request, actor, session, driver_id)


@router.post("/app/drivers/{driver_id:uuid}")
async def edit_driver(
    driver_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: Staff,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Save a driver's details."""
    values = ff.driver_values(form)
    country = presentation_of(request).country

    async def edit() -> Any:
        home = await ff.home_base(values, ctx.geocoder, country)
        update = DriverUpdate.model_validate(ff.driver_body(values, home))
        return await fleet.update_driver(session, actor, driver_id, update)

    return await submit(
        ctx,
        session,
        edit,
        done=f"/app/drivers/{driver_id}?done=driver-updated",
        failed=_again(request, actor, session, driver_id, values),
        fields=ff.DRIVER_FIELDS,
        error_page=(404,),
    )


@router.post("/app/drivers/{driver_id:uuid}/login")
async def driver_login(
    driver_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: Staff,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Link an existing driver login to this driver, or create one."""
    login = ff.login_of(form)
    user_id = parse_uuid(text(form, "user_id"))
    driver = await fleet.get_driver(session, actor, driver_id)
    typed = {"email": text(form, "email"), "user_id": text(form, "user_id")}
    values = await _values_of(driver) | typed

    async def link() -> Any:
        if login is not None:
            return await console.give_login(
                session, actor, ctx.passwords, driver_id, login, ctx.settings.password_min_length
            )
        if user_id is None:
            raise invalid("body", "user_id", msg="choose a login or create one")
        return await fleet.update_driver(session, actor, driver_id, DriverUpdate(user_id=user_id))

    return await submit(
        ctx,
        session,
        link,
        done=f"/app/drivers/{driver_id}?done=driver-login",
        failed=_again(request, actor, session, driver_id, values),
        fields=ff.DRIVER_FIELDS,
        error_page=(404,),
    )


@router.post("/app/drivers/{driver_id:uuid}/active")
async def driver_active(
    driver_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: Staff,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Deactivate a driver (never offered a load again) or reactivate them."""
    active = text(form, "active") == "true"
    driver = await fleet.get_driver(session, actor, driver_id)
    values = await _values_of(driver)
    done = "driver-reactivated" if active else "driver-deactivated"
    return await submit(
        ctx,
        session,
        lambda: console.set_active(session, actor, driver_id, active),
        done=f"/app/drivers/{driver_id}?done={done}",
        failed=_again(request, actor, session, driver_id, values),
        error_page=(404,),
    )
