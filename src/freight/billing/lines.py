"""An invoice's lines for one shipment: its freight charge and its detention."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal

from freight.billing.basis import quote_matches
from freight.billing.models import RateCard, ShipmentPrice
from freight.billing.money import detention_cents, detention_minutes
from freight.billing.rates import Freight, Line, freight_charge, freight_lines
from freight.errors import Conflict
from freight.shipments.models import Shipment

STALE_QUOTE = (
    "its frozen quote was computed for another route, equipment or currency than the "
    "shipment now has, so it cannot be billed from it"
)


def billed_from_quote(shipment: Shipment, frozen: ShipmentPrice | None) -> bool:
    """Whether the invoice bills the frozen quote (not a hand-set or an open price)."""
    return frozen is not None and frozen.price_cents == shipment.price_cents


def check_quotes(shipments: Sequence[Shipment], frozen: Mapping[uuid.UUID, ShipmentPrice]) -> None:
    """409 naming each shipment whose frozen quote was made for another route or equipment."""
    stale = [
        (i, s.reference)
        for i, s in enumerate(shipments)
        if (quote := frozen.get(s.id)) is not None
        and billed_from_quote(s, quote)
        and not quote_matches(s, quote)
    ]
    if stale:
        errors = [{"loc": ["body", "shipment_ids", i], "msg": STALE_QUOTE} for i, _ in stale]
        raise Conflict(f"{', '.join(ref for _, ref in stale)}: {STALE_QUOTE}", errors=errors)


def currency_for(shipment: Shipment, card: RateCard | None) -> str:
    """The currency a shipment is billed in: its price's, or today's rates' for an open one."""
    if shipment.price_cents is None and card is not None:
        return card.currency
    return shipment.currency


def freight_for(
    shipment: Shipment, frozen: ShipmentPrice | None, card: RateCard | None
) -> list[Line]:
    """Linehaul and fuel from the frozen quote, one agreed-price line, or today's rates."""
    label = shipment.reference
    if shipment.price_cents is not None:
        if frozen is not None and billed_from_quote(shipment, frozen):
            charge = Freight(
                frozen.distance_km,
                frozen.rate_cents,
                frozen.linehaul_cents,
                frozen.minimum_applied,
                frozen.fuel_surcharge_bp,
                frozen.fuel_cents,
                frozen.distance_source,
                frozen.rate_unit,
            )
            return freight_lines(charge, shipment.equipment_type, shipment.id, label)
        price = shipment.price_cents  # set by the booker or overridden by a dispatcher
        return [
            Line(
                "linehaul",
                f"{label} Freight charge (agreed price)",
                "1",
                "load",
                price,
                price,
                shipment.id,
            )
        ]
    if card is None:
        raise Conflict(f"shipment {label} has no price and the organisation has no rates")
    charge = freight_charge(
        card, shipment.equipment_type, shipment.distance_km, shipment.distance_source
    )
    return freight_lines(charge, shipment.equipment_type, shipment.id, label)


def detention_for(
    shipment: Shipment, frozen: ShipmentPrice | None, card: RateCard | None
) -> list[Line]:
    """One line per stop where the truck waited beyond the free time."""
    source = frozen or card
    if source is None or not source.detention_hourly_cents:
        return []
    free, hourly = source.detention_free_minutes, source.detention_hourly_cents
    lines = []
    for stop in shipment.stops:
        minutes = detention_minutes(stop.arrived_at, stop.departed_at, free)
        if minutes:
            hours = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
            lines.append(
                Line(
                    "detention",
                    f"{shipment.reference} Detention at {stop.city}: "
                    f"{minutes} min after {free} free",
                    f"{hours}",
                    "h",
                    hourly,
                    detention_cents(minutes, hourly),
                    shipment.id,
                )
            )
    return lines
