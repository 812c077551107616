"""Money arithmetic in integer minor units, and the rounding rule every total follows.

The rule: each line is rounded to a whole minor unit, half up (0.5 cent -> 1 cent),
as soon as it is computed; the subtotal is the sum of the rounded lines; tax is the
tax rate applied once to the subtotal, rounded half up; total = subtotal + tax.
Rates are exact integers (minor units per km, mile or hour, basis points), and
quantities are decimals, so no binary float ever enters an amount.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

BP = 10_000  # basis points in one whole


def round_half_up(value: Decimal) -> int:
    """A non-negative decimal amount rounded to a whole minor unit, half up."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def times(quantity: Decimal | int, unit_cents: int) -> int:
    """``quantity`` units at ``unit_cents`` each, rounded half up."""
    return round_half_up(Decimal(quantity) * unit_cents)


def share(amount_cents: int, rate_bp: int) -> int:
    """``rate_bp`` basis points of ``amount_cents``, rounded half up."""
    return round_half_up(Decimal(amount_cents) * rate_bp / BP)


def km(distance: float) -> Decimal:
    """A stored distance as an exact decimal (distances are kept to 0.1 km)."""
    return Decimal(str(round(distance, 1)))


KM_PER_MILE = Decimal("1.609344")  # the international mile, exactly


def distance_in(distance_km: float, unit: str) -> Decimal:
    """A stored distance in the rate's unit, to 0.1 (miles: from the 0.1 km, half up)."""
    if unit == "km":
        return km(distance_km)
    return (km(distance_km) / KM_PER_MILE).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def detention_minutes(
    arrived: datetime | None, departed: datetime | None, free_minutes: int
) -> int:
    """Whole minutes beyond the free time at one stop (0 without both times)."""
    if arrived is None or departed is None or departed <= arrived:
        return 0
    dwell = int((departed - arrived).total_seconds() // 60)
    return max(0, dwell - free_minutes)


def detention_cents(minutes: int, hourly_cents: int) -> int:
    """Billable minutes at an hourly rate, rounded half up."""
    return round_half_up(Decimal(minutes) * hourly_cents / 60)


def format_cents(amount_cents: int, currency: str) -> str:
    """``123456, "USD"`` -> ``"USD 1,234.56"`` (two-decimal currencies)."""
    sign = "-" if amount_cents < 0 else ""
    whole, cents = divmod(abs(amount_cents), 100)
    return f"{currency} {sign}{whole:,}.{cents:02d}"
