"""The invoice packet: the invoice, the bill of lading and the proof-of-delivery certificate
of a delivered, invoiced load merged into one PDF (pypdf), in that order.

Its basis is the invoice number and a digest of its parts (the invoice's state, the two
documents' sha256), so it is made again only when a part changes: a payment, a new bill
of lading.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from functools import partial

import anyio
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor
from freight.billing import invoices
from freight.billing.models import Invoice, InvoicedShipment
from freight.billing.pdf import company_party
from freight.billing.statuses import InvoiceStatus
from freight.context import AppContext
from freight.documents.models import Document, DocumentKind
from freight.documents.store import Wanted
from freight.shipments.lifecycle import Status
from freight.shipments.models import Shipment

KIND = DocumentKind.INVOICE_PACKET
BILLED = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID)


def merge(parts: Sequence[bytes]) -> bytes:
    """The PDFs one after the other, every page of each (blocking: call in a thread)."""
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def invoice_of(session: AsyncSession, shipment: Shipment) -> Invoice | None:
    """The issued (or paid) live invoice the shipment is on, if any."""
    invoice = await session.scalar(
        select(Invoice)
        .join(InvoicedShipment, InvoicedShipment.invoice_id == Invoice.id)
        .where(InvoicedShipment.shipment_id == shipment.id)
    )
    return invoice if invoice is not None and invoice.status in BILLED else None


def _latest(documents: Sequence[Document], kind: DocumentKind) -> Document | None:
    found = [d for d in documents if d.kind == kind]
    return found[-1] if found else None


def basis(invoice: Invoice, bol: Document, proof: Document) -> str:
    """What the packet is made from, in 40 characters: the invoice and its parts' digest."""
    parts = [str(invoice.id), invoice.status, str(invoice.paid_cents), str(invoice.total_cents)]
    parts += [bol.sha256, proof.sha256]
    return f"{invoice.number}:{hashlib.sha256('|'.join(parts).encode()).hexdigest()[:16]}"


async def wanted(
    ctx: AppContext,
    session: AsyncSession,
    actor: Actor,
    shipment: Shipment,
    documents: Sequence[Document],
) -> tuple[Wanted, bytes] | None:
    """The packet the load should have now, rendered, unless ``documents`` hold it: only
    for staff and the shipper, once the load is delivered and invoiced."""
    if shipment.status != Status.DELIVERED or not (actor.is_staff or actor.customer_id):
        return None
    bol = _latest(documents, DocumentKind.BOL)
    proof = _latest(documents, DocumentKind.POD_CERTIFICATE)
    invoice = await invoice_of(session, shipment)
    if invoice is None or bol is None or proof is None:
        return None
    want = Wanted(KIND, basis(invoice, bol, proof), f"{shipment.reference}-invoice-packet.pdf")
    if any(d.kind == KIND and d.basis == want.basis for d in documents):
        return None
    bill = await invoices.pdf_of(session, actor, invoice.id, company_party(ctx.settings))
    parts = [bill.data, await ctx.files.read(bol.name), await ctx.files.read(proof.name)]
    return want, await anyio.to_thread.run_sync(partial(merge, parts))
