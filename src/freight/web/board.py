"""The dispatch board (dispatchers and admins): pending loads beside free drivers,
assignment by picker (plain form) or drag and drop (``js/board.js`` over the JSON
API), auto-dispatch plans, a map of the fleet, and a live fragment the script re-reads
when ``dispatch:board`` events arrive."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from freight.access import Actor, Role
from freight.db import utcnow
from freight.deps import Context, SessionDep
from freight.dispatch import assignment, plans, tendering
from freight.dispatch.assignment import Planning
from freight.dispatch.board import load_board
from freight.dispatch.schemas import ApplyRequest, AssignRequest
from freight.errors import DomainError, NotFound
from freight.fleet import service as fleet
from freight.messaging import service as messaging
from freight.shipments import service as shipments
from freight.web.auth import CsrfForm, text, web_role
from freight.web.board_plan import PlanView, plan_view
from freight.web.board_rows import BoardFilters, table
from freight.web.forms import Failure, Invalid, submit
from freight.web.overrides import WarningBlock, override_of, warning_block
from freight.web.templating import presentation_of, renderer

router = APIRouter(include_in_schema=False)
Dispatcher = Annotated[Actor, Depends(web_role(Role.DISPATCHER, Role.ADMIN))]


def _planning(ctx: Context) -> Planning:
    return Planning.of(ctx.settings)


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


async def _plan(session: SessionDep, actor: Actor, plan_id: uuid.UUID | None) -> PlanView | None:
    if plan_id is None:
        return None
    return await plan_view(session, actor, await plans.get_plan(session, actor, plan_id))


async def _assigned_notice(session: SessionDep, actor: Actor, shipment_id: uuid.UUID) -> str | None:
    """``FRT-... is assigned`` for the load just assigned (looked up, never echoed)."""
    try:
        shipment = await shipments.get_visible(session, actor, shipment_id)
    except NotFound:
        return None
    return f"{shipment.reference} is assigned."


async def _lists(
    request: Request,
    session: SessionDep,
    ctx: Context,
    actor: Actor,
    chosen: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The board's lists as the query string filters and sorts them, for a template."""
    keep = {}
    for shipment, driver in (chosen or {}).items():
        shipment_id, driver_id = _uuid(shipment), _uuid(driver)
        if shipment_id and driver_id:
            keep[shipment_id] = driver_id
    board = await load_board(session, actor, ctx.settings.road_factor, keep)
    ids = [c.shipment.id for c in board.loads] + [c.shipment.id for c in board.active]
    unread = await messaging.unread_counts(session, actor, ids)
    filters = BoardFilters.parse(dict(request.query_params))
    rows = table(board, filters, unread, presentation_of(request).timezone, utcnow())
    return {"board": board, "rows": rows, "filters": filters, "unread_total": sum(unread.values())}


async def _page(
    request: Request,
    session: SessionDep,
    ctx: Context,
    actor: Actor,
    *,
    status_code: int = 200,
    plan_id: uuid.UUID | None = None,
    **extra: Any,
) -> Response:
    context: dict[str, Any] = {
        "assign_errors": {},
        "chosen": {},
        "plan_error": None,
        "assign_warning": None,
    }
    context.update(extra)
    lists = await _lists(request, session, ctx, actor, context["chosen"])
    render = renderer(request)
    return render(
        request,
        "board.html",
        actor=actor,
        status_code=status_code,
        plan=await _plan(session, actor, plan_id),
        **lists,
        **context,
    )


async def _offered_notice(session: SessionDep, actor: Actor, shipment_id: uuid.UUID) -> str | None:
    """``FRT-... is offered to Dee Ray`` for the load just offered (looked up, never echoed)."""
    try:
        shipment = await shipments.get_visible(session, actor, shipment_id)
    except NotFound:
        return None
    live = await tendering.listed(session, actor, shipment_id, live_only=True)
    opened = [o for o in live if o.status == "open"]
    if not opened:
        return f"{shipment.reference} is not on offer any more."
    driver = await fleet.get_driver(session, actor, opened[0].driver_id)
    steps = f" (1 of {len(live)} in turn)" if opened[0].waterfall_id and len(live) > 1 else ""
    return f"{shipment.reference} is offered to {driver.full_name}{steps}."


async def board_page_with(
    request: Request,
    session: SessionDep,
    ctx: Context,
    actor: Actor,
    status_code: int,
    **extra: Any,
) -> Response:
    """The board answering a form that did not go through (for the offer routes)."""
    return await _page(request, session, ctx, actor, status_code=status_code, **extra)


@router.get("/app/dispatch")
async def board_page(
    request: Request,
    actor: Dispatcher,
    session: SessionDep,
    ctx: Context,
    plan: str | None = None,
    assigned: str | None = None,
    applied: str | None = None,
    offered: str | None = None,
) -> Response:
    """The board; ``?plan=`` shows a stored plan, ``?assigned=`` and ``?offered=`` say
    what was just done."""
    notice = None
    assigned_id, offered_id = _uuid(assigned), _uuid(offered)
    if assigned_id is not None:
        notice = await _assigned_notice(session, actor, assigned_id)
    if offered_id is not None:
        notice = await _offered_notice(session, actor, offered_id)
    if applied and _uuid(plan):
        notice = "Plan applied: see what was assigned below."
    return await _page(request, session, ctx, actor, plan_id=_uuid(plan), notice=notice)


