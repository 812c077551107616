"""Invoices: created from delivered shipments (by an admin, or on delivery), issued, voided.

Numbers are ``INV-<year>-<6 digits>`` per organisation, taken from a counter row bumped
by ``UPDATE ... RETURNING`` in the creating transaction: concurrent creators queue on
that row, and a rolled-back creation gives its number back, so there are no gaps and no
duplicates. A shipment sits on at most one live invoice (``invoiced_shipments`` has the
shipment as primary key); voiding an invoice releases its shipments.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import structlog
from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor, get_scoped
from freight.billing import accessorials, ledger, pdf
from freight.billing import lines as items
from freight.billing.models import (
    Accessorial,
    Invoice,
    InvoiceCounter,
    InvoicedShipment,
    InvoiceLine,
    Payment,
    RateCard,
    ShipmentPrice,
)
from freight.billing.rates import Line, card_for, totals
from freight.billing.statuses import VOIDABLE_INVOICE, InvoiceStatus, PaymentStatus
from freight.db import utcnow
from freight.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotFound,
    ValidationFailed,
    invalid,
)
from freight.identity import organization
from freight.identity.models import Customer
from freight.shipments.lifecycle import Status
from freight.shipments.models import Shipment
from freight.shipments.queries import ShipmentFilters, filtered

log = structlog.get_logger("freight.billing")
# Loads whose road is over: delivered, or returned to the shipper after a failed delivery.
# A cancelled load is billed only when it earned a charge (a truck ordered, not used).
BILLABLE = frozenset({Status.DELIVERED, Status.RETURNED})


async def next_number(session: AsyncSession, organization_id: uuid.UUID, year: int) -> str:
    """The next invoice number of this organisation and year, in the caller's transaction."""
    bump = (
        update(InvoiceCounter)
        .where(InvoiceCounter.organization_id == organization_id, InvoiceCounter.year == year)
        .values(last_value=InvoiceCounter.last_value + 1)
        .returning(InvoiceCounter.last_value)
        .execution_options(synchronize_session=False)
    )
    value = (await session.execute(bump)).scalar_one_or_none()
    if value is None:  # the year's first invoice: create the counter (another may race us)
        try:
            async with session.begin_nested():
                session.add(
                    InvoiceCounter(organization_id=organization_id, year=year, last_value=0)
                )
        except IntegrityError:
            pass
        value = (await session.execute(bump)).scalar_one()
    return f"INV-{year}-{value:06d}"


async def _shipments(
    session: AsyncSession,
    organization_id: uuid.UUID,
    customer_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
) -> list[Shipment]:
    found = {
        s.id: s
        for s in (
            await session.execute(
                select(Shipment).where(
                    Shipment.organization_id == organization_id, Shipment.id.in_(set(ids))
                )
            )
        ).scalars()
    }
    cancelled = [s.id for s in found.values() if s.status == Status.CANCELLED]
    charged = {c.shipment_id for c in await accessorials.of_shipments(session, cancelled)}
    errors = []
    for i, ident in enumerate(ids):
        shipment = found.get(ident)
        if shipment is None:
            errors.append({"loc": ["body", "shipment_ids", i], "msg": "no such shipment"})
        elif shipment.customer_id != customer_id:
            errors.append({"loc": ["body", "shipment_ids", i], "msg": "belongs to another account"})
        elif shipment.status not in BILLABLE and not (
            shipment.status == Status.CANCELLED and shipment.id in charged
        ):
            errors.append({"loc": ["body", "shipment_ids", i], "msg": "is not delivered"})
    if len(set(ids)) != len(ids):
        errors.append({"loc": ["body", "shipment_ids"], "msg": "lists a shipment twice"})
    if errors:
        raise ValidationFailed("these shipments cannot be invoiced", errors=errors)
    return [found[i] for i in ids]


async def _refuse_invoiced(session: AsyncSession, shipment_ids: Sequence[uuid.UUID]) -> None:
    """Conflict when any of these shipments is already on a live invoice."""
    taken = (
        await session.execute(
            select(Shipment.reference, Invoice.number)
            .join(InvoicedShipment, InvoicedShipment.shipment_id == Shipment.id)
            .join(Invoice, Invoice.id == InvoicedShipment.invoice_id)
            .where(Shipment.id.in_(shipment_ids))
        )
    ).all()
    if taken:
        raise Conflict(", ".join(f"{ref} is already on {num}" for ref, num in taken))


