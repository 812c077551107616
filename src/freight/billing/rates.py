"""Rates per organisation, quotes line by line, and the price frozen at booking.

A quote's lines: linehaul (distance x the equipment's rate per km or per mile, as the
card says, raised to the minimum charge when below it) and the fuel surcharge (a
percentage of the linehaul).
The distance is the configured router's (``freight.routing``), and the linehaul line
names where it came from: "(road estimate)" or the provider, e.g. "(OSRM)".
Detention is billed on the invoice from the stops' real arrival and departure times.
Every line is rounded half up to a minor unit; tax applies once to the subtotal
(see ``freight.billing.money``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor
from freight.billing.basis import basis_of
from freight.billing.models import RateCard, ShipmentPrice
from freight.billing.money import distance_in, km, share, times
from freight.billing.schemas import QuoteRequest, RateCardIn
from freight.errors import Conflict, invalid
from freight.routing.router import LABELS, Route
from freight.shipments.models import Shipment


@dataclass
class Line:
    """One priced line of a quote or invoice."""

    kind: str  # linehaul | fuel_surcharge | detention
    description: str
    quantity: str
    unit: str
    unit_price_cents: int
    amount_cents: int
    shipment_id: uuid.UUID | None = None


@dataclass
class Freight:
    """The freight charge of one load: linehaul and fuel surcharge, before tax."""

    distance_km: float
    rate_cents: int  # minor units per rate_unit
    linehaul_cents: int
    minimum_applied: bool
    fuel_surcharge_bp: int
    fuel_cents: int
    distance_source: str = "estimate"  # where distance_km came from (freight.routing)
    rate_unit: str = "km"  # "km" or "mi": what the rate is per, and the line's quantity

    @property
    def quantity(self) -> Decimal:
        """The linehaul's distance in the rate's unit."""
        return distance_in(self.distance_km, self.rate_unit)

    @property
    def price_cents(self) -> int:
        return self.linehaul_cents + self.fuel_cents


async def card_for(session: AsyncSession, organization_id: uuid.UUID) -> RateCard | None:
    """The organisation's rate card, if it has one."""
    return await session.scalar(select(RateCard).where(RateCard.organization_id == organization_id))


async def require_card(session: AsyncSession, actor: Actor) -> RateCard:
    """The caller's rate card, or 409 when the organisation has set no rates."""
    card = await card_for(session, actor.organization_id)
    if card is None:
        raise Conflict(
            "the organisation has no rates yet; an admin sets them at /api/billing/rates"
        )
    return card


async def put_card(session: AsyncSession, actor: Actor, body: RateCardIn) -> RateCard:
    """Create or replace the organisation's rates."""
    card = await card_for(session, actor.organization_id)
    if card is None:
        card = RateCard(organization_id=actor.organization_id)
        session.add(card)
    for field, value in body.model_dump().items():
        setattr(card, field, value)
    await session.flush()
    return card


def freight_charge(
    card: RateCard, equipment_type: str, distance_km: float, distance_source: str
) -> Freight:
    """Linehaul (with the minimum charge) and fuel surcharge for one load."""
    rate = card.rate_for(equipment_type)
    if rate is None:
        raise invalid("body", "equipment_type", msg=f"no rate is set for {equipment_type}")
    linehaul = times(distance_in(distance_km, card.rate_unit), rate)
    minimum_applied = linehaul < card.minimum_charge_cents
    if minimum_applied:
        linehaul = card.minimum_charge_cents
    return Freight(
        distance_km=float(km(distance_km)),
        rate_cents=rate,
        linehaul_cents=linehaul,
        minimum_applied=minimum_applied,
        fuel_surcharge_bp=card.fuel_surcharge_bp,
        fuel_cents=share(linehaul, card.fuel_surcharge_bp),
        distance_source=distance_source,
        rate_unit=card.rate_unit,
    )


def freight_lines(
    charge: Freight, equipment_type: str, shipment_id: uuid.UUID | None = None, label: str = ""
) -> list[Line]:
    """The linehaul and fuel surcharge lines of a freight charge."""
    prefix = f"{label} " if label else ""
    equipment_type = equipment_type.replace("_", " ")
    distance = charge.quantity
    said = f"{prefix}Linehaul {distance:,} {charge.rate_unit} {equipment_type}"
    source = LABELS.get(charge.distance_source, charge.distance_source)
    if charge.minimum_applied:
        linehaul = Line(
            "linehaul",
            f"{said} ({source}; minimum charge)",
            "1",
            "load",
            charge.linehaul_cents,
            charge.linehaul_cents,
            shipment_id,
        )
    else:
        linehaul = Line(
            "linehaul",
            f"{said} ({source})",
            f"{distance}",
            charge.rate_unit,
            charge.rate_cents,
            charge.linehaul_cents,
            shipment_id,
        )
    lines = [linehaul]
    if charge.fuel_surcharge_bp:
        percent = Decimal(charge.fuel_surcharge_bp) / 100
        lines.append(
            Line(
                "fuel_surcharge",
                f"{prefix}Fuel surcharge {percent:.2f}% of linehaul",
                f"{percent:.2f}",
                "%",
                charge.linehaul_cents,
                charge.fuel_cents,
                shipment_id,
            )
        )
    return lines


def totals(lines: list[Line], tax_rate_bp: int) -> tuple[int, int, int]:
    """Subtotal (sum of rounded lines), tax on the subtotal (half up) and total."""
    subtotal = sum(line.amount_cents for line in lines)
    tax = share(subtotal, tax_rate_bp)
    return subtotal, tax, subtotal + tax


async def quote(
    session: AsyncSession, actor: Actor, body: QuoteRequest, route: Route
) -> tuple[RateCard, Freight, list[Line]]:
    """Price a prospective shipment from the organisation's rates, over ``route`` (its
    stops' route, asked before the unit of work: ``freight.routing.route_unlocked``)."""
    card = await require_card(session, actor)
    charge = freight_charge(card, body.equipment_type, route.distance_km, route.source)
    return card, charge, freight_lines(charge, body.equipment_type)


async def freeze_price(
    session: AsyncSession, shipment: Shipment, card: RateCard | None = None
) -> None:
    """Fix a new shipment's price from its quote (call before the shipment is added).

    ``card`` is the organisation's (looked up when not given). Nothing is frozen when it
    has no rates, none for the equipment, or rates in another currency than the
    booking's: the price stays open. The quote remembers its basis (route, equipment,
    currency), so an edit can re-quote it and an invoice can refuse a stale one.
    """
    card = card or await card_for(session, shipment.organization_id)
    if (
        card is None
        or card.currency != shipment.currency
        or card.rate_for(shipment.equipment_type) is None
    ):
        return
    charge = freight_charge(
        card, shipment.equipment_type, shipment.distance_km, shipment.distance_source
    )
    shipment.price_cents = charge.price_cents
    session.add(
        ShipmentPrice(
            organization_id=shipment.organization_id,
            shipment=shipment,
            currency=card.currency,
            distance_km=charge.distance_km,
            distance_source=charge.distance_source,
            rate_cents=charge.rate_cents,
            rate_unit=charge.rate_unit,
            linehaul_cents=charge.linehaul_cents,
            minimum_applied=charge.minimum_applied,
            fuel_surcharge_bp=charge.fuel_surcharge_bp,
            fuel_cents=charge.fuel_cents,
            detention_free_minutes=card.detention_free_minutes,
            detention_hourly_cents=card.detention_hourly_cents,
            price_cents=charge.price_cents,
            basis=basis_of(shipment),
        )
    )