@router.get("/app/dispatch/live")
async def board_fragment(
    request: Request, actor: Dispatcher, session: SessionDep, ctx: Context
) -> Response:
    """The board's lists alone, for the script to merge in after a live event."""
    lists = await _lists(request, session, ctx, actor)
    render = renderer(request)
    return render(request, "board_live.html", actor=actor, assign_errors={}, chosen={}, **lists)


@router.post("/app/dispatch/assign")
async def assign(
    request: Request, form: CsrfForm, actor: Dispatcher, session: SessionDep, ctx: Context
) -> Response:
    """The picker: give a pending load to the chosen driver, or say why not next to it."""
    shipment_field, driver_field = text(form, "shipment_id"), text(form, "driver_id")
    key = shipment_field or "_"
    override = override_of(form, presentation_of(request))

    async def give() -> uuid.UUID:
        shipment_id, driver_id = _picked(key, shipment_field, driver_field)
        await assignment.assign(
            session, actor, shipment_id, driver_id, None, _planning(ctx), heed=override.heed
        )
        return shipment_id

    async def again(failure: Failure) -> Response:
        errors, chosen, warned = failure.errors, {}, None
        if block := warning_block(
            failure.error, override
        ):  # asked before it lands: see board_warning
            warned = await _assign_warning(session, actor, shipment_field, driver_field, block)
        elif isinstance(failure.error, DomainError):  # the load stays picked, with the reason
            errors, chosen = {key: sentence(failure.message)}, {key: driver_field}
        return await _page(
            request, session, ctx, actor, status_code=failure.status,
            assign_errors=errors, chosen=chosen, assign_warning=warned,
        )  # fmt: skip

    return await submit(
        ctx,
        session,
        give,
        done=lambda shipment_id: f"/app/dispatch?assigned={shipment_id}",
        failed=again,
    )


async def _assign_warning(
    session: SessionDep, actor: Actor, shipment_field: str, driver_field: str, block: WarningBlock
) -> dict[str, Any]:
    """What the board's warning panel shows: the load, the driver, the warnings."""
    shipment = await shipments.get_visible(session, actor, uuid.UUID(shipment_field))
    driver = await fleet.get_driver(session, actor, uuid.UUID(driver_field))
    return {
        "shipment_id": shipment.id,
        "reference": shipment.reference,
        "driver_id": driver.id,
        "driver_name": driver.full_name,
        "block": block,
    }


def _picked(key: str, shipment_field: str, driver_field: str) -> tuple[uuid.UUID, uuid.UUID]:
    """The load and the driver the picker chose, or ``Invalid`` saying which is missing."""
    shipment_id = _uuid(shipment_field)
    if shipment_id is None:
        raise Invalid({key: "Choose a load to assign."})
    try:
        body = AssignRequest.model_validate({"driver_id": driver_field})
    except ValidationError:
        raise Invalid({key: "Choose a driver for this load."}) from None
    return shipment_id, body.driver_id


def sentence(message: str | None) -> str:
    """A refusal as a sentence for the page: capitalised, with its full stop."""
    message = (message or "not allowed").strip()
    message = message[:1].upper() + message[1:]
    return message if message.endswith(".") else f"{message}."


@router.post("/app/dispatch/plans")
async def propose(form: CsrfForm, actor: Dispatcher, session: SessionDep, ctx: Context) -> Response:
    """Propose a plan for every pending load and free driver, then show it."""
    return await submit(
        ctx,
        session,
        lambda: plans.create_plan(session, actor, _planning(ctx), ctx.router),
        done=lambda plan: f"/app/dispatch?plan={plan.id}#plan",
    )


@router.post("/app/dispatch/plans/{plan_id}/apply")
async def apply(
    request: Request,
    plan_id: uuid.UUID,
    form: CsrfForm,
    actor: Dispatcher,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Apply the whole plan (``scope=all``) or the ticked pairs."""
    whole = text(form, "scope") == "all"
    ticked = [v for v in form.getlist("shipment_ids") if isinstance(v, str)]

    async def again(failure: Failure) -> Response:
        error, status = failure.error, failure.status
        said = sentence(error.detail) if isinstance(error, DomainError) else failure.errors["plan"]
        return await _page(
            request, session, ctx, actor, status_code=status, plan_id=plan_id, plan_error=said
        )

    return await submit(
        ctx,
        session,
        lambda: plans.apply_plan(session, actor, plan_id, _planning(ctx), _pairs(whole, ticked)),
        done=f"/app/dispatch?plan={plan_id}&applied=1#plan",
        failed=again,
        error_page=(404,),
    )


def _pairs(whole: bool, ticked: list[str]) -> list[uuid.UUID] | None:
    """The loads of the plan to apply: all of them (None), or the ticked ones."""
    if whole:
        return None
    try:
        only = ApplyRequest.model_validate({"shipment_ids": ticked}).shipment_ids
    except ValidationError:
        only = None
    if not only:
        raise Invalid({"plan": "Tick at least one pair to apply, or apply the whole plan."})
    return only
