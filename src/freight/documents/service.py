"""A shipment's documents: made when first asked for, from the shipment as it is, and
kept with their sha256; each one made is a ``document.generated`` event, so its hash is in
the shipment's chain.

The bill of lading is made for every set of its facts (freight, parties, windows) that
someone asks for, so a moving load keeps its bill and an edited one gets a new one; the
proof-of-delivery certificate once the load is delivered; a rate confirmation for each
offer and for a load assigned by hand (``confirmations``); the invoice packet once the
load is delivered and invoiced (``packet``). The same facts make the same document, so
two people asking at once make one (the second insert loses on the unique basis and
reads the first's). Uploads are in ``uploads``.

Who sees what: staff every document; the shipper the bill of lading, the
proof-of-delivery certificate and the invoice packet (not the carrier's rate
confirmations, nor the uploads, which are the carrier's records); the load's driver the
bill of lading, the certificate, the uploads and their own rate confirmations.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, Role
from freight.billing.pdf import company_party
from freight.context import AppContext
from freight.dispatch import pod
from freight.dispatch.models import ProofOfDelivery
from freight.documents import bol, confirmations, packet, pod_certificate
from freight.documents.models import Document, DocumentKind
from freight.documents.store import Wanted, fresh, look_of, make, stored
from freight.errors import NotFound
from freight.events import Event
from freight.fleet.models import Driver
from freight.identity import accounts
from freight.identity import service as identity
from freight.places.nearby import in_words, nearby
from freight.shipments import service as shipments
from freight.shipments.lifecycle import Status
from freight.shipments.models import Shipment
from freight.storage import SANDBOX_CSP

CUSTOMER_KINDS = frozenset(
    {DocumentKind.BOL, DocumentKind.POD_CERTIFICATE, DocumentKind.INVOICE_PACKET}
)
DRIVER_KINDS = frozenset({DocumentKind.BOL, DocumentKind.POD_CERTIFICATE, DocumentKind.UPLOAD})


def wanted(shipment: Shipment, proof: ProofOfDelivery | None) -> list[Wanted]:
    """The bill of lading and certificate the shipment should have in its present state."""
    ref = shipment.reference
    found = [Wanted(DocumentKind.BOL, bol.basis(shipment), f"{ref}-bill-of-lading.pdf")]
    if proof is not None and shipment.status == Status.DELIVERED:
        found.append(
            Wanted(DocumentKind.POD_CERTIFICATE, f"pod:{proof.id}", f"{ref}-proof-of-delivery.pdf")
        )
    return found


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
        look=await look_of(session, shipment.organization_id),
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
    look = await look_of(session, shipment.organization_id)
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


async def _shown(
    session: AsyncSession, actor: Actor, shipment_id: uuid.UUID, found: list[Document]
) -> list[Document]:
    """The documents among ``found`` this caller may see."""
    if actor.is_staff:
        return found
    if actor.role == Role.DRIVER:
        own = await confirmations.own_bases(session, actor, shipment_id)
        return [
            d
            for d in found
            if d.kind in DRIVER_KINDS
            or (d.kind == DocumentKind.RATE_CONFIRMATION and confirmations.is_own(d, actor, own))
        ]
    return [d for d in found if d.kind in CUSTOMER_KINDS]


async def documents(
    ctx: AppContext,
    session: AsyncSession,
    actor: Actor,
    shipment_id: uuid.UUID,
    *,
    make_missing: bool = True,
) -> list[Document]:
    """The shipment's documents the caller may see, the ones its present state calls for
    made first (unless ``make_missing`` is false: a page shown again after a refused form).

    ``session`` reads (it may be read-only, and must hold no write lock); documents are
    written in their own transactions.
    """
    shipment = await shipments.get_visible(session, actor, shipment_id)
    found = await stored(session, shipment.id)
    if not make_missing:
        return await _shown(session, actor, shipment.id, found)
    proof = await pod.delivered_proof(session, shipment)
    have = {(d.kind, d.basis) for d in found}
    made = 0
    for want in wanted(shipment, proof):
        if (want.kind, want.basis) in have:
            continue
        if want.kind == DocumentKind.BOL:
            data = await _bol(ctx, session, actor, shipment)
        else:
            assert proof is not None
            data = await _certificate(ctx, session, shipment, proof)
        await make(ctx, actor, shipment.id, want, data)
        made += 1
    bases = {b for k, b in have if k == DocumentKind.RATE_CONFIRMATION}
    for want, data in await confirmations.wanted(ctx, session, actor, shipment, bases):
        await make(ctx, actor, shipment.id, want, data)
        made += 1
    if made:
        found = await fresh(ctx, shipment.id)
    bundle = await packet.wanted(ctx, session, actor, shipment, found)
    if bundle is not None:
        await make(ctx, actor, shipment.id, *bundle)
        found = await fresh(ctx, shipment.id)
    return await _shown(session, actor, shipment.id, found)


async def acceptors(session: AsyncSession, actor: Actor, found: list[Document]) -> dict[str, str]:
    """The names of those who accepted these documents (their driver record's, else their
    user's), by user id as a string."""
    users = {d.accepted_by for d in found if d.accepted_by is not None}
    if not users:
        return {}
    names = await identity.user_names(session, actor, set(users))
    drivers = await session.execute(
        select(Driver.user_id, Driver.full_name).where(
            Driver.user_id.in_(users), Driver.organization_id == actor.organization_id
        )
    )
    names |= {user_id: name for user_id, name in drivers if user_id is not None}
    return {str(user_id): name for user_id, name in names.items()}


@dataclass(frozen=True, slots=True)
class DocumentFile:
    data: bytes
    document: Document

    @property
    def headers(self) -> dict[str, str]:
        """Made documents open in the browser; uploads are downloaded, and sandboxed
        should they be opened anyway (their bytes are someone else's)."""
        document = self.document
        common = {"Cache-Control": "private, max-age=3600", "ETag": f'"{document.sha256}"'}
        if document.kind == DocumentKind.UPLOAD:
            return common | {
                "Content-Disposition": f'attachment; filename="{document.filename}"',
                "Content-Security-Policy": SANDBOX_CSP,
            }
        return common | {"Content-Disposition": f'inline; filename="{document.filename}"'}


async def document_file(
    ctx: AppContext,
    session: AsyncSession,
    actor: Actor,
    shipment_id: uuid.UUID,
    document_id: uuid.UUID,
) -> DocumentFile:
    """One stored document of a shipment the caller may see (404 for one they may not)."""
    await shipments.get_visible(session, actor, shipment_id)
    document = await session.scalar(
        select(Document).where(Document.id == document_id, Document.shipment_id == shipment_id)
    )
    if document is None or not await _shown(session, actor, shipment_id, [document]):
        raise NotFound("document", document_id)
    return DocumentFile(await ctx.files.read(document.name), document)


async def offer_file(
    ctx: AppContext, session: AsyncSession, actor: Actor, offer_id: uuid.UUID
) -> DocumentFile:
    """The rate confirmation of an offer, for staff and the driver it is offered to."""
    document = await confirmations.of_offer(ctx, session, actor, offer_id)
    if document is None:
        raise NotFound("offer", offer_id)
    return DocumentFile(await ctx.files.read(document.name), document)
