"""Routes for a shipment's documents: the list (made when first asked for) and each file."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from freight.deps import Context, CurrentUser, SessionDep
from freight.documents import service
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
    )


@router.get("/api/shipments/{shipment_id}/documents", responses=problems(404))
async def list_documents(
    shipment_id: uuid.UUID, actor: CurrentUser, session: SessionDep, ctx: Context
) -> DocumentList:
    """The shipment's documents, oldest first: the bill of lading of its present version
    and, once delivered, the proof-of-delivery certificate are made when first asked for
    (each one made is a ``document.generated`` event carrying its sha256)."""
    found = await service.documents(ctx, session, actor, shipment_id)
    return DocumentList(items=[_read(d) for d in found])


@router.get(
    "/api/shipments/{shipment_id}/documents/{document_id}",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **problems(404)},
)
async def get_document(
    shipment_id: uuid.UUID,
    document_id: uuid.UUID,
    actor: CurrentUser,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """One document's file (``application/pdf`` for the generated ones)."""
    found = await service.document_file(ctx, session, actor, shipment_id, document_id)
    return Response(found.data, media_type=found.document.content_type, headers=found.headers)
