"""Payments and refunds against invoices: reserve, settle, and the billing history.

The open balance of an invoice is ``total - paid - pending payments``, checked with the
invoice row locked, so concurrent payments can never take it below zero. A card payment
is first reserved as ``pending`` (committed before the provider is called, so the
provider call holds no lock), then settled by the provider's answer or its webhook,
whichever comes first; settling a payment that is no longer pending does nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor, Role, scoped
from freight.billing import invoices, ledger
from freight.billing.models import Invoice, Payment, Refund
from freight.billing.providers.stripe import ChargeResult, RefundResult
from freight.billing.schemas import PaymentCreate
from freight.billing.statuses import OPEN_INVOICE, InvoiceStatus, PaymentStatus, RefundStatus
from freight.db import utcnow
from freight.errors import Conflict, Forbidden, InvalidTransition, NotFound, invalid
from freight.pagination import page_newest_first


async def open_balance(session: AsyncSession, invoice: Invoice) -> int:
    """What may still be paid: total less paid less payments in flight."""
    pending = await session.scalar(
        select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
            Payment.invoice_id == invoice.id, Payment.status == PaymentStatus.PENDING
        )
    )
    return invoice.total_cents - invoice.paid_cents - int(pending or 0)


def _restate(invoice: Invoice) -> None:
    if invoice.status == InvoiceStatus.VOID:
        return
    if invoice.paid_cents >= invoice.total_cents:
        invoice.status = InvoiceStatus.PAID
    elif invoice.paid_cents > 0:
        invoice.status = InvoiceStatus.PARTIALLY_PAID
    else:
        invoice.status = InvoiceStatus.ISSUED


def _event_data(payment: Payment, **extra: object) -> dict[str, object]:
    return {
        "payment_id": str(payment.id),
        "invoice_id": str(payment.invoice_id),
        "amount_cents": payment.amount_cents,
        "currency": payment.currency,
        "method": payment.method,
        **extra,
    }


async def reserve(
    session: AsyncSession, actor: Actor, body: PaymentCreate, cards_enabled: bool
) -> Payment:
    """Check and create the payment: offline methods succeed at once, cards start pending."""
    if actor.role == Role.CUSTOMER and body.method != "card":
        raise Forbidden("customers pay by card; the office records cheques and transfers")
    if body.method == "card" and not cards_enabled:
        error = Conflict("card payments are not configured on this server")
        error.code = "card_payments_unavailable"
        raise error
    if body.method != "card" and body.payment_method is not None:
        raise invalid("body", "payment_method", msg="only card payments take a payment method")
    visible = await ledger.get_visible(session, actor, body.invoice_id)
    invoice = await invoices.locked(session, actor.organization_id, visible.id)
    if invoice.status not in OPEN_INVOICE:
        raise InvalidTransition(f"a {invoice.status} invoice cannot be paid")
    balance = await open_balance(session, invoice)
    if body.amount_cents > balance:
        raise invalid(
            "body",
            "amount_cents",
            msg=f"more than the open balance of {max(balance, 0)} cents",
            kind="over_balance",
            ctx={"limit_cents": max(balance, 0), "currency": invoice.currency},
        )
    payment = Payment(
        id=uuid.uuid4(),
        organization_id=actor.organization_id,
        invoice_id=invoice.id,
        customer_id=invoice.customer_id,
        amount_cents=body.amount_cents,
        currency=invoice.currency,
        method=body.method,
        status=PaymentStatus.PENDING,
        reference=body.reference,
        provider="stripe" if body.method == "card" else None,
        created_by=actor.user_id or actor.api_key_id,
        created_at=utcnow(),
    )
    session.add(payment)
    await session.flush()
    if body.method != "card":
        await _succeed(session, actor, invoice, payment)
    return payment


async def _succeed(
    session: AsyncSession, actor: Actor | None, invoice: Invoice, payment: Payment
) -> None:
    payment.status, payment.settled_at = PaymentStatus.SUCCEEDED, utcnow()
    invoice.paid_cents += payment.amount_cents
    _restate(invoice)
    await session.flush()
    await events.record(
        session, actor, payment.organization_id, "payment.succeeded", _event_data(payment)
    )


async def locked_payment(session: AsyncSession, payment_id: uuid.UUID) -> Payment:
    """A payment with its row locked (any organisation: callers scope it first)."""
    payment = await session.scalar(
        select(Payment)
        .where(Payment.id == payment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if payment is None:
        raise NotFound("payment", payment_id)
    return payment


async def settle_charge(
    session: AsyncSession, actor: Actor | None, payment_id: uuid.UUID, result: ChargeResult
) -> Payment:
    """Apply the provider's answer to a pending card payment (idempotent)."""
    invoice_id = await session.scalar(select(Payment.invoice_id).where(Payment.id == payment_id))
    if invoice_id is None:
        raise NotFound("payment", payment_id)
    payment = await locked_payment(session, payment_id)
    invoice = await invoices.locked(session, payment.organization_id, invoice_id)
    if payment.status != PaymentStatus.PENDING:
        return payment
    if result.provider_ref and payment.provider_ref is None:
        payment.provider_ref = result.provider_ref
    payment.card_brand = result.brand or payment.card_brand
    payment.card_last4 = result.last4 or payment.card_last4
    if result.outcome == "succeeded":
        await _succeed(session, actor, invoice, payment)
    elif result.outcome == "failed":
        payment.status, payment.settled_at = PaymentStatus.FAILED, utcnow()
        payment.failure_reason = result.failure_reason or "declined"
        await session.flush()
        await events.record(
            session,
            actor,
            payment.organization_id,
            "payment.failed",
            _event_data(payment, reason=payment.failure_reason),
        )
    else:  # pending: the client_secret goes to the caller only (checkout), never stored
        await session.flush()
    return payment