async def _priced_lines(
    session: AsyncSession, shipments: Sequence[Shipment], card: RateCard | None
) -> tuple[list[Line], str]:
    """The invoice lines of these shipments at their frozen quotes, and their one currency."""
    frozen = {
        p.shipment_id: p
        for p in (
            await session.execute(
                select(ShipmentPrice).where(
                    ShipmentPrice.shipment_id.in_([s.id for s in shipments])
                )
            )
        ).scalars()
    }
    items.check_quotes(shipments, frozen)
    currencies = {items.currency_for(s, card) for s in shipments}
    if len(currencies) > 1:
        raise invalid(
            "body", "shipment_ids", msg="the shipments are priced in different currencies"
        )
    charges = await accessorials.of_shipments(session, [s.id for s in shipments])
    lines: list[Line] = []
    for shipment in shipments:
        if shipment.status != Status.CANCELLED:  # a cancelled load bills its TONU only
            lines += items.freight_for(shipment, frozen.get(shipment.id), card)
            lines += items.detention_for(shipment, frozen.get(shipment.id), card)
        lines += accessorials.lines(charges, shipment.id)
    return lines, currencies.pop()


async def _claim(session: AsyncSession, invoice: Invoice, shipments: Sequence[Shipment]) -> None:
    """Record the shipments as invoiced; the primary key refuses a concurrent second invoice."""
    try:
        async with session.begin_nested():
            session.add_all(
                InvoicedShipment(shipment_id=s.id, invoice_id=invoice.id) for s in shipments
            )
    except IntegrityError:  # a concurrent invoice took one of them first
        raise Conflict("one of these shipments was just invoiced by someone else") from None


async def create(
    session: AsyncSession, actor: Actor, customer_id: uuid.UUID, shipment_ids: Sequence[uuid.UUID]
) -> Invoice:
    """A draft invoice for delivered shipments of one account (the caller checks the role)."""
    org = actor.organization_id
    try:
        customer = await get_scoped(session, Customer, actor, customer_id)
    except NotFound:
        raise invalid("body", "customer_id", msg="no such customer") from None
    shipments = await _shipments(session, org, customer.id, shipment_ids)
    await _refuse_invoiced(session, shipment_ids)
    card = await card_for(session, org)
    lines, currency = await _priced_lines(session, shipments, card)
    tax_rate = card.tax_rate_bp if card else 0
    subtotal, tax, total = totals(lines, tax_rate)
    now = utcnow()
    invoice = Invoice(
        id=uuid.uuid4(),
        organization_id=org,
        number=await next_number(session, org, now.year),
        customer_id=customer.id,
        status=InvoiceStatus.DRAFT,
        currency=currency,
        subtotal_cents=subtotal,
        tax_rate_bp=tax_rate,
        tax_cents=tax,
        total_cents=total,
        terms_days=customer.payment_terms_days,
        terms=card.terms if card else None,
        shipment_references=[s.reference for s in shipments],
        created_at=now,
        lines=[InvoiceLine(position=i + 1, **vars(line)) for i, line in enumerate(lines)],
    )
    session.add(invoice)
    await session.flush()
    await _claim(session, invoice, shipments)
    single = shipments[0].id if len(shipments) == 1 else None
    await events.record(
        session,
        actor,
        org,
        "invoice.created",
        {"invoice_id": str(invoice.id), "number": invoice.number, "shipments": len(shipments)},
        shipment_id=single,
    )
    return invoice


async def auto_invoice(session: AsyncSession, actor: Actor, shipment: Shipment) -> Invoice | None:
    """On delivery, a draft invoice for the shipment when the organisation asks for one.

    A shipment that cannot be priced does not block its delivery: the miss is recorded
    as an ``invoice.auto_failed`` event for the office to follow up.
    """
    card = await card_for(session, shipment.organization_id)
    if card is None or not card.auto_invoice:
        return None
    try:
        async with session.begin_nested():
            return await create(session, actor, shipment.customer_id, [shipment.id])
    except DomainError as exc:
        log.warning("invoice.auto_failed", shipment_id=str(shipment.id), reason=exc.detail)
        await events.record(
            session,
            actor,
            shipment.organization_id,
            "invoice.auto_failed",
            {"reason": exc.detail or exc.code},
            shipment_id=shipment.id,
        )
        return None


