"""The staff's form to add a document to a load (a lumper receipt, a scale ticket...) and
each document's file for a signed-in reader of the shipment page."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from freight.access import Actor, Role
from freight.context import AppContext
from freight.deps import Context, SessionDep
from freight.documents import service as documents
from freight.documents import uploads
from freight.errors import DomainError, invalid
from freight.web.auth import CsrfForm, see_other, text, web_role
from freight.web.portal import page_context
from freight.web.templating import renderer

router = APIRouter(include_in_schema=False)
Reader = Annotated[Actor, Depends(web_role(Role.CUSTOMER, Role.DISPATCHER, Role.ADMIN))]
Staff = Annotated[Actor, Depends(web_role(Role.DISPATCHER, Role.ADMIN))]
DriverUser = Annotated[Actor, Depends(web_role(Role.DRIVER))]


@router.get("/app/shipments/{shipment_id}/documents/{document_id}")
async def document_file(
    shipment_id: uuid.UUID,
    document_id: uuid.UUID,
    actor: Reader,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """One document of the shipment, for those who may see it (cookie session)."""
    found = await documents.document_file(ctx, session, actor, shipment_id, document_id)
    return Response(found.data, media_type=found.document.content_type, headers=found.headers)


@router.get("/app/driver/loads/{shipment_id}/documents/{document_id}")
async def driver_document_file(
    shipment_id: uuid.UUID,
    document_id: uuid.UUID,
    actor: DriverUser,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """One paper of the driver's load: the bill of lading, their rate confirmation..."""
    found = await documents.document_file(ctx, session, actor, shipment_id, document_id)
    return Response(found.data, media_type=found.document.content_type, headers=found.headers)


@router.post("/app/shipments/{shipment_id}/documents")
async def add_document(
    shipment_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: Staff,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Add a document from the staff's form; on a refusal, the page again saying why."""
    file = form.get("file")
    try:
        if not isinstance(file, UploadFile) or not file.filename:
            raise invalid("body", "file", msg="choose a file to add")
        data = await file.read(ctx.settings.document_max_upload_bytes + 1)
        kind = text(form, "type")
        document = await uploads.upload(ctx, session, actor, shipment_id, kind, file.filename, data)
        try:
            await ctx.commit(session)
        except BaseException:
            await ctx.files.delete(document.name)
            raise
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        await session.rollback()
        message = exc.errors[0]["msg"] if exc.errors else (exc.detail or "not added")
        return await _again(request, ctx, session, actor, shipment_id, exc.status, message)
    return see_other(f"/app/shipments/{shipment_id}?done=uploaded#documents")


async def _again(
    request: Request,
    ctx: AppContext,
    session: SessionDep,
    actor: Actor,
    shipment_id: uuid.UUID,
    status: int,
    message: str,
) -> Response:
    context = await page_context(ctx, session, actor, shipment_id)
    context |= {"status_code": status, "upload_error": f"The file was not added: {message}."}
    return renderer(request)(request, "shipment_detail.html", actor=actor, **context)
