"""Routes for what goes wrong on the road: report an exception, list them, reattempt."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from freight import idempotency as idem
from freight.answers import committed
from freight.deps import Context, CurrentUser, SessionDep, Staff
from freight.dispatch import exceptions
from freight.dispatch.pod import PodLimits, Upload
from freight.dispatch.schemas import (
    ExceptionFields,
    ExceptionFile,
    ExceptionList,
    ExceptionRead,
    ReattemptRequest,
)
from freight.dispatch.uploads import read_pod_form
from freight.errors import invalid
from freight.openapi import problems
from freight.shipments.schemas import ShipmentWritten
from freight.storage import served_file_headers

if TYPE_CHECKING:
    from freight.dispatch.models import ShipmentException

router = APIRouter(tags=["exceptions"])

EXCEPTION_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": ExceptionFields.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["kind", "reason"],
                    "properties": {
                        **ExceptionFields.model_json_schema()["properties"],
                        "photos": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                        },
                        "receipt": {
                            "type": "string",
                            "format": "binary",
                            "description": "a lumper's receipt: a photo or a PDF",
                        },
                    },
                }
            },
        },
    }
}


def exception_read(row: ShipmentException, staff: bool) -> ExceptionRead:
    """A report as this viewer may read it (customers do not get the reporter's note)."""
    base = f"/api/shipments/{row.shipment_id}/exceptions/{row.id}/files"
    return ExceptionRead(
        id=row.id,
        shipment_id=row.shipment_id,
        kind=row.kind,
        reason=row.reason,
        pieces_affected=row.pieces_affected,
        note=row.note if staff else None,
        amount_cents=row.amount_cents,
        status_before=row.status_before,
        status_after=row.status_after,
        stop_sequence=row.stop_sequence,
        lat=row.lat,
        lng=row.lng,
        reported_at=row.reported_at,
        created_at=row.created_at,
        reported_role=row.reported_role,
        files=[
            ExceptionFile(
                role=f["role"],
                sha256=f["sha256"],
                size=f["size"],
                content_type=f["content_type"],
                url=f"{base}/{f['name']}",
            )
            for f in row.files
        ],
    )


def _fields(values: dict[str, Any]) -> ExceptionFields:
    try:
        return ExceptionFields.model_validate(values)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from None


async def _read_report(request: Request, limits: PodLimits) -> exceptions.ExceptionInput:
    """The report from a JSON body, or from a form with its photos and receipt."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            values = json.loads(await request.body())
        except ValueError:
            raise invalid("body", msg="the body is not JSON") from None
        if not isinstance(values, dict):
            raise invalid("body", msg="the body must be an object")
        fields = _fields(values)
        return exceptions.ExceptionInput(**fields.model_dump())
    form = await read_pod_form(request, limits.max_photos)
    try:
        text = {
            k: v for k in ExceptionFields.model_fields if isinstance(v := form.get(k), str) and v
        }
        fields = _fields(text)
        cap = limits.max_file_bytes + 1  # one byte over the cap is enough to know
        photos = [p for p in form.getlist("photos") if isinstance(p, UploadFile)]
        shots = tuple(
            [Upload("photos", i, await p.read(cap)) for i, p in enumerate(photos) if p.filename]
        )
        sent = form.get("receipt")
        receipt = None
        if isinstance(sent, UploadFile) and sent.filename:
            receipt = Upload("receipt", None, await sent.read(cap))
    finally:
        await form.close()
    return exceptions.ExceptionInput(**fields.model_dump(), photos=shots, receipt=receipt)


@router.post(
    "/api/shipments/{shipment_id}/exceptions",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=EXCEPTION_FORM,
    responses=problems(409, 413),
)
async def report_exception(
    shipment_id: uuid.UUID,
    request: Request,
    actor: CurrentUser,
    session: SessionDep,
    ctx: Context,
    response: Response,
    idempotency_key: idem.KeyHeader = None,
) -> ExceptionRead:
    """Report what went wrong: ``{kind, reason, pieces_affected?, note?, amount_cents?}``
    as JSON, or as a form with ``photos`` (and a lumper's ``receipt``).

    A failed delivery moves the load to ATTEMPT_FAILED; the office's "no freight" at a
    pickup cancels it with a TONU charge; a lumper adds its fee to the invoice.
    Drivers report on their own loads; customers cannot report. With
    ``Idempotency-Key`` a resent report (same fields and files) answers the first again.
    """
    limits = PodLimits.of(ctx.settings)
    route = f"POST /api/shipments/{shipment_id}/exceptions"
    if not await idem.answered(session, actor, idempotency_key, route):
        await exceptions.reportable(session, actor, shipment_id)
    body = await _read_report(request, limits)
    once = await idem.once(
        session,
        actor,
        idempotency_key,
        route,
        _asked(body),
        lambda _: exceptions.listed(session, actor, shipment_id),
    )
    if once.replay is not None:
        idem.mark_replayed(response, once.replay)
        return ExceptionRead.model_validate(once.replay.body)
    files = ctx.files
    row, saved = await exceptions.report(session, actor, files, shipment_id, body, limits)
    await session.flush()  # the row's defaults (its id, created_at) for the stored answer
    answer = exception_read(row, staff=True)
    await once.done(session, 201, answer.model_dump(mode="json"), shipment_id)
    try:
        await ctx.commit(session)
    except BaseException:
        for f in saved:  # the transaction failed: leave no orphan files behind
            await files.delete(f.name)
        raise
    return answer


def _asked(body: exceptions.ExceptionInput) -> dict[str, Any]:
    """The report as its request hash sees it: the fields, and each file's sha256."""
    fields = {k: v for k, v in vars(body).items() if k not in ("photos", "receipt")}
    return fields | {
        "photos": [idem.file_digest(p.data) for p in body.photos],
        "receipt": idem.file_digest(body.receipt.data) if body.receipt else None,
    }


@router.get("/api/shipments/{shipment_id}/exceptions")
async def list_exceptions(
    shipment_id: uuid.UUID, actor: CurrentUser, session: SessionDep
) -> ExceptionList:
    """The load's exceptions, oldest first (customers: without the reporter's note)."""
    rows = await exceptions.listed(session, actor, shipment_id)
    staff = actor.role != "customer"
    return ExceptionList(items=[exception_read(r, staff) for r in rows])


@router.get(
    "/api/shipments/{shipment_id}/exceptions/{exception_id}/files/{name}",
    response_class=Response,
)
async def get_exception_file(
    shipment_id: uuid.UUID,
    exception_id: uuid.UUID,
    name: str,
    actor: CurrentUser,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """One photo or receipt of a report, for those who may see the load."""
    data, content_type = await exceptions.exception_file(
        session, actor, ctx.files, shipment_id, exception_id, name
    )
    return Response(data, media_type=content_type, headers=served_file_headers(name))


@router.post("/api/shipments/{shipment_id}/reattempt", responses=problems(409))
async def reattempt_delivery(
    shipment_id: uuid.UUID,
    body: ReattemptRequest,
    actor: Staff,
    session: SessionDep,
    ctx: Context,
    response: Response,
) -> ShipmentWritten:
    """After a failed attempt: back to IN_TRANSIT with a new delivery window, charging
    the reattempt and a layover for each night waited (the organisation's rates)."""
    shipment = await exceptions.reattempt(
        session, actor, shipment_id, body.window_start, body.window_end, body.note
    )
    return await committed(ctx, session, shipment, response)
