"""Routes for assignment, auto-dispatch plans and proof of delivery."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import AwareDatetime, Field, ValidationError
from starlette.datastructures import FormData, UploadFile

from freight import idempotency as idem
from freight.answers import Strict, committed, warnings_of
from freight.context import AppContext
from freight.deps import Context, CurrentUser, SessionDep, Staff
from freight.dispatch import assignment, board, plans, pod
from freight.dispatch.assignment import Planning
from freight.dispatch.schemas import (
    ApplyRequest,
    ApplyResult,
    AssignRequest,
    BoardRead,
    CandidateRead,
    PlanRead,
    PlanRequest,
    PodFile,
    PodRead,
    PodWritten,
    UnassignRequest,
)
from freight.dispatch.uploads import read_pod_form
from freight.openapi import problems
from freight.shipments.heed import Heed
from freight.shipments.schemas import Acknowledgement, ShipmentRead, ShipmentWritten

if TYPE_CHECKING:
    from freight.dispatch.models import ProofOfDelivery

router = APIRouter(tags=["dispatch"])


def planning(ctx: AppContext) -> Planning:
    return Planning.of(ctx.settings)


@router.post("/api/shipments/{shipment_id}/assign", responses=problems(409))
async def assign(
    shipment_id: uuid.UUID,
    body: AssignRequest,
    actor: Staff,
    session: SessionDep,
    ctx: Context,
    response: Response,
    strict: Strict,
) -> ShipmentWritten:
    """Give a PENDING load to a driver; 409 says why when they cannot take it.

    A driver who cannot reach the pickup before its window closes is not refused: the
    answer's ``warnings`` say so (``pickup_window_closed``).
    """
    heed = body.heed(strict)
    shipment = await assignment.assign(
        session, actor, shipment_id, body.driver_id, body.vehicle_id, planning(ctx), heed=heed
    )
    return await committed(ctx, session, shipment, response, heed)


@router.post("/api/shipments/{shipment_id}/unassign", responses=problems(409))
async def unassign(
    shipment_id: uuid.UUID,
    actor: Staff,
    session: SessionDep,
    ctx: Context,
    response: Response,
    body: UnassignRequest | None = None,
) -> ShipmentRead:
    """Take an ASSIGNED load back to PENDING (an optional ``reason`` for the timeline)."""
    reason = body.reason if body is not None else None
    shipment = await assignment.unassign(session, actor, shipment_id, reason)
    return await committed(ctx, session, shipment, response)


@router.get("/api/dispatch/board")
async def get_board(actor: Staff, session: SessionDep, ctx: Context) -> BoardRead:
    """Pending loads (next pickup first) with their five best drivers each, free drivers
    and the loads on the road: the dispatch board's data (up to 1,000 pending loads and
    free drivers, 200 on the road; ``more_*`` says when there are more)."""
    loaded = await board.load_board(session, actor, ctx.settings.road_factor)
    return board.board_read(loaded)


@router.get("/api/shipments/{shipment_id}/candidates")
async def get_candidates(
    shipment_id: uuid.UUID, actor: Staff, session: SessionDep, ctx: Context
) -> list[CandidateRead]:
    """The free drivers for a load: those who fit first, nearest first, each with the
    road km to the pickup and, for those who cannot take it, why."""
    return await board.candidates(session, actor, shipment_id, ctx.settings.road_factor)


@router.post("/api/dispatch/plans", status_code=status.HTTP_201_CREATED)
async def propose_plan(
    body: PlanRequest, actor: Staff, session: SessionDep, ctx: Context
) -> PlanRead:
    """Propose the assignment of pending loads to free drivers with the least deadhead."""
    plan = await plans.create_plan(
        session, actor, planning(ctx), ctx.router, body.shipment_ids, body.driver_ids
    )
    await ctx.commit(session)
    return PlanRead.model_validate(plan)


@router.get("/api/dispatch/plans/{plan_id}")
async def get_plan(plan_id: uuid.UUID, actor: Staff, session: SessionDep) -> PlanRead:
    """A stored plan."""
    return PlanRead.model_validate(await plans.get_plan(session, actor, plan_id))


@router.post("/api/dispatch/plans/{plan_id}/apply", responses=problems(409))
async def apply_plan(
    plan_id: uuid.UUID,
    actor: Staff,
    session: SessionDep,
    ctx: Context,
    body: ApplyRequest | None = None,
) -> ApplyResult:
    """Assign what the plan proposed (all, or the listed loads), skipping pairs no longer valid."""
    only = body.shipment_ids if body else None
    result = await plans.apply_plan(session, actor, plan_id, planning(ctx), only)
    await ctx.commit(session)
    return result


def _pod_read(proof: ProofOfDelivery, heed: Heed | None = None) -> PodWritten:
    base = f"/api/shipments/{proof.shipment_id}/pod/files"
    return PodWritten(
        shipment_id=proof.shipment_id,
        recipient_name=proof.recipient_name,
        lat=proof.lat,
        lng=proof.lng,
        delivered_at=proof.delivered_at,
        received_at=proof.received_at,
        files=[
            PodFile(
                role=f["role"],
                sha256=f["sha256"],
                size=f["size"],
                content_type=f["content_type"],
                url=f"{base}/{f['name']}",
            )
            for f in proof.files
        ],
        warnings=warnings_of(heed),
    )


class PodFields(Acknowledgement):
    """The text fields of a proof-of-delivery form (``acknowledge_warnings`` repeated)."""

    recipient_name: str = Field(max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)
    delivered_at: AwareDatetime | None = None


POD_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["recipient_name", "signature"],
                    "properties": {
                        **PodFields.model_json_schema()["properties"],
                        "signature": {"type": "string", "format": "binary"},
                        "photos": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                        },
                    },
                }
            }
        },
    }
}


def _pod_fields(form: FormData) -> PodFields:
    values: dict[str, object] = {
        k: v for k in PodFields.model_fields if isinstance(v := form.get(k), str) and v
    }
    values["acknowledge_warnings"] = form.getlist("acknowledge_warnings")
    try:
        return PodFields.model_validate(values)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from None


async def _read_capped(upload: UploadFile, cap: int) -> bytes:
    return await upload.read(cap + 1)  # one byte over the cap is enough to know


@router.post(
    "/api/shipments/{shipment_id}/pod",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=POD_FORM,
    responses=problems(409, 413),
)
async def post_pod(
    shipment_id: uuid.UUID,
    request: Request,
    actor: CurrentUser,
    session: SessionDep,
    ctx: Context,
    response: Response,
    strict: Strict,
    idempotency_key: idem.KeyHeader = None,
) -> PodWritten:
    """Deliver with a proof: recipient, signature image, photos, position and device time.

    The caller and their right to deliver this load are checked before the upload is read.
    A delivery far from its stop or far outside its window answers ``warnings``
    (``acknowledge_warnings`` may be repeated, with one ``override_reason``).
    ``delivered_at`` is the device's time (a phone sending later, after a dead spot).
    With ``Idempotency-Key`` a retry with the same fields and files answers the first
    delivery again (``Idempotent-Replayed: true``) and stores nothing new.
    """
    limits = pod.PodLimits.of(ctx.settings)
    route = f"POST /api/shipments/{shipment_id}/pod"
    if not await idem.answered(session, actor, idempotency_key, route):
        await pod.deliverable(session, actor, shipment_id)
    form = await read_pod_form(request, limits.max_photos)
    try:
        fields = _pod_fields(form)
        cap = limits.max_file_bytes
        signature = form.get("signature")
        sig = None
        if isinstance(signature, UploadFile):
            sig = pod.Upload("signature", None, await _read_capped(signature, cap))
        uploads = [p for p in form.getlist("photos") if isinstance(p, UploadFile)]
        shots = [pod.Upload("photos", i, await _read_capped(p, cap)) for i, p in enumerate(uploads)]
    finally:
        await form.close()
    asked = {
        "fields": fields.model_dump(mode="json"),
        "strict": strict,
        "signature": idem.file_digest(sig.data) if sig else None,
        "photos": [idem.file_digest(s.data) for s in shots],
    }
    once = await idem.once(
        session,
        actor,
        idempotency_key,
        route,
        asked,
        lambda _: pod.get_proof(session, actor, shipment_id),
    )
    if once.replay is not None:
        idem.mark_replayed(response, once.replay)
        return PodWritten.model_validate(once.replay.body)
    body = pod.PodInput(
        fields.recipient_name, sig, shots, fields.lat, fields.lng, fields.delivered_at
    )
    files, heed = ctx.files, fields.heed(strict)
    _, proof, saved = await pod.deliver(session, actor, files, shipment_id, body, limits, heed)
    answer = _pod_read(proof, heed)
    await once.done(session, 201, answer.model_dump(mode="json"), shipment_id)
    try:
        await ctx.commit(session)
    except BaseException:
        for f in saved:  # the transaction failed: leave no orphan files behind
            await files.delete(f.name)
        raise
    if strict:
        response.headers["Preference-Applied"] = "handling=strict"
    return answer


@router.get("/api/shipments/{shipment_id}/pod")
async def get_pod(shipment_id: uuid.UUID, actor: CurrentUser, session: SessionDep) -> PodRead:
    """The proof of delivery, with links to its files."""
    return _pod_read(await pod.get_proof(session, actor, shipment_id))


@router.get("/api/shipments/{shipment_id}/pod/files/{name}", response_class=Response)
async def get_pod_file(
    shipment_id: uuid.UUID, name: str, actor: CurrentUser, session: SessionDep, ctx: Context
) -> Response:
    """One file of the proof, for those who may see the shipment."""
    served = await pod.proof_file(session, actor, ctx.files, shipment_id, name)
    return Response(served.data, media_type=served.content_type, headers=served.headers)
