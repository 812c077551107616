"""The driver reports a problem on the road from the load page: a pickup that cannot
happen, a delivery that failed, over/short/damaged pieces, a lumper paid (with the
receipt). A plain multipart form; the state machine decides what it moves."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from freight.access import Actor, Role
from freight.deps import Context, SessionDep
from freight.dispatch import exceptions
from freight.dispatch.pod import PodLimits, Upload
from freight.dispatch.uploads import read_pod_form
from freight.errors import DomainError, invalid
from freight.security.web_sessions import CSRF_FIELD, CSRF_HEADER, check_csrf
from freight.storage import served_file_headers
from freight.web.admin_forms import parse_money
from freight.web.auth import see_other, text, web_role
from freight.web.driver import Driver, render_load

FIELDS = ("problem", "pieces_affected", "note", "amount")

router = APIRouter(include_in_schema=False)


def _input(
    form: FormData, photos: tuple[Upload, ...], receipt: Upload | None
) -> exceptions.ExceptionInput:
    kind, _, reason = text(form, "problem").partition(":")
    if not kind:
        raise invalid("body", "problem", msg="Choose what happened")
    pieces = text(form, "pieces_affected")
    if pieces and not (pieces.isdigit() and 0 < int(pieces) <= 100_000):
        raise invalid("body", "pieces_affected", msg="A number of pieces, like 3")
    amount = None
    if text(form, "amount"):
        try:
            amount = parse_money(text(form, "amount"))
        except ValueError as exc:
            raise invalid("body", "amount_cents", msg=str(exc).capitalize()) from None
    return exceptions.ExceptionInput(
        kind=kind,
        reason=reason,
        pieces_affected=int(pieces) if pieces else None,
        note=text(form, "note") or None,
        amount_cents=amount,
        photos=photos,
        receipt=receipt,
    )


@router.post("/app/driver/loads/{shipment_id}/problem")
async def report_problem(
    request: Request, shipment_id: uuid.UUID, actor: Driver, session: SessionDep, ctx: Context
) -> Response:
    """Report a problem; the load page shows what it did (or what is wrong in the form)."""
    limits = PodLimits.of(ctx.settings)
    form: FormData | None = None
    try:
        await exceptions.reportable(session, actor, shipment_id)
        form = await read_pod_form(request, limits.max_photos)
        presented = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
        check_csrf(request, presented if isinstance(presented, str) else None)
        cap = limits.max_file_bytes + 1
        sent = [p for p in form.getlist("photos") if isinstance(p, UploadFile) and p.filename]
        photos = tuple([Upload("photos", i, await p.read(cap)) for i, p in enumerate(sent)])
        slip = form.get("receipt")
        receipt = None
        if isinstance(slip, UploadFile) and slip.filename:
            receipt = Upload("receipt", None, await slip.read(cap))
        body = _input(form, photos, receipt)
        files = ctx.files
        _, saved = await exceptions.report(session, actor, files, shipment_id, body, limits)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        await session.rollback()
        errors = {_field(e["loc"]): e["msg"] for e in exc.errors if len(e["loc"]) > 1}
        values = {name: text(form, name) for name in FIELDS} if form else {}
        return await render_load(
            request, session, ctx, actor, shipment_id, exc.status,
            problem_errors=errors or {"_": exc.detail or "That could not be reported."},
            problem_values=values,
        )  # fmt: skip
    finally:
        if form is not None:
            await form.close()
    try:
        await ctx.commit(session)
    except BaseException:
        for f in saved:
            await files.delete(f.name)
        raise
    return see_other(f"/app/driver/loads/{shipment_id}?reported=1#problem")


def _field(loc: list[str | int] | tuple[str | int, ...]) -> str:
    """The form's field for an error's location (the API's names differ for two)."""
    name = str(loc[1])
    return {"kind": "problem", "reason": "problem", "amount_cents": "amount"}.get(name, name)


Viewer = Annotated[
    Actor, Depends(web_role(Role.CUSTOMER, Role.DISPATCHER, Role.ADMIN, Role.DRIVER))
]


@router.get("/app/shipments/{shipment_id}/exceptions/{exception_id}/files/{name}")
async def exception_file(
    shipment_id: uuid.UUID,
    exception_id: uuid.UUID,
    name: str,
    actor: Viewer,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """A photo or receipt of a report, for those who may see the load (cookie session)."""
    data, content_type = await exceptions.exception_file(
        session, actor, ctx.files, shipment_id, exception_id, name
    )
    return Response(data, media_type=content_type, headers=served_file_headers(name))
