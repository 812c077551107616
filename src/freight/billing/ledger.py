"""Reading invoices: who sees which, the list, balances, overdue, and aging buckets."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, Role, scoped
from freight.billing.models import Invoice
from freight.billing.schemas import AgingAccount, AgingBuckets, AgingRead, InvoiceRead
from freight.billing.statuses import OPEN_INVOICE, InvoiceStatus
from freight.db import utcnow
from freight.errors import NotFound
from freight.identity.models import Customer
from freight.pagination import page_newest_first


def visible(stmt: Select[Any], actor: Actor) -> Select[Any]:
    """Staff see the organisation's invoices; a customer their account's, once issued."""
    stmt = scoped(Invoice, actor, stmt)
    if actor.role == Role.CUSTOMER:
        if actor.customer_id is None:
            return stmt.where(false())
        return stmt.where(
            Invoice.customer_id == actor.customer_id, Invoice.status != InvoiceStatus.DRAFT
        )
    if actor.role == Role.DRIVER:
        return stmt.where(false())
    return stmt


async def get_visible(session: AsyncSession, actor: Actor, invoice_id: uuid.UUID) -> Invoice:
    """An invoice the caller may see, else ``NotFound``."""
    invoice = await session.scalar(visible(select(Invoice), actor).where(Invoice.id == invoice_id))
    if not isinstance(invoice, Invoice):
        raise NotFound("invoice", invoice_id)
    return invoice


def is_overdue(invoice: Invoice, now: datetime | None = None) -> bool:
    """Open, with a balance, and past its due date."""
    return (
        invoice.status in OPEN_INVOICE
        and invoice.due_at is not None
        and invoice.due_at < (now or utcnow())
        and invoice.total_cents > invoice.paid_cents
    )


def to_read(invoice: Invoice) -> InvoiceRead:
    """The API view of an invoice, with its derived balance and overdue flag."""
    return InvoiceRead.model_validate(
        {
            **{k: getattr(invoice, k) for k in InvoiceRead.model_fields if hasattr(invoice, k)},
            "lines": invoice.lines,
            "balance_cents": 0
            if invoice.status == InvoiceStatus.VOID
            else invoice.total_cents - invoice.paid_cents,
            "overdue": is_overdue(invoice),
        }
    )


async def list_page(
    session: AsyncSession,
    actor: Actor,
    limit: int,
    cursor: str | None,
    status: str | None = None,
    customer_id: uuid.UUID | None = None,
    overdue: bool = False,
) -> tuple[Sequence[Invoice], str | None]:
    """Invoices the caller may see, newest first; ``overdue``: open, unpaid and past due."""
    stmt = visible(select(Invoice), actor)
    if overdue:
        stmt = stmt.where(
            Invoice.status.in_(OPEN_INVOICE),
            Invoice.due_at < utcnow(),
            Invoice.total_cents > Invoice.paid_cents,
        )
    if status is not None:
        stmt = stmt.where(Invoice.status == status)
    if customer_id is not None:
        stmt = stmt.where(Invoice.customer_id == customer_id)
    return await page_newest_first(session, Invoice, stmt, limit, cursor)


def bucket_of(days_past_due: int) -> str:
    """current (not yet due), 1-30, 31-60, 61-90 or over 90 days past due."""
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "days_1_30"
    if days_past_due <= 60:
        return "days_31_60"
    if days_past_due <= 90:
        return "days_61_90"
    return "over_90"


async def aging(session: AsyncSession, actor: Actor, as_of: date | None = None) -> AgingRead:
    """Open balances by account and currency, in buckets of days past the due date."""
    as_of = as_of or utcnow().date()
    stmt = (
        visible(select(Invoice), actor)
        .add_columns(Customer.name)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(Invoice.status.in_(OPEN_INVOICE))
        .order_by(Customer.name, Invoice.currency)
    )
    accounts: dict[tuple[uuid.UUID, str], AgingAccount] = {}
    totals: dict[str, AgingBuckets] = {}
    for invoice, name in (await session.execute(stmt)).all():
        balance = invoice.total_cents - invoice.paid_cents
        if balance <= 0 or invoice.due_at is None:
            continue
        bucket = bucket_of((as_of - invoice.due_at.date()).days)
        key = (invoice.customer_id, invoice.currency)
        account = accounts.setdefault(
            key,
            AgingAccount(
                customer_id=invoice.customer_id, customer_name=name, currency=invoice.currency
            ),
        )
        total = totals.setdefault(invoice.currency, AgingBuckets())
        for row in (account, total):
            setattr(row, bucket, getattr(row, bucket) + balance)
            row.total += balance
    return AgingRead(as_of=as_of, accounts=list(accounts.values()), totals=totals)
