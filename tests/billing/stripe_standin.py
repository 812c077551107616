"""A stand-in for the part of Stripe's REST API Freight calls, served over real HTTP.

It speaks what the ``stripe`` package sends: form-encoded bodies with bracketed keys,
Bearer secret-key auth, ``Idempotency-Key`` replays, and answers shaped like Stripe's
objects. Test payment methods follow Stripe's test tokens: ``pm_card_visa`` and
``pm_card_mastercard`` succeed, ``pm_card_chargeDeclined`` is declined,
``pm_card_authenticationRequired`` needs 3-D Secure. ``outage = True`` answers 500.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

SECRET_KEY = "sk_test_freight_standin_0123456789"
WEBHOOK_SECRET = "whsec_freight_standin_0123456789"
CARDS = {"pm_card_visa": ("visa", "4242"), "pm_card_mastercard": ("mastercard", "4444")}


def _error(status: int, kind: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"type": kind, "message": message, **extra}}, status_code=status)


@dataclass
class StandIn:
    url: str = ""
    outage: bool = False
    refunds_pending: bool = False
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    replies: dict[str, tuple[int, Any]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/payment_intents", self.create_intent, methods=["POST"]),
                Route("/v1/refunds", self.create_refund, methods=["POST"]),
            ]
        )

    async def _prelude(self, request: Request) -> tuple[dict[str, str], JSONResponse | None]:
        form = {k: str(v) for k, v in (await request.form()).multi_items()}
        self.calls.append((request.url.path, form))
        if request.headers.get("authorization") != f"Bearer {SECRET_KEY}":
            return form, _error(401, "invalid_request_error", "Invalid API Key provided")
        if self.outage:
            return form, _error(500, "api_error", "stand-in outage")
        return form, None

    def _remember(self, request: Request, status: int, body: Any) -> JSONResponse:
        key = request.headers.get("idempotency-key")
        if key:
            self.replies[key] = (status, body)
        return JSONResponse(body, status_code=status)

    def _replay(self, request: Request) -> JSONResponse | None:
        key = request.headers.get("idempotency-key")
        if key and key in self.replies:
            status, body = self.replies[key]
            return JSONResponse(body, status_code=status, headers={"Idempotent-Replayed": "true"})
        return None

    async def create_intent(self, request: Request) -> JSONResponse:
        form, refused = await self._prelude(request)
        if refused is not None:
            return refused
        if (replayed := self._replay(request)) is not None:
            return replayed
        pi_id = "pi_" + secrets.token_hex(8)
        method = form.get("payment_method")
        metadata = {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")}
        intent: dict[str, Any] = {
            "id": pi_id,
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "currency": form["currency"],
            "metadata": metadata,
            "client_secret": f"{pi_id}_secret_{secrets.token_hex(4)}",
            "payment_method": method,
            "latest_charge": None,
            "last_payment_error": None,
            "status": "requires_payment_method",
        }
        self.intents[pi_id] = intent
        if method is None or form.get("confirm") != "true":
            return self._remember(request, 200, intent)
        if method == "pm_card_chargeDeclined":
            intent["last_payment_error"] = {"code": "card_declined", "type": "card_error"}
            return self._remember(
                request,
                402,
                {
                    "error": {
                        "type": "card_error",
                        "code": "card_declined",
                        "decline_code": "generic_decline",
                        "message": "Your card was declined.",
                        "payment_intent": intent,
                    }
                },
            )
        if method == "pm_card_authenticationRequired":
            intent["status"] = "requires_action"
            return self._remember(request, 200, intent)
        if method not in CARDS:
            return _error(
                400, "invalid_request_error", "No such PaymentMethod", code="resource_missing"
            )
        brand, last4 = CARDS[method]
        charge = {
            "id": "ch_" + secrets.token_hex(8),
            "object": "charge",
            "amount": intent["amount"],
            "payment_method_details": {"type": "card", "card": {"brand": brand, "last4": last4}},
        }
        intent["status"] = "succeeded"
        intent["amount_received"] = intent["amount"]
        expanded = form.get("expand[0]") == "latest_charge"
        body = {**intent, "latest_charge": charge if expanded else charge["id"]}
        return self._remember(request, 200, body)

    async def create_refund(self, request: Request) -> JSONResponse:
        form, refused = await self._prelude(request)
        if refused is not None:
            return refused
        if (replayed := self._replay(request)) is not None:
            return replayed
        intent = self.intents.get(form.get("payment_intent", ""))
        if intent is None or intent["status"] != "succeeded":
            return _error(400, "invalid_request_error", "No such payment_intent")
        refunded = sum(
            r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"]
        )
        amount = int(form.get("amount", intent["amount"] - refunded))
        if amount + refunded > intent["amount"]:
            return _error(
                400, "invalid_request_error", "Refund exceeds charge", code="amount_too_large"
            )
        refund = {
            "id": "re_" + secrets.token_hex(8),
            "object": "refund",
            "amount": amount,
            "payment_intent": intent["id"],
            "status": "pending" if self.refunds_pending else "succeeded",
            "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
        }
        self.refunds[refund["id"]] = refund
        return self._remember(request, 200, refund)


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """A ``Stripe-Signature`` header as Stripe computes it."""
    stamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


def event(kind: str, obj: dict[str, Any], event_id: str | None = None) -> bytes:
    """A webhook body as Stripe sends it."""
    body = {
        "id": event_id or "evt_" + secrets.token_hex(8),
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "data": {"object": obj},
    }
    return json.dumps(body).encode()


class Running:
    """The stand-in served by uvicorn on a free port in a background thread."""

    def __init__(self) -> None:
        self.state = StandIn()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.state.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            self.state.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> StandIn:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the Stripe stand-in did not start")
            time.sleep(0.01)
        return self.state

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
