"""Routes for a shipment's documents: the list (made when first asked for), each file,
uploads, and the rate confirmation of an offer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from freight.deps import Context, CurrentUser, SessionDep
from freight.documents import service, uploads
from freight.errors import invalid
from freight.openapi import problems

if TYPE_CHECKING:
    from freight.documents.models import Document

router = APIRouter(tags=["documents"])


class DocumentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str = Field(description="bol, rate_confirmation, pod_certificate, invoice_packet, upload")
    name: str = Field(description="the file name a download gets")
    sha256: str
    size_bytes: int
    content_type: str
    created_at: datetime
    url: str
    type: str | None = Field(
        default=None, description="an upload's type: " + ", ".join(uploads.UPLOAD_TYPES)
    )
    accepted_by: uuid.UUID | None = Field(
        default=None, description="the user who accepted a rate confirmation (its driver)"
    )
    accepted_at: datetime | None = Field(
        default=None, description="when; the document.accepted event carries its sha256"
    )


class DocumentList(BaseModel):
    items: list[DocumentRead]


def _read(document: Document) -> DocumentRead:
    return DocumentRead(
        id=document.id,
        kind=document.kind,
        name=document.filename,
        sha256=document.sha256,
        size_bytes=document.size_bytes,
        content_type=document.content_type,
        created_at=document.created_at,
        url=f"/api/shipments/{document.shipment_id}/documents/{document.id}",
        type=uploads.upload_type(document),
        accepted_by=document.accepted_by,
        accepted_at=document.accepted_at,
    )


@router.get("/api/shipments/{shipment_id}/documents", responses=problems(404))
async def list_documents(
    shipment_id: uuid.UUID, actor: CurrentUser, session: SessionDep, ctx: Context
) -> DocumentList:
    """The shipment's documents the caller may see, oldest first. Made when first asked
    for (each a ``document.generated`` event carrying its sha256): the bill of lading of
    the present version; once delivered, the proof-of-delivery certificate; a rate
    confirmation per offer (made when offered) and for a load assigned by hand; once
    delivered and invoiced, the invoice packet (invoice, bill of lading, certificate).

    Staff see all; the shipper the bill of lading, certificate and invoice packet; the
    load's driver the bill of lading, certificate, uploads and their own rate
    confirmation (``accepted_by``, ``accepted_at`` once accepted with the offer)."""
    found = await service.documents(ctx, session, actor, shipment_id)
    return DocumentList(items=[_read(d) for d in found])


@router.get(
    "/api/shipments/{shipment_id}/documents/{document_id}",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}},
        **problems(404),
    },
)
async def get_document(
    shipment_id: uuid.UUID,
    document_id: uuid.UUID,
    actor: CurrentUser,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """One document's file (``application/pdf`` for the generated ones; an upload's own
    type, as a download)."""
    found = await service.document_file(ctx, session, actor, shipment_id, document_id)
    return Response(found.data, media_type=found.document.content_type, headers=found.headers)


UPLOAD_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "type"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "type": {"type": "string", "enum": list(uploads.UPLOAD_TYPES)},
                    },
                }
            }
        },
    }
}


async def _upload_form(request: Request) -> tuple[str, str | None, bytes]:
    """The form's ``type``, the file's name and its bytes (one byte past the limit at most)."""
    cap = request.app.state.ctx.settings.document_max_upload_bytes
    try:
        form = await request.form(max_files=1, max_fields=4, max_part_size=64 * 1024)
    except HTTPException as exc:
        if exc.status_code != 400:
            raise
        raise invalid("body", "file", msg="send one file and its type") from None
    try:
        file, kind = form.get("file"), form.get("type")
        if not isinstance(file, UploadFile):
            raise invalid("body", "file", msg="a file is required")
        return (kind if isinstance(kind, str) else ""), file.filename, await file.read(cap + 1)
    finally:
        await form.close()


@router.post(
    "/api/shipments/{shipment_id}/documents",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=UPLOAD_FORM,
    responses=problems(403, 413),
)
async def upload_document(
    shipment_id: uuid.UUID, request: Request, actor: CurrentUser, session: SessionDep, ctx: Context
) -> DocumentRead:
    """Add a document to the load: multipart ``file`` (a PDF, PNG or JPEG, judged by its
    content, up to ``FREIGHT_DOCUMENT_MAX_UPLOAD_BYTES``) and its ``type``. Staff and the
    load's driver may (others ``403``); each is a ``document.uploaded`` event with its
    sha256. The same file sent again as the same type answers the document already there.
    """
    await uploads.may_upload(session, actor, shipment_id)  # before the body is read
    kind, filename, data = await _upload_form(request)
    document = await uploads.upload(ctx, session, actor, shipment_id, kind, filename, data)
    try:
        await ctx.commit(session)
    except BaseException:
        await ctx.files.delete(document.name)
        raise
    return _read(document)


@router.get(
    "/api/offers/{offer_id}/rate-confirmation",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **problems(404)},
)
async def offer_rate_confirmation(
    offer_id: uuid.UUID, actor: CurrentUser, session: SessionDep, ctx: Context
) -> Response:
    """The offer's rate confirmation (``application/pdf``; its ``ETag`` is its sha256),
    for staff and the driver it is offered to: what accepting the offer accepts."""
    found = await service.offer_file(ctx, session, actor, offer_id)
    return Response(found.data, media_type=found.document.content_type, headers=found.headers)
