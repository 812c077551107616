"""Provider webhooks: each event id is processed once, in the transaction it causes."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from freight.billing import payments
from freight.billing.models import Payment, ProviderEvent, Refund
from freight.billing.providers.stripe import ChargeResult, intent_result, refund_result

INTENT_EVENTS = (
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
)
REFUND_EVENTS = ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated")


def _metadata_id(obj: dict[str, Any], name: str) -> str | None:
    value = (obj.get("metadata") or {}).get(name)
    return value if isinstance(value, str) else None


async def handle_stripe(session: AsyncSession, event: dict[str, Any]) -> bool:
    """Apply a verified Stripe event; False when this event id was already processed."""
    try:
        async with session.begin_nested():
            session.add(
                ProviderEvent(id=str(event["id"]), provider="stripe", type=str(event.get("type")))
            )
    except IntegrityError:
        return False
    kind = event.get("type")
    obj: dict[str, Any] = (event.get("data") or {}).get("object") or {}
    if kind in INTENT_EVENTS:
        payment_id = await _find(session, Payment, obj.get("id"), _metadata_id(obj, "payment_id"))
        if payment_id is not None:
            result = intent_result(obj)
            if kind != "payment_intent.succeeded":
                error = obj.get("last_payment_error") or {}
                reason = error.get("code") or ("canceled" if "canceled" in kind else "declined")
                result = ChargeResult("failed", obj.get("id"), failure_reason=str(reason))
            await payments.settle_charge(session, None, payment_id, result)
    elif kind in REFUND_EVENTS:
        refund_id = await _find(session, Refund, obj.get("id"), _metadata_id(obj, "refund_id"))
        if refund_id is not None:
            await payments.settle_refund(session, None, refund_id, refund_result(obj))
    return True


async def _find(
    session: AsyncSession,
    model: type[Payment] | type[Refund],
    provider_ref: object,
    our_id: str | None,
) -> Any:
    """Our row for a provider object: by its reference, or by the id we put in metadata."""
    conditions = []
    if isinstance(provider_ref, str):
        conditions.append(model.provider_ref == provider_ref)
    if our_id is not None:
        with contextlib.suppress(ValueError):
            conditions.append(model.id == uuid.UUID(our_id))
    if not conditions:
        return None
    return await session.scalar(select(model.id).where(or_(*conditions)).limit(1))
