"""Card payments through Stripe with the official ``stripe`` package.

Freight creates and confirms a PaymentIntent (or leaves it for Stripe.js to confirm when
the client sends no payment method), refunds through the Refunds API, and verifies
webhooks with the package's own signature check. Every call carries an idempotency key
derived from our payment or refund id, so a retried call never charges twice. Only the
provider's reference, the card brand and the last four digits are kept.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import stripe

from freight.settings import Settings

Outcome = Literal["succeeded", "pending", "failed"]
PENDING_INTENT = frozenset(
    {"processing", "requires_action", "requires_confirmation", "requires_payment_method"}
)


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered with a server error."""


class InvalidSignature(Exception):
    """A webhook whose signature does not verify."""


@dataclass(frozen=True)
class ChargeResult:
    outcome: Outcome
    provider_ref: str | None
    client_secret: str | None = None
    brand: str | None = None
    last4: str | None = None
    failure_reason: str | None = None


@dataclass(frozen=True)
class RefundResult:
    outcome: Outcome
    provider_ref: str | None
    failure_reason: str | None = None


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if obj is None:
            return None
        obj = obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)
    return obj


def intent_result(intent: Any) -> ChargeResult:
    """Our view of a PaymentIntent (from a response or a webhook)."""
    status = _get(intent, "status")
    outcome: Outcome = (
        "succeeded"
        if status == "succeeded"
        else "pending"
        if status in PENDING_INTENT
        else "failed"
    )
    card = _get(intent, "latest_charge", "payment_method_details", "card")
    error = _get(intent, "last_payment_error")
    return ChargeResult(
        outcome=outcome,
        provider_ref=_get(intent, "id"),
        client_secret=_get(intent, "client_secret") if outcome == "pending" else None,
        brand=_get(card, "brand"),
        last4=_get(card, "last4"),
        failure_reason=(_get(error, "code") or _get(error, "message"))
        if outcome == "failed"
        else None,
    )


def refund_result(refund: Any) -> RefundResult:
    """Our view of a Refund object."""
    status = _get(refund, "status")
    outcome: Outcome = (
        "succeeded"
        if status == "succeeded"
        else "failed"
        if status in ("failed", "canceled")
        else "pending"
    )
    reason = _get(refund, "failure_reason") if outcome == "failed" else None
    return RefundResult(outcome, _get(refund, "id"), reason)


class _HTTPXClient(stripe.HTTPXClient):
    """stripe's httpx client, sending the form body as ``content`` (httpx deprecates
    ``data=`` for raw bytes, and the deprecation warning would surface as a network error)."""

    def _get_request_args_kwargs(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any
    ) -> list[Any]:
        args, kwargs = super()._get_request_args_kwargs(method, url, headers, post_data)
        kwargs.pop("data", None)
        if post_data:
            kwargs["content"] = post_data
        return [args, kwargs]


class StripeGateway:
    """The calls Freight makes to Stripe, on one HTTP client."""

    def __init__(self, client: stripe.StripeClient, http: stripe.HTTPXClient) -> None:
        self._client = client
        self._http = http

    async def charge(
        self,
        *,
        amount_cents: int,
        currency: str,
        payment_method: str | None,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> ChargeResult:
        """Create (and, with a payment method, confirm) a PaymentIntent."""
        params: dict[str, Any] = {
            "amount": amount_cents,
            "currency": currency.lower(),
            "metadata": metadata,
            "payment_method_types": ["card"],
            "expand": ["latest_charge"],
        }
        if payment_method is not None:
            params.update(payment_method=payment_method, confirm=True)
        try:
            intent = await self._client.v1.payment_intents.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        except stripe.CardError as exc:
            intent = _get(exc.json_body, "error", "payment_intent")
            code = exc.code or "card_declined"
            return ChargeResult("failed", _get(intent, "id"), failure_reason=code)
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise ProviderUnavailable(type(exc).__name__) from None
        except stripe.StripeError as exc:
            if (exc.http_status or 500) >= 500:
                raise ProviderUnavailable(type(exc).__name__) from None
            return ChargeResult("failed", None, failure_reason=exc.code or "provider_refused")
        return intent_result(intent)

    async def refund(
        self,
        *,
        payment_intent: str,
        amount_cents: int,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> RefundResult:
        """Refund part or all of a PaymentIntent."""
        params = {"payment_intent": payment_intent, "amount": amount_cents, "metadata": metadata}
        try:
            refund = await self._client.v1.refunds.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise ProviderUnavailable(type(exc).__name__) from None
        except stripe.StripeError as exc:
            if (exc.http_status or 500) >= 500:
                raise ProviderUnavailable(type(exc).__name__) from None
            return RefundResult("failed", None, exc.code or "provider_refused")
        return refund_result(refund)


@asynccontextmanager
async def gateway(settings: Settings) -> AsyncIterator[StripeGateway]:
    """A gateway for one unit of work; its HTTP client is closed afterwards."""
    if settings.stripe_secret_key is None:
        raise ProviderUnavailable("FREIGHT_STRIPE_SECRET_KEY is not set")
    http = _HTTPXClient(timeout=settings.stripe_timeout_s)
    bases: dict[str, str] = {}
    if settings.stripe_api_base:
        bases["api"] = settings.stripe_api_base.rstrip("/")
    client = stripe.StripeClient(
        settings.stripe_secret_key.get_secret_value(),
        base_addresses=bases,  # type: ignore[arg-type]
        http_client=http,
        max_network_retries=2,
    )
    try:
        yield StripeGateway(client, http)
    finally:
        await http.close_async()  # type: ignore[no-untyped-call]


def verify_event(settings: Settings, payload: bytes, signature: str | None) -> dict[str, Any]:
    """The webhook's event after the ``Stripe-Signature`` check, else ``InvalidSignature``."""
    secret = settings.stripe_webhook_secret
    if secret is None or not signature:
        raise InvalidSignature("no signature or no webhook secret configured")
    text = payload.decode("utf-8", errors="replace")
    try:
        stripe.WebhookSignature.verify_header(
            text, signature, secret.get_secret_value(), tolerance=stripe.Webhook.DEFAULT_TOLERANCE
        )
    except stripe.SignatureVerificationError:
        raise InvalidSignature("the signature does not match") from None
    try:
        event = json.loads(text)
    except ValueError:
        raise InvalidSignature("the body is not JSON") from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise InvalidSignature("the body is not a Stripe event")
    return event
