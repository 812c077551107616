"""What an edit does to a shipment's price: re-quote it, keep a hand-set one, or refuse.

An edit that changes the price's basis (``freight.billing.basis``: route, equipment,
currency) re-quotes a frozen price from the organisation's current rates, as a new
booking would be priced; a price set by hand is kept and the edit is flagged on the
timeline; when the rates cannot price the edited load the edit is refused with 409
naming the field (a dispatcher may set the price in the same edit instead).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.billing.basis import PricedStop, basis_of, fingerprint
from freight.billing.models import RateCard, ShipmentPrice
from freight.billing.rates import Freight, card_for, freight_charge
from freight.errors import Conflict
from freight.shipments.models import Shipment

DEFAULT_CURRENCY = "USD"  # an organisation's currency until it sets rates


async def frozen_for(session: AsyncSession, shipment: Shipment) -> ShipmentPrice | None:
    """The quote frozen for a shipment, if any."""
    return await session.scalar(
        select(ShipmentPrice).where(ShipmentPrice.shipment_id == shipment.id)
    )


@dataclass
class Requote:
    """An edit's effect on the price: a new quote to apply, or a hand-set price kept."""

    action: str  # "requoted" | "override_kept"
    frozen: ShipmentPrice | None = None
    card: RateCard | None = None
    charge: Freight | None = None


def _refused(fields: Sequence[str], detail: str) -> Conflict:
    errors = [{"loc": ["body", f], "msg": detail} for f in fields]
    return Conflict(f"{', '.join(fields)}: {detail}", errors=errors)


async def plan(
    session: AsyncSession,
    shipment: Shipment,
    equipment_type: str,
    stops: Sequence[PricedStop],
    distance_km: float,
    distance_source: str,
) -> Requote | None:
    """What an edit to these values does to the price (call before changing the shipment).

    None when the price does not depend on what changed, or there is no price to keep.
    """
    if shipment.price_cents is None:
        return None  # an open price is computed from the rates when invoiced
    before = basis_of(shipment)
    if fingerprint(stops, equipment_type, shipment.currency, distance_km) == before:
        return None
    frozen = await frozen_for(session, shipment)
    if frozen is None or frozen.price_cents != shipment.price_cents:
        return Requote("override_kept")  # a person set this price; they decide on it
    changed = ["equipment_type"] if equipment_type != shipment.equipment_type else []
    if fingerprint(stops, shipment.equipment_type, shipment.currency, distance_km) != before:
        changed.append("stops")
    card = await card_for(session, shipment.organization_id)
    if card is None:
        raise _refused(changed, "the organisation has no rates to re-quote the price with")
    if card.rate_for(equipment_type) is None:
        raise _refused(
            ["equipment_type"],
            f"no rate is set for {equipment_type}, so the price cannot be re-quoted; "
            "an admin adds one, or a dispatcher sets the price in the same edit",
        )
    charge = freight_charge(card, equipment_type, distance_km, distance_source)
    return Requote("requoted", frozen, card, charge)


def apply(shipment: Shipment, requote: Requote) -> None:
    """Freeze the new quote on the edited shipment (a kept override changes nothing)."""
    frozen, card, charge = requote.frozen, requote.card, requote.charge
    if frozen is None or card is None or charge is None:
        return
    shipment.currency = card.currency
    shipment.price_cents = charge.price_cents
    frozen.currency = card.currency
    frozen.distance_km = charge.distance_km
    frozen.distance_source = charge.distance_source
    frozen.rate_cents = charge.rate_cents
    frozen.rate_unit = charge.rate_unit
    frozen.linehaul_cents = charge.linehaul_cents
    frozen.minimum_applied = charge.minimum_applied
    frozen.fuel_surcharge_bp = charge.fuel_surcharge_bp
    frozen.fuel_cents = charge.fuel_cents
    frozen.detention_free_minutes = card.detention_free_minutes
    frozen.detention_hourly_cents = card.detention_hourly_cents
    frozen.price_cents = charge.price_cents
    frozen.basis = basis_of(shipment)
