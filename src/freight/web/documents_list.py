"""The shipment page's list of documents: name, kind, size, when, sha256, a download link
and who accepted a rate confirmation.

Customers see what ``documents.service`` shows them (bill of lading, proof-of-delivery
certificate, invoice packet); the upload form and the rate confirmations are the staff's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from freight.access import Actor
from freight.context import AppContext
from freight.deps import SessionDep
from freight.documents import service as documents
from freight.documents import uploads

if TYPE_CHECKING:
    from freight.documents.models import Document

KIND_WORDS = {
    "bol": "Bill of lading",
    "rate_confirmation": "Rate confirmation",
    "pod_certificate": "Proof-of-delivery certificate",
    "invoice_packet": "Invoice packet",
}


@dataclass(frozen=True)
class Row:
    """One document as the page lists it."""

    id: str
    name: str
    kind: str
    size: str
    created_at: datetime
    sha256: str
    url: str
    accepted_by: str | None  # who accepted a rate confirmation (the driver's name)
    accepted_at: datetime | None


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _kind(document: Document) -> str:
    kind = uploads.upload_type(document)
    return uploads.UPLOAD_TYPES.get(kind, "Upload") if kind else KIND_WORDS[document.kind]


async def rows(
    ctx: AppContext,
    session: SessionDep,
    actor: Actor,
    shipment_id: uuid.UUID,
    *,
    make_missing: bool,
    links: str | None = None,
) -> list[Row]:
    """The documents the caller may see, newest first (made first when ``make_missing``);
    ``links`` is where their downloads are (the driver's view has its own)."""
    base = links or f"/app/shipments/{shipment_id}/documents"
    found = await documents.documents(ctx, session, actor, shipment_id, make_missing=make_missing)
    names = await documents.acceptors(session, actor, found) if actor.is_staff else {}
    listed = []
    for d in reversed(found):
        accepted = None
        if d.accepted_at is not None:
            accepted = names.get(str(d.accepted_by), "the driver")
        listed.append(
            Row(
                id=str(d.id),
                name=d.filename,
                kind=_kind(d),
                size=_size(d.size_bytes),
                created_at=d.created_at,
                sha256=d.sha256,
                url=f"{base}/{d.id}",
                accepted_by=accepted,
                accepted_at=d.accepted_at,
            )
        )
    return listed


def upload_context(actor: Actor) -> dict[str, Any]:
    """What the staff's upload form needs (nothing for customers)."""
    return {"upload_types": uploads.UPLOAD_TYPES if actor.is_staff else {}}