async def locked(
    session: AsyncSession, organization_id: uuid.UUID, invoice_id: uuid.UUID
) -> Invoice:
    """An invoice of the organisation, its row locked until the transaction ends."""
    invoice = await session.scalar(
        select(Invoice)
        .where(Invoice.id == invoice_id, Invoice.organization_id == organization_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if invoice is None:
        raise NotFound("invoice", invoice_id)
    return invoice


async def issue(session: AsyncSession, actor: Actor, invoice_id: uuid.UUID) -> Invoice:
    """draft -> issued; the due date follows from the account's payment terms."""
    invoice = await locked(session, actor.organization_id, invoice_id)
    if invoice.status != InvoiceStatus.DRAFT:
        raise InvalidTransition(f"a {invoice.status} invoice cannot be issued")
    customer = await session.get_one(Customer, invoice.customer_id)
    now = utcnow()
    invoice.status, invoice.issued_at = InvoiceStatus.ISSUED, now
    invoice.terms_days = customer.payment_terms_days
    invoice.due_at = now + timedelta(days=customer.payment_terms_days)
    await session.flush()
    await events.record(
        session,
        actor,
        actor.organization_id,
        "invoice.issued",
        {
            "invoice_id": str(invoice.id),
            "number": invoice.number,
            "due_at": invoice.due_at.isoformat(),
        },
    )
    return invoice


async def void(session: AsyncSession, actor: Actor, invoice_id: uuid.UUID, reason: str) -> Invoice:
    """Cancel an invoice nothing is paid on; its shipments may be invoiced again."""
    invoice = await locked(session, actor.organization_id, invoice_id)
    if invoice.status not in VOIDABLE_INVOICE or invoice.paid_cents:
        raise InvalidTransition(f"a {invoice.status} invoice cannot be voided; refund it first")
    pending = await session.scalar(
        select(Payment.id).where(
            Payment.invoice_id == invoice.id, Payment.status == PaymentStatus.PENDING
        )
    )
    if pending is not None:
        raise Conflict("a payment on this invoice is still pending")
    invoice.status, invoice.voided_at, invoice.void_reason = InvoiceStatus.VOID, utcnow(), reason
    await session.execute(delete(InvoicedShipment).where(InvoicedShipment.invoice_id == invoice.id))
    await session.flush()
    await events.record(
        session,
        actor,
        actor.organization_id,
        "invoice.voided",
        {"invoice_id": str(invoice.id), "number": invoice.number, "reason": reason},
    )
    return invoice


@dataclass(frozen=True, slots=True)
class InvoicePdf:
    data: bytes
    filename: str  # the invoice number, ``INV-2026-000123.pdf``

    def headers(self, disposition: Literal["inline", "attachment"]) -> dict[str, str]:
        """The response headers the API (inline) and the pages (a download) send it with."""
        return {
            "Content-Disposition": f'{disposition}; filename="{self.filename}"',
            "Cache-Control": "private, no-store",
        }


async def pdf_of(
    session: AsyncSession, actor: Actor, invoice_id: uuid.UUID, company: pdf.Party
) -> InvoicePdf:
    """An invoice the caller may see, rendered as a PDF addressed to its account."""
    invoice = await ledger.get_visible(session, actor, invoice_id)
    customer = await session.get_one(Customer, invoice.customer_id)
    address = [line for line in (customer.billing_address or "").splitlines() if line.strip()]
    bill_to = pdf.Party(customer.name, [*address, customer.billing_email])
    shown = await organization.presentation(session, invoice.organization_id)
    look = pdf.Look(shown.paper_size, shown.locale, shown.timezone)
    document = await pdf.render_async(invoice, company, bill_to, look)
    return InvoicePdf(document, f"{invoice.number}.pdf")


async def uninvoiced(
    session: AsyncSession, actor: Actor, customer_id: uuid.UUID, limit: int = 200
) -> list[Shipment]:
    """Billable shipments of the account that are on no live invoice, newest first:
    delivered or returned, or cancelled with a charge earned (a TONU)."""
    on_invoice = exists().where(InvoicedShipment.shipment_id == Shipment.id)
    charged = exists().where(Accessorial.shipment_id == Shipment.id)
    billable = or_(
        Shipment.status.in_([s.value for s in BILLABLE]),
        and_(Shipment.status == Status.CANCELLED, charged),
    )
    stmt = (
        filtered(actor, ShipmentFilters(customer_id=customer_id))
        .where(billable, ~on_invoice)
        .order_by(func.coalesce(Shipment.delivered_at, Shipment.updated_at).desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())
