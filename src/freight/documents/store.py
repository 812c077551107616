"""Keeping a document: its file in the store and its row and event in the shipment's chain.

A made document is written in a transaction of its own (``make``), so two people asking
at once make one (the second insert loses on the unique basis and removes its file);
``insert`` does the same inside the caller's transaction (an upload, an acceptance).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor
from freight.billing.pdf import Look
from freight.context import AppContext
from freight.documents.models import Document, DocumentKind
from freight.identity import organization
from freight.shipments.models import Shipment
from freight.storage import StoredFile

PDF = "application/pdf"


@dataclass(frozen=True)
class Wanted:
    """A document the shipment should have now: its kind, what it is made from, its name."""

    kind: DocumentKind
    basis: str
    filename: str


async def look_of(session: AsyncSession, organization_id: uuid.UUID) -> Look:
    """The organisation's paper, locale, zone and units."""
    shown = await organization.presentation(session, organization_id)
    return Look(shown.paper_size, shown.locale, shown.timezone, shown.units)


async def stored(session: AsyncSession, shipment_id: uuid.UUID) -> list[Document]:
    """The shipment's documents, oldest first."""
    rows = await session.scalars(
        select(Document)
        .where(Document.shipment_id == shipment_id)
        .order_by(Document.created_at, Document.id)
    )
    return list(rows.all())


async def fresh(ctx: AppContext, shipment_id: uuid.UUID) -> list[Document]:
    """The shipment's documents read in a new transaction (one that sees what was just
    made in others)."""
    async with ctx.read_sessions() as session:
        return await stored(session, shipment_id)


async def insert(
    session: AsyncSession,
    actor: Actor | None,
    shipment: Shipment,
    want: Wanted,
    saved: StoredFile,
    event_type: str = "document.generated",
    **data: Any,
) -> Document:
    """The document's row and its event (with its sha256), in the caller's transaction."""
    document = Document(
        organization_id=shipment.organization_id,
        shipment_id=shipment.id,
        kind=want.kind,
        basis=want.basis,
        name=saved.name,
        filename=want.filename,
        content_type=saved.content_type,
        size_bytes=saved.size,
        sha256=saved.sha256,
        created_by=actor.user_id if actor else None,
    )
    session.add(document)
    await session.flush()
    body = {
        "document_id": str(document.id),
        "kind": want.kind.value,
        "sha256": saved.sha256,
        "basis": want.basis,
    }
    await events.record(
        session,
        actor,
        shipment.organization_id,
        event_type,
        body | data,
        shipment_id=shipment.id,
    )
    return document


async def make(
    ctx: AppContext, actor: Actor | None, shipment_id: uuid.UUID, want: Wanted, data: bytes
) -> None:
    """Store the bytes and record the document and its event in one transaction of its
    own; a concurrent maker that got there first wins and this file is removed."""
    saved = await ctx.files.save(data, "pdf", PDF)
    try:
        async with ctx.sessions() as session:
            shipment = await session.get_one(Shipment, shipment_id)
            await insert(session, actor, shipment, want, saved)
            await ctx.commit(session)
    except IntegrityError:
        await ctx.files.delete(saved.name)
    except BaseException:
        await ctx.files.delete(saved.name)
        raise
