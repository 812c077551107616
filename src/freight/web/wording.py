"""What a page says when a form is refused: sentences a person can act on.

The schemas' own words ("String should have at most 200 characters", "Input should be
a valid number") are for integrators; the API keeps them. A page turns each schema
error into a plain sentence from its kind and limits (``plain``), names its limit once
("Keep it to 2,000 characters"), and never shows a field's code name or cents. Quantities
with a unit (a weight, an amount of money) are said by the page that knows the
organisation's units and currency (``weight_range``, ``money_limit``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from freight import formatting as fmt
from freight.identity.organization import Presentation

# The kinds of schema error (pydantic's ``type``) that say nothing about limits.
KIND_WORDS = {
    "missing": "Required.",
    "string_type": "Required.",
    "float_parsing": "Enter a number.",
    "float_type": "Enter a number.",
    "decimal_parsing": "Enter a number.",
    "int_parsing": "Enter a whole number.",
    "int_from_float": "Enter a whole number.",
    "int_type": "Enter a whole number.",
    "bool_parsing": "Choose yes or no.",
    "uuid_parsing": "Choose one from the list.",
    "uuid_type": "Choose one from the list.",
    "literal_error": "Choose one of the options.",
    "enum": "Choose one of the options.",
    "datetime_parsing": "Enter a date and a time.",
    "datetime_from_date_parsing": "Enter a date and a time.",
    "timezone_aware": "Enter a date and a time.",
    "date_parsing": "Enter a date.",
    "date_from_datetime_parsing": "Enter a date.",
    "url_parsing": "Enter a web address such as https://example.com.",
    "url_scheme": "Enter a web address that starts with https://.",
    "string_pattern_mismatch": "Check the format of this field.",
    "list_type": "Choose at least one.",
    "too_short": "Choose at least one.",
    "window_order": "The window must close after it opens.",
    "delivery_before_pickup": "The delivery window must end after the pickup window opens.",
}


# Refusals about an amount of money: the words before the amount.
AMOUNT_WORDS = {
    "over_balance": "That is more than the open balance of",
    "over_refundable": "At most this much can be refunded:",
}

# How the organisation of the page's reader writes numbers (set when the page signs in).
reader: ContextVar[Presentation | None] = ContextVar("reader", default=None)


def _count(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def _limits(kind: str, ctx: Mapping[str, Any]) -> str | None:
    """A sentence for an error about a length or a bound, naming the limit once."""
    if kind == "string_too_long":
        return f"Keep it to {_count(ctx.get('max_length'))} characters or fewer."
    if kind == "string_too_short":
        least = ctx.get("min_length")
        return "Required." if least == 1 else f"Enter at least {_count(least)} characters."
    if kind == "too_long":
        return f"Choose at most {_count(ctx.get('max_length'))}."
    bounds = {
        "greater_than": ("Enter more than {}.", "gt"),
        "greater_than_equal": ("Enter {} or more.", "ge"),
        "less_than": ("Enter less than {}.", "lt"),
        "less_than_equal": ("Enter {} or less.", "le"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return words.format(_count(ctx.get(key)))
    return None


def plain(error: Mapping[str, Any]) -> str:
    """One schema or service error (``{type, msg, ctx}``) as a sentence for a page."""
    kind, ctx = str(error.get("type", "")), error.get("ctx") or {}
    if kind in AMOUNT_WORDS:
        shown = reader.get() or Presentation()
        return money_limit(AMOUNT_WORDS[kind], ctx["limit_cents"], ctx["currency"], shown)
    said = KIND_WORDS.get(kind) or _limits(kind, ctx)
    if said:
        return said
    return sentence(str(error.get("msg", "Not valid.")))


def sentence(message: str) -> str:
    """A service's or validator's words as a sentence: capital first, full stop last."""
    message = message.removeprefix("Value error, ").strip() or "Not valid"
    message = message[:1].upper() + message[1:]
    return message if message.endswith((".", "?", "!")) else f"{message}."


def weight_range(most_kg: float, shown: Presentation, least_kg: float = 0) -> str:
    """``Enter a weight between 0 and 220,462 lb.`` in the organisation's unit."""
    unit = fmt.weight_unit(shown.units)
    low = fmt.number(math.ceil(fmt.from_kg(least_kg, shown.units)), shown.locale)
    high = fmt.number(math.floor(fmt.from_kg(most_kg, shown.units)), shown.locale)
    return f"Enter a weight between {low} and {high} {unit}."


def money_limit(words: str, cents: int, currency: str, shown: Presentation) -> str:
    """``That is more than the open balance of $33,612.00.``"""
    return f"{words} {fmt.money(max(cents, 0), currency, shown.locale)}."


def wait(seconds: int) -> str:
    """``Too many attempts: try again in 4 minutes.`` (rounded up to what a person reads)."""
    if seconds < 60:
        later = f"{max(seconds, 1)} second{'s' if seconds != 1 else ''}"
    else:
        minutes = math.ceil(seconds / 60)
        later = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"Too many attempts: try again in {later}."


# Field names whose label is not their name in words.
LABELS = {
    "customer_id": "Customer",
    "equipment_type": "Equipment",
    "equipment_types": "Equipment",
    "declared_value": "Declared value",
    "notes": "Notes for the carrier",
    "vehicle_id": "Truck",
    "user_id": "Login",
    "capacity_kg": "Capacity",
    "vin": "VIN",
    "per_km": "Linehaul rates",
    "payment_terms_days": "Payment terms",
    "billing_email": "Billing email",
    "window_start": "window opens",
    "window_end": "window closes",
    "postal_code": "postal code",
    "lat": "latitude",
    "lng": "longitude",
}


def label_of(name: str) -> str:
    """How the error summary names a form field: ``stops-1-city`` is ``Stop 2 city``."""
    parts = name.split("-")
    if len(parts) >= 2 and parts[0] == "stops" and parts[1].isdigit():
        stop = f"Stop {int(parts[1]) + 1}"
        if len(parts) == 2:
            return stop
        rest = "-".join(parts[2:])
        return f"{stop} {LABELS.get(rest, rest.replace('_', ' '))}"
    words = LABELS.get(name) or name.removesuffix("_id").replace("_", " ").replace("-", " ")
    return words[:1].upper() + words[1:]
