"""Taking a payment or a refund end to end: the units of work around the provider call.

Like a route, this module owns its transactions (a card payment spans two: reserve,
then settle, with the provider call between them holding no database lock), so it
commits through ``AppContext.commit`` and events go out after each commit.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import anyio

from freight import idempotency as idem
from freight.access import Actor
from freight.billing import payments
from freight.billing.models import Payment, Refund
from freight.billing.providers import stripe as provider
from freight.billing.schemas import PaymentCreate, PaymentRead, RefundCreate, RefundRead
from freight.billing.statuses import PaymentStatus, RefundStatus
from freight.context import AppContext
from freight.errors import DomainError
from freight.observability.metrics import PAYMENTS

PAY_ROUTE = "POST /api/payments"
POLL_S = 0.05


class ProviderDown(DomainError):
    status, code = 503, "payment_provider_unavailable"


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


def _payment_body(payment: Payment) -> dict[str, Any]:
    return PaymentRead.model_validate(payment).model_dump(mode="json")


def _down() -> ProviderDown:
    return ProviderDown(
        "the card processor could not be reached; retry with the same Idempotency-Key",
        headers={"Retry-After": "5"},
    )


async def pay(ctx: AppContext, actor: Actor, key: str, body: PaymentCreate) -> Answer:
    """``POST /api/payments`` with its ``Idempotency-Key``: one payment per key, ever."""
    digest = idem.request_hash(body.model_dump(mode="json"))
    deadline = time.monotonic() + ctx.settings.idempotency_wait_s
    cards = ctx.settings.stripe_secret_key is not None
    while True:
        async with ctx.sessions() as session:
            record = await idem.claim(session, actor, key, PAY_ROUTE, digest)
            if record is not None:  # ours: do the work in the same transaction
                payment = await payments.reserve(session, actor, body, cards)
                record.resource_id = payment.id
                if payment.method != "card":
                    answer = Answer(201, _payment_body(payment))
                    await session.flush()
                    await idem.complete(session, record.id, answer.status_code, answer.body)
                    await ctx.commit(session)
                    PAYMENTS.labels(payment.method, payment.status).inc()
                    return answer
                await ctx.commit(session)
                return await _charge(ctx, actor, record.id, payment, body.payment_method)
            existing = await idem.find(session, actor, key, PAY_ROUTE)
            if existing is not None:
                idem.check_same_request(existing, digest)
                done = idem.stored(existing)
                if done is not None:
                    if done.resource_id is not None:  # still theirs to see?
                        await payments.get(session, actor, done.resource_id)
                    return Answer(done.status_code, done.body, replayed=True)
                resumable = existing.resource_id is not None and idem.lease_expired(
                    existing, ctx.settings.idempotency_lock_s
                )
                if resumable and await idem.take_over(session, existing):
                    await ctx.commit(session)
                    return await _resume(ctx, actor, existing.id, existing.resource_id, body)
        if time.monotonic() >= deadline:
            raise idem.in_progress()
        await anyio.sleep(POLL_S)


async def _resume(
    ctx: AppContext,
    actor: Actor,
    record_id: uuid.UUID,
    payment_id: uuid.UUID | None,
    body: PaymentCreate,
) -> Answer:
    async with ctx.sessions() as session:
        payment = await session.get_one(Payment, payment_id)
        if payment.status != PaymentStatus.PENDING or payment.method != "card":
            answer = Answer(201, _payment_body(payment))
            await idem.complete(session, record_id, answer.status_code, answer.body)
            await ctx.commit(session)
            return answer
    return await _charge(ctx, actor, record_id, payment, body.payment_method)


async def _charge(
    ctx: AppContext,
    actor: Actor,
    record_id: uuid.UUID,
    payment: Payment,
    payment_method: str | None,
) -> Answer:
    try:
        async with provider.gateway(ctx.settings) as gateway:
            result = await gateway.charge(
                amount_cents=payment.amount_cents,
                currency=payment.currency,
                payment_method=payment_method,
                # The provider's own key: a resumed attempt can never charge twice.
                idempotency_key=f"freight-payment-{payment.id}",
                metadata={
                    "payment_id": str(payment.id),
                    "invoice_id": str(payment.invoice_id),
                    "organization_id": str(payment.organization_id),
                },
            )
    except provider.ProviderUnavailable:
        async with ctx.sessions() as session:
            await idem.release(session, record_id)  # a retry with the key resumes at once
            await ctx.commit(session)
        PAYMENTS.labels(payment.method, "provider_unavailable").inc()
        raise _down() from None
    async with ctx.sessions() as session:
        settled = await payments.settle_charge(session, actor, payment.id, result)
        body = _payment_body(settled)
        await idem.complete(session, record_id, 201, body)  # no client_secret: never stored
        await ctx.commit(session)
    PAYMENTS.labels(settled.method, settled.status).inc()
    if settled.status == PaymentStatus.PENDING and result.client_secret:
        body = {**body, "client_secret": result.client_secret}  # this answer only
    return Answer(201, body)


async def refund(
    ctx: AppContext,
    actor: Actor,
    payment_id: uuid.UUID,
    body: RefundCreate,
    key: str | None = None,
) -> Answer:
    """Refund part or all of a payment; card refunds go through the provider.

    With an ``Idempotency-Key`` a retry returns the first refund instead of a second one.
    """
    async with ctx.sessions() as session:
        once = await idem.once(
            session,
            actor,
            key,
            f"POST /api/payments/{payment_id}/refund",
            body.model_dump(mode="json"),
            lambda _: payments.get(session, actor, payment_id),
        )
        if once.replay is not None:
            return Answer(once.replay.status_code, once.replay.body, replayed=True)
        payment, pending = await payments.reserve_refund(
            session, actor, payment_id, body.amount_cents, body.reason
        )
        await ctx.commit(session)
    record_id = None if once.record is None else once.record.id
    if pending.status == RefundStatus.PENDING and payment.provider_ref is not None:
        try:
            async with provider.gateway(ctx.settings) as gateway:
                result = await gateway.refund(
                    payment_intent=payment.provider_ref,
                    amount_cents=pending.amount_cents,
                    idempotency_key=f"freight-refund-{pending.id}",
                    metadata={"refund_id": str(pending.id), "payment_id": str(payment.id)},
                )
        except provider.ProviderUnavailable:
            # It stays pending and the provider's webhook settles it: a retry with the
            # key answers with this pending refund, never a second one.
            await _refund_answer(ctx, record_id, pending.id, payment.id)
            raise _down() from None
        async with ctx.sessions() as session:
            pending = await payments.settle_refund(session, actor, pending.id, result)
            await ctx.commit(session)
    return await _refund_answer(ctx, record_id, pending.id, payment.id)


async def _refund_answer(
    ctx: AppContext, record_id: uuid.UUID | None, refund_id: uuid.UUID, payment_id: uuid.UUID
) -> Answer:
    """The refund with its payment as they stand, stored for the key's replays."""
    async with ctx.sessions() as session:
        read = RefundRead.model_validate(await session.get_one(Refund, refund_id))
        read.payment = PaymentRead.model_validate(await session.get_one(Payment, payment_id))
        body = read.model_dump(mode="json")
        if record_id is not None:
            await idem.complete(session, record_id, 201, body, refund_id)
            await ctx.commit(session)
    return Answer(201, body)
