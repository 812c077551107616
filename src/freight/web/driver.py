"""The driver's view, made for a phone: loads offered to me, my loads, going on or off
duty, moving a load through pickup and transit, and the proof of delivery. Plain forms
work on their own; ``js/driver.js`` adds location sharing, the signature pad and live
updates, ``js/driver_offers.js`` keeps the offers current."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from freight.access import Actor, Role
from freight.deps import Context, SessionDep
from freight.dispatch import exceptions, pod, tendering
from freight.dispatch.uploads import read_pod_form
from freight.errors import DomainError, Forbidden
from freight.fleet import service as fleet
from freight.fleet.schemas import Availability
from freight.places.nearby import nearby
from freight.security.web_sessions import CSRF_FIELD, CSRF_HEADER, check_csrf
from freight.shipments import queries
from freight.shipments import service as shipments
from freight.shipments.lifecycle import Status
from freight.shipments.queries import ends
from freight.shipments.schemas import TransitionRequest
from freight.web import documents_list
from freight.web.auth import CsrfForm, see_other, text, web_role
from freight.web.driver_pod import pod_context, pod_input
from freight.web.forms import Failure, submit
from freight.web.messages import load_thread
from freight.web.overrides import Override, override_of, warning_block
from freight.web.problems import PROBLEMS
from freight.web.problems import WORDS as PROBLEM_WORDS
from freight.web.templating import presentation_of, renderer

if TYPE_CHECKING:
    from freight.shipments.models import Shipment

router = APIRouter(include_in_schema=False)
Driver = Annotated[Actor, Depends(web_role(Role.DRIVER))]

# What the driver does next, by status: (target status, button label).
NEXT_STEP: dict[str, tuple[Status, str]] = {
    Status.ASSIGNED: (Status.PICKED_UP, "Picked up"),
    Status.PICKED_UP: (Status.IN_TRANSIT, "In transit"),
    Status.RETURNING: (Status.RETURNED, "Back at the shipper"),
}
RECENT = 5
# What a driver can say when declining a load offer (the office reads it).
DECLINE_REASONS = (
    "Too far from me",
    "Home time",
    "Not enough hours left",
    "Pay too low",
    "Truck or trailer problem",
    "Other",
)


def _driver_id(actor: Actor) -> uuid.UUID:
    if actor.driver_id is None:
        raise Forbidden("your user is not linked to a driver record; ask dispatch")
    return actor.driver_id


async def _loads(session: SessionDep, actor: Actor) -> tuple[list[Shipment], list[Shipment]]:
    """The driver's active loads (next pickup first) and the last few delivered."""
    active = await queries.my_loads(session, actor)
    return active, await queries.recently_delivered(session, actor, RECENT)


async def last_seen(session: SessionDep, actor: Actor) -> dict[str, Any] | None:
    """The driver's own last fix as the page shows it: ``{near, at}`` (None before the
    first fix; ``near`` None far from any town)."""
    me = await fleet.get_driver(session, actor, _driver_id(actor))
    if me.lat is None or me.lng is None:
        return None
    near = await anyio.to_thread.run_sync(nearby, me.lat, me.lng)
    return {"near": near, "at": me.position_at}


async def my_loads_page(
    request: Request,
    actor: Actor,
    session: SessionDep,
    status_code: int = 200,
    offer_error: dict[str, str] | None = None,
) -> Response:
    """My loads page; ``offer_error`` puts a refused answer ``{offer_id, message}`` on
    the offer it was about."""
    me = await fleet.get_driver(session, actor, _driver_id(actor))
    active, done = await _loads(session, actor)
    offered = await tendering.offered_to_me(session, actor)
    if offer_error is not None:
        on_card = offer_error["offer_id"] in {str(o.id) for o in offered}
        offer_error = offer_error | {"on_card": "yes" if on_card else ""}
    render = renderer(request)
    return render(
        request,
        "driver_loads.html",
        status_code=status_code,
        actor=actor,
        me=me,
        offers=[(o, *ends(o.shipment)) for o in offered],
        offer_error=offer_error,
        decline_reasons=DECLINE_REASONS,
        loads=[(s, *ends(s)) for s in active],
        delivered=[(s, *ends(s)) for s in done],
        last_seen=await last_seen(session, actor),
    )


@router.get("/app/driver")
async def my_loads(request: Request, actor: Driver, session: SessionDep) -> Response:
    """Loads offered to me, my loads and my availability."""
    return await my_loads_page(request, actor, session)


@router.post("/app/driver/availability")
async def availability(
    form: CsrfForm, actor: Driver, session: SessionDep, ctx: Context
) -> Response:
    """Go on or off duty."""
    try:
        body = Availability.model_validate({"status": text(form, "status")})
    except ValidationError:
        return see_other("/app/driver")
    await fleet.set_availability(session, actor, _driver_id(actor), body.status)
    await ctx.commit(session)
    return see_other("/app/driver")


