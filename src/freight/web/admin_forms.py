"""Form helpers shared by the admin and invoice pages: amounts, percentages, field errors.

People type money as ``1,234.56`` and percentages as ``24.5``; the services take minor
units and basis points. Errors from a pydantic schema or a ``DomainError`` become a
``{field name: message}`` map that the templates show next to each field.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from freight.errors import DomainError
from freight.web.wording import plain, sentence

Errors = dict[str, str]
_NUMBER = re.compile(r"^\d{1,12}(\.\d+)?$")

# Notices a page may show after a redirect (?done=<code>): fixed texts, never user input.
NOTICES = {
    "password-reset": "Password changed. Sign in with the new one: every other session has ended.",
    "user-created": "User created.",
    "user-updated": "User updated.",
    "user-deactivated": "User deactivated; their sessions have ended.",
    "user-reactivated": "User reactivated.",
    "key-revoked": "API key revoked; it no longer works.",
    "rates-saved": "Rates saved. New quotes and bookings use them.",
    "organization-saved": "Settings saved. Pages and PDFs use them from now on.",
    "invoice-created": "Draft invoice created.",
    "invoice-issued": "Invoice issued.",
    "invoice-voided": "Invoice voided.",
    "payment-recorded": "Payment recorded.",
    "payment-succeeded": "Thank you: your card payment went through.",
    "payment-pending": "Your card payment is pending: your bank must confirm it.",
    "payment-failed": "Your card was not charged: the payment was declined.",
    "driver-created": "Driver added.",
    "driver-updated": "Driver saved.",
    "device-revoked": "The device is revoked: its identifier no longer reports positions.",
    "driver-login": "The driver's login is linked: they can sign in and see their loads.",
    "driver-available": "Driver set available: the board offers them loads.",
    "driver-off-duty": "Driver set off duty: the board no longer offers them loads.",
    "driver-deactivated": "Driver deactivated: they are never offered a load.",
    "driver-reactivated": "Driver reactivated (off duty until set available).",
    "vehicle-created": "Vehicle added.",
    "vehicle-updated": "Vehicle saved.",
    "vehicle-out": "Vehicle out of service: it is out of dispatch until back in service.",
    "vehicle-back": "Vehicle back in service.",
    "account-created": "Shipper account opened.",
    "account-updated": "Shipper account saved.",
    "webhook-saved": "Webhook endpoint saved.",
    "webhook-deleted": "Webhook endpoint deleted, with its pending deliveries and log.",
    "webhook-replayed": "Deliveries queued again: they go out within seconds.",
    "delivery-replayed": "Delivery queued again, with the same webhook-id.",
}


def notice(code: str | None) -> str | None:
    """The text of a notice code from a redirect, if it is one we know."""
    return NOTICES.get(code or "")


def _decimal(text: str) -> Decimal:
    cleaned = text.replace(",", "").replace(" ", "")
    if not _NUMBER.match(cleaned):
        raise ValueError("enter a number like 1234.56")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("enter a number like 1234.56") from None


def parse_money(text: str) -> int:
    """``"1,234.56"`` as 123456 minor units (at most two decimals, not negative)."""
    value = _decimal(text)
    cents = value * 100
    if cents != cents.to_integral_value():
        raise ValueError("at most two decimals")
    return int(cents)


def read_money(values: Mapping[str, str], name: str, errors: Errors) -> int:
    """The amount typed in field ``name`` in minor units; else 0, and why in ``errors``."""
    try:
        return parse_money(values[name])
    except ValueError as exc:
        errors[name] = str(exc).capitalize()
        return 0


def parse_percent(text: str) -> int:
    """``"24.5"`` (per cent) as 2450 basis points (at most two decimals)."""
    value = _decimal(text)
    bp = value * 100
    if bp != bp.to_integral_value():
        raise ValueError("at most two decimals")
    return int(bp)


def parse_whole(text: str) -> int:
    """A whole number such as a count of minutes."""
    if not text.isdigit() or len(text) > 9:
        raise ValueError("enter a whole number")
    return int(text)


def parse_uuid(text: str) -> uuid.UUID | None:
    """An id from a ``<select>``, or None when empty or malformed."""
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


def _field(loc: object, aliases: Mapping[str, str]) -> str:
    parts = [str(p) for p in (loc if isinstance(loc, list | tuple) else [loc])]
    parts = [p for p in parts if p not in ("body", "query", "header")]
    dotted = ".".join(parts)
    for candidate in (dotted, parts[0] if parts else "", parts[-1] if parts else ""):
        if candidate in aliases:
            return aliases[candidate]
    return parts[0] if parts else "form"


def errors_of(
    exc: ValidationError | DomainError, aliases: Mapping[str, str] | None = None
) -> Errors:
    """Field name -> message for the form, from a schema or service error.

    ``aliases`` maps an error location (``"per_km_cents.dry_van"``, ``"customer_id"``) to
    the form field that holds it. An error without a field goes under ``"form"``.
    """
    aliases = aliases or {}
    found: Errors = {}
    if isinstance(exc, ValidationError):
        items: Sequence[Mapping[str, Any]] = list(exc.errors())
    else:
        items = exc.errors
        if not items:
            return {"form": sentence(exc.detail or exc.code.replace("_", " "))}
    for item in items:
        found.setdefault(_field(item.get("loc", ()), aliases), plain(item))
    return found
