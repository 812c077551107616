"""Routes for payments, refunds and the Stripe webhook."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from pydantic import BaseModel

from freight import idempotency as idem
from freight.access import Actor, Role
from freight.billing import checkout, payments, webhooks
from freight.billing.providers.stripe import InvalidSignature, verify_event
from freight.billing.schemas import (
    PaymentCreate,
    PaymentPage,
    PaymentRead,
    RefundCreate,
    RefundRead,
)
from freight.billing.statuses import PaymentStatus
from freight.deps import DEFAULT_LIMIT, Admin, Context, Cursor, Limit, SessionDep, require_role
from freight.errors import DomainError

router = APIRouter(tags=["payments"])

Payer = Annotated[Actor, Depends(require_role(Role.ADMIN, Role.CUSTOMER))]
Reader = Annotated[Actor, Depends(require_role(Role.ADMIN, Role.DISPATCHER, Role.CUSTOMER))]


class BadSignature(DomainError):
    status, code = 400, "invalid_signature"


class WebhookAck(BaseModel):
    received: bool
    duplicate: bool


@router.post("/api/payments", status_code=status.HTTP_201_CREATED)
async def create_payment(
    body: PaymentCreate,
    actor: Payer,
    session: SessionDep,
    ctx: Context,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=300)] = None,
) -> PaymentRead:
    """Pay an invoice (customers by card; admins also record cheque, ACH and wire).

    Requires ``Idempotency-Key``: a retry with the same key and body returns the first
    response and creates nothing new; the same key with another body is a 422.
    """
    key = idem.check_key(idempotency_key)
    await ctx.commit(session)  # end the sign-in's unit of work: checkout runs its own
    answer = await checkout.pay(ctx, actor, key, body)
    response.status_code = answer.status_code
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/api/payments/{answer.body['id']}"
    return PaymentRead.model_validate(answer.body)


@router.get("/api/payments")
async def list_payments(
    actor: Reader,
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    invoice_id: uuid.UUID | None = None,
    status_: Annotated[PaymentStatus | None, Query(alias="status")] = None,
) -> PaymentPage:
    """Billing history, newest first (a customer: their account's)."""
    rows, next_cursor = await payments.list_page(session, actor, limit, cursor, invoice_id, status_)
    return PaymentPage(items=[PaymentRead.model_validate(p) for p in rows], next_cursor=next_cursor)


@router.get("/api/payments/{payment_id}")
async def get_payment(payment_id: uuid.UUID, actor: Reader, session: SessionDep) -> PaymentRead:
    """One payment."""
    return PaymentRead.model_validate(await payments.get(session, actor, payment_id))


@router.post("/api/payments/{payment_id}/refund", status_code=status.HTTP_201_CREATED)
async def refund_payment(
    payment_id: uuid.UUID,
    actor: Admin,
    session: SessionDep,
    ctx: Context,
    response: Response,
    body: RefundCreate | None = None,
    idempotency_key: idem.KeyHeader = None,
) -> RefundRead:
    """Refund all (default) or part of a payment; never more than was paid.

    With ``Idempotency-Key`` a retry returns the first refund instead of making another.
    """
    key = idem.optional_key(idempotency_key)
    await ctx.commit(session)  # end the sign-in's unit of work: the refund runs its own
    answer = await checkout.refund(ctx, actor, payment_id, body or RefundCreate(), key)
    if answer.replayed:
        response.status_code = answer.status_code
        response.headers[idem.REPLAYED] = "true"
    return RefundRead.model_validate(answer.body)


@router.post("/api/webhooks/stripe")
async def stripe_webhook(
    request: Request,
    session: SessionDep,
    ctx: Context,
    stripe_signature: Annotated[str | None, Header()] = None,
) -> WebhookAck:
    """Stripe's events, signature-verified; each event id is applied once."""
    payload = await request.body()
    try:
        event = verify_event(ctx.settings, payload, stripe_signature)
    except InvalidSignature as exc:
        raise BadSignature(str(exc)) from None
    applied = await webhooks.handle_stripe(session, event)
    await ctx.commit(session)
    return WebhookAck(received=True, duplicate=not applied)