async def get(session: AsyncSession, actor: Actor, payment_id: uuid.UUID) -> Payment:
    """A payment the caller may see."""
    stmt = scoped(Payment, actor).where(Payment.id == payment_id)
    if actor.role == Role.CUSTOMER:
        stmt = stmt.where(Payment.customer_id == actor.customer_id)
    payment = await session.scalar(stmt)
    if not isinstance(payment, Payment):
        raise NotFound("payment", payment_id)
    return payment


async def list_page(
    session: AsyncSession,
    actor: Actor,
    limit: int,
    cursor: str | None,
    invoice_id: uuid.UUID | None = None,
    status: str | None = None,
) -> tuple[Sequence[Payment], str | None]:
    """Billing history, newest first (a customer's own account only)."""
    stmt = scoped(Payment, actor)
    if actor.role == Role.CUSTOMER:
        stmt = stmt.where(Payment.customer_id == actor.customer_id)
    if invoice_id is not None:
        stmt = stmt.where(Payment.invoice_id == invoice_id)
    if status is not None:
        stmt = stmt.where(Payment.status == status)
    return await page_newest_first(session, Payment, stmt, limit, cursor)


async def reserve_refund(
    session: AsyncSession,
    actor: Actor,
    payment_id: uuid.UUID,
    amount: int | None,
    reason: str | None,
) -> tuple[Payment, Refund]:
    """Check and create a refund: never more than what was paid and not yet refunded."""
    payment = await get(session, actor, payment_id)
    payment = await locked_payment(session, payment.id)
    if payment.status != PaymentStatus.SUCCEEDED:
        raise InvalidTransition(f"a {payment.status} payment cannot be refunded")
    pending = await session.scalar(
        select(func.coalesce(func.sum(Refund.amount_cents), 0)).where(
            Refund.payment_id == payment.id, Refund.status == RefundStatus.PENDING
        )
    )
    refundable = payment.amount_cents - payment.refunded_cents - int(pending or 0)
    amount = refundable if amount is None else amount
    if amount <= 0 or amount > refundable:
        raise invalid(
            "body",
            "amount_cents",
            msg=f"at most {max(refundable, 0)} cents can be refunded",
            kind="over_refundable",
            ctx={"limit_cents": max(refundable, 0), "currency": payment.currency},
        )
    refund = Refund(
        id=uuid.uuid4(),
        organization_id=payment.organization_id,
        payment_id=payment.id,
        amount_cents=amount,
        status=RefundStatus.PENDING,
        reason=reason,
        created_by=actor.user_id or actor.api_key_id,
        created_at=utcnow(),
    )
    session.add(refund)
    await session.flush()
    if payment.method != "card":  # money sent back by the office: recorded as done
        await settle_refund(session, actor, refund.id, RefundResult("succeeded", None))
    return payment, refund


async def settle_refund(
    session: AsyncSession, actor: Actor | None, refund_id: uuid.UUID, result: RefundResult
) -> Refund:
    """Apply the provider's answer to a pending refund (idempotent)."""
    refund = await session.scalar(
        select(Refund).where(Refund.id == refund_id).execution_options(populate_existing=True)
    )
    if refund is None:
        raise NotFound("refund", refund_id)
    payment = await locked_payment(session, refund.payment_id)
    invoice = await invoices.locked(session, payment.organization_id, payment.invoice_id)
    if refund.status != RefundStatus.PENDING:
        return refund
    refund.provider_ref = refund.provider_ref or result.provider_ref
    if result.outcome == "pending":
        await session.flush()
        return refund
    refund.settled_at = utcnow()
    if result.outcome == "failed":
        refund.status = RefundStatus.FAILED
        await session.flush()
        return refund
    refund.status = RefundStatus.SUCCEEDED
    payment.refunded_cents += refund.amount_cents
    if payment.refunded_cents >= payment.amount_cents:
        payment.status = PaymentStatus.REFUNDED
    invoice.paid_cents -= refund.amount_cents
    _restate(invoice)
    await session.flush()
    await events.record(
        session,
        actor,
        payment.organization_id,
        "payment.refunded",
        _event_data(payment, refund_id=str(refund.id), refunded_cents=refund.amount_cents),
    )
    return refund