async def render_load(
    request: Request,
    session: SessionDep,
    ctx: Context,
    actor: Actor,
    shipment_id: uuid.UUID,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    shipment = await shipments.get_visible(session, actor, shipment_id)
    pickup, delivery = ends(shipment)
    stops = sorted(shipment.stops, key=lambda s: s.sequence)
    context: dict[str, Any] = {
        "step_error": None,
        "pod_errors": {},
        "pod_values": {},
        "step_warnings": None,
        "step_fields": {},
        "pod_warnings": None,
        "problem_errors": {},
        "problem_values": {},
    }
    context.update(extra)
    render = renderer(request)
    return render(
        request,
        "driver_load.html",
        actor=actor,
        status_code=status_code,
        shipment=shipment,
        shipment_id=shipment.id,
        stops=stops,
        pickup=pickup,
        delivery=delivery,
        next_step=NEXT_STEP.get(shipment.status),
        messages=await load_thread(session, actor, shipment.id),
        proof=await pod_context(session, actor, shipment),
        problems=PROBLEMS.get(shipment.status, []),
        problem_words=PROBLEM_WORDS,
        reports=await exceptions.listed(session, actor, shipment.id),
        papers=await documents_list.rows(
            ctx,
            session,
            actor,
            shipment.id,
            make_missing=request.method == "GET",  # a form's post holds the write lock
            links=f"/app/driver/loads/{shipment.id}/documents",
        ),
        reported=request.query_params.get("reported") == "1",
        max_photos=ctx.settings.pod_max_photos,
        last_seen=await last_seen(session, actor),
        **context,
    )


@router.get("/app/driver/loads/{shipment_id}")
async def load_page(
    request: Request, shipment_id: uuid.UUID, actor: Driver, session: SessionDep, ctx: Context
) -> Response:
    """One of my loads: stops, the next step, the proof of delivery, messages."""
    return await render_load(request, session, ctx, actor, shipment_id)


@router.post("/app/driver/loads/{shipment_id}/status")
async def move_load(
    request: Request,
    shipment_id: uuid.UUID,
    form: CsrfForm,
    actor: Driver,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Picked up, in transit: the state machine decides what is allowed."""
    fields = {"status": text(form, "status")}
    for name in ("lat", "lng"):
        if text(form, name):
            fields[name] = text(form, name)

    override = override_of(form, presentation_of(request))

    async def move() -> None:
        body = TransitionRequest.model_validate(fields)
        await shipments.transition(
            session, actor, shipment_id, body.status, lat=body.lat, lng=body.lng, heed=override.heed
        )

    async def again(failure: Failure) -> Response:
        error = failure.error
        if block := warning_block(error, override):  # asked before the step lands
            return await render_load(
                request, session, ctx, actor, shipment_id, failure.status,
                step_warnings=block, step_fields=fields,
            )  # fmt: skip
        message = error.detail if isinstance(error, DomainError) else "That is not a next step."
        return await render_load(
            request, session, ctx, actor, shipment_id, failure.status, step_error=message
        )

    done = f"/app/driver/loads/{shipment_id}"
    return await submit(ctx, session, move, done=done, failed=again, error_page=(404,))


@router.post("/app/driver/loads/{shipment_id}/pod")
async def deliver(
    request: Request, shipment_id: uuid.UUID, actor: Driver, session: SessionDep, ctx: Context
) -> Response:
    """Proof of delivery without JavaScript: the signature as an image file, photos.

    The driver and their right to deliver this load are checked before the upload is read.
    """
    limits = pod.PodLimits.of(ctx.settings)
    form: FormData | None = None
    override: Override = override_of(None, presentation_of(request))
    try:
        await pod.deliverable(session, actor, shipment_id)
        form = await read_pod_form(request, limits.max_photos)
        presented = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
        check_csrf(request, presented if isinstance(presented, str) else None)
        override = override_of(form, presentation_of(request))
        signature = form.get("signature")
        photos = [p for p in form.getlist("photos") if isinstance(p, UploadFile) and p.filename]
        body = await pod_input(form, signature, photos, limits.max_file_bytes)
        files = ctx.files
        _, _, saved = await pod.deliver(
            session, actor, files, shipment_id, body, limits, override.heed
        )
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        await session.rollback()
        block = warning_block(exc, override)
        errors = {str(e["loc"][1]): e["msg"] for e in exc.errors if len(e["loc"]) > 1}
        return await render_load(
            request,
            session,
            ctx,
            actor,
            shipment_id,
            exc.status,
            pod_errors={} if block else (errors or {"_": exc.detail}),
            pod_values={"recipient_name": text(form, "recipient_name") if form else ""},
            pod_warnings=block,
        )
    finally:
        if form is not None:
            await form.close()
    try:
        await ctx.commit(session)
    except BaseException:
        for f in saved:
            await files.delete(f.name)
        raise
    return see_other(f"/app/driver/loads/{shipment_id}")


@router.get("/app/driver/loads/{shipment_id}/proof/{name}")
async def proof_file(
    shipment_id: uuid.UUID, name: str, actor: Driver, session: SessionDep, ctx: Context
) -> Response:
    """One image of the proof of my load."""
    served = await pod.proof_file(session, actor, ctx.files, shipment_id, name)
    return Response(served.data, media_type=served.content_type, headers=served.headers)
