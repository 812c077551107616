"""The Traccar Client app on a driver's page: issue a device identifier (shown once, on
the page that issued it, never in a redirect's URL) and revoke one."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from freight.deps import Context, SessionDep
from freight.errors import DomainError
from freight.fleet import devices
from freight.web.auth import CsrfForm, see_other, text
from freight.web.drivers import Staff, form_page

router = APIRouter(include_in_schema=False)
NAME_LIMIT = 100


@router.post("/app/drivers/{driver_id:uuid}/devices")
async def issue_device(
    driver_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: Staff,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """A new identifier for the driver's phone app, shown on this answer only."""
    name = text(form, "name").strip()[:NAME_LIMIT] or "Traccar Client"
    try:
        issued = await devices.issue(session, actor, driver_id, name)
        await ctx.commit(session)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        await session.rollback()
        return await form_page(
            request, actor, session, driver_id, status_code=exc.status,
            errors={"device-name": exc.detail or "That did not work."},
        )  # fmt: skip
    response = await form_page(request, actor, session, driver_id, issued=issued)
    response.headers["Cache-Control"] = "no-store"  # the identifier is a secret
    return response


@router.post("/app/drivers/{driver_id:uuid}/devices/{device_id:uuid}/revoke")
async def revoke_device(
    driver_id: uuid.UUID,
    device_id: uuid.UUID,
    form: CsrfForm,
    actor: Staff,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Refuse the device's identifier from now on."""
    await devices.revoke(session, actor, driver_id, device_id)
    await ctx.commit(session)
    return see_other(f"/app/drivers/{driver_id}?done=device-revoked#devices")
