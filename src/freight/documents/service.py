"""A shipment's documents: made when first asked for, from the shipment as it is, and
kept with their sha256; each one made is a ``document.generated`` event, so its hash is in
the shipment's chain.

The bill of lading is made for every version of the shipment that someone asks for; the
proof-of-delivery certificate once the load is delivered. The same facts make the same
bytes, so two people asking at once make one document (the second insert loses on the
unique basis and reads the first's).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial

import anyio
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor
from freight.billing.pdf import Look, company_party
from freight.context import AppContext
from freight.dispatch import pod
from freight.dispatch.models import ProofOfDelivery
from freight.documents import bol, pod_certificate
from freight.documents.models import Document, DocumentKind
from freight.errors import NotFound
from freight.events import Event
from freight.identity import accounts, organization
from freight.places.nearby import in_words, nearby
from freight.shipments import service as shipments
from freight.shipments.lifecycle import Status
from freight.shipments.models import Shipment

PDF = "application/pdf"


@dataclass(frozen=True)
class Wanted:
    """A document the shipment should have now: its kind, what it is made from, its name."""

    kind: DocumentKind
    basis: str
    filename: str


def wanted(shipment: Shipment, proof: ProofOfDelivery | None) -> list[Wanted]:
    """The documents the shipment should have in its present state."""
    ref = shipment.reference
    found = [Wanted(DocumentKind.BOL, f"v{shipment.version}", f"{ref}-bill-of-lading.pdf")]
    if proof is not None:
        found.append(
            Wanted(DocumentKind.POD_CERTIFICATE, f"pod:{proof.id}", f"{ref}-proof-of-delivery.pdf")
        )
    return found


async def _look(session: AsyncSession, organization_id: uuid.UUID) -> Look:
    shown = await organization.presentation(session, organization_id)
    return Look(shown.paper_size, shown.locale, shown.timezone, shown.units)


async def _bol(ctx: AppContext, session: AsyncSession, actor: Actor, shipment: Shipment) -> bytes:
    account = ""
    if shipment.customer_id is not None:
        account = (await accounts.names(session, actor, [shipment.customer_id])).get(
            shipment.customer_id, ""
        )
    facts = bol.BolFacts(
        company=company_party(ctx.settings),
        shipper_account=account,
        tracking_url=f"{ctx.settings.public_base_url.rstrip('/')}/track/{shipment.reference}",
        look=await _look(session, shipment.organization_id),
    )
    return await anyio.to_thread.run_sync(partial(bol.render, shipment, facts))


async def _certificate(
    ctx: AppContext, session: AsyncSession, shipment: Shipment, proof: ProofOfDelivery
) -> bytes:
    delivered = await session.scalar(
        select(Event)
        .where(Event.shipment_id == shipment.id, Event.type == "shipment.delivered")
        .order_by(Event.seq.desc())
    )
    if delivered is None or delivered.seq is None:
        raise NotFound("delivery event")
    look = await _look(session, shipment.organization_id)
    place = ""
    if proof.lat is not None and proof.lng is not None:
        near = await anyio.to_thread.run_sync(nearby, proof.lat, proof.lng)
        place = (in_words(near, look.units, look.locale) or "") if near else ""
    images: dict[str, list[bytes]] = {f["role"]: [] for f in proof.files}
    for entry in proof.files:
        images[entry["role"]].append(await ctx.files.read(entry["name"]))
    facts = pod_certificate.ProofFacts(
        company=company_party(ctx.settings),
        look=look,
        recipient=proof.recipient_name,
        delivered_at=proof.delivered_at,
        received_at=proof.received_at,
        lat=proof.lat,
        lng=proof.lng,
        place=place,
        anchor=pod_certificate.Anchor(delivered.id, delivered.seq, delivered.hash),
        files=[{"role": f["role"], "sha256": f["sha256"]} for f in proof.files],
        signature=next(iter(images.get("signature", [])), None),
        photos=images.get("photos", []),
    )
    return await anyio.to_thread.run_sync(partial(pod_certificate.render, shipment, facts))


async def _stored(session: AsyncSession, shipment_id: uuid.UUID) -> list[Document]:
    rows = await session.scalars(
        select(Document).where(Document.shipment_id == shipment_id).order_by(Document.created_at)
    )
    return list(rows.all())


async def _make(
    ctx: AppContext,
    actor: Actor,
    shipment_id: uuid.UUID,
    want: Wanted,
    data: bytes,
) -> None:
    """Store the bytes and record the document and its event in one transaction; a
    concurrent maker that got there first wins and this file is removed."""
    saved = await ctx.files.save(data, "pdf", PDF)
    try:
        async with ctx.sessions() as session:
            shipment = await session.get_one(Shipment, shipment_id)
            document = Document(
                organization_id=shipment.organization_id,
                shipment_id=shipment.id,
                kind=want.kind,
                basis=want.basis,
                name=saved.name,
                filename=want.filename,
                content_type=PDF,
                size_bytes=saved.size,
                sha256=saved.sha256,
                created_by=actor.user_id,
            )
            session.add(document)
            await session.flush()
            data_ = {
                "document_id": str(document.id),
                "kind": want.kind.value,
                "sha256": saved.sha256,
                "basis": want.basis,
            }
            await events.record(
                session,
                actor,
                shipment.organization_id,
                "document.generated",
                data_,
                shipment_id=shipment.id,
            )
            await ctx.commit(session)
    except IntegrityError:
        await ctx.files.delete(saved.name)
    except BaseException:
        await ctx.files.delete(saved.name)
        raise


async def documents(
    ctx: AppContext, session: AsyncSession, actor: Actor, shipment_id: uuid.UUID
) -> list[Document]:
    """The shipment's documents, the ones its present state calls for made first.

    ``session`` reads (it may be read-only); documents are written in their own
    transactions.
    """
    shipment = await shipments.get_visible(session, actor, shipment_id)
    proof = await pod.delivered_proof(session, shipment)
    have = {(d.kind, d.basis) for d in await _stored(session, shipment.id)}
    missing = [w for w in wanted(shipment, proof) if (w.kind, w.basis) not in have]
    for want in missing:
        if want.kind == DocumentKind.BOL:
            data = await _bol(ctx, session, actor, shipment)
        elif proof is not None and shipment.status == Status.DELIVERED:
            data = await _certificate(ctx, session, shipment, proof)
        else:
            continue
        await _make(ctx, actor, shipment.id, want, data)
    if missing:
        await session.rollback()  # a fresh snapshot sees what was just written
    return await _stored(session, shipment_id)


@dataclass(frozen=True, slots=True)
class DocumentFile:
    data: bytes
    document: Document

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Content-Disposition": f'inline; filename="{self.document.filename}"',
            "Cache-Control": "private, max-age=3600",
            "ETag": f'"{self.document.sha256}"',
        }


async def document_file(
    ctx: AppContext,
    session: AsyncSession,
    actor: Actor,
    shipment_id: uuid.UUID,
    document_id: uuid.UUID,
) -> DocumentFile:
    """One stored document of a shipment the caller may see."""
    await shipments.get_visible(session, actor, shipment_id)
    document = await session.scalar(
        select(Document).where(Document.id == document_id, Document.shipment_id == shipment_id)
    )
    if document is None:
        raise NotFound("document", document_id)
    return DocumentFile(await ctx.files.read(document.name), document)
