"""Accessorial charges a load earns on the road: TONU, reattempt, layover, lumper.

Each is priced when it is earned, from the organisation's rates at that moment (a
lumper at the receipt's amount), and kept as a row of the shipment; the invoice lists
the rows as lines after the freight and detention. A charge on a shipment that is
already on a live invoice is refused: the invoice would not show it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor
from freight.billing.models import Accessorial, AccessorialKind, InvoicedShipment
from freight.billing.rates import Line, card_for
from freight.errors import Conflict
from freight.shipments.models import Shipment

LABELS = {
    AccessorialKind.TONU: "Truck ordered, not used",
    AccessorialKind.REATTEMPT: "Delivery reattempt",
    AccessorialKind.LAYOVER: "Layover",
    AccessorialKind.LUMPER: "Lumper (at cost, receipt on file)",
}


async def _refuse_invoiced(session: AsyncSession, shipment: Shipment) -> None:
    taken = await session.scalar(
        select(exists().where(InvoicedShipment.shipment_id == shipment.id))
    )
    if taken:
        raise Conflict(
            f"{shipment.reference} is already invoiced: void the invoice to add a charge"
        )


async def charge(
    session: AsyncSession,
    actor: Actor,
    shipment: Shipment,
    kind: AccessorialKind,
    *,
    unit_price_cents: int,
    quantity: int = 1,
    unit: str = "each",
    detail: str | None = None,
    source_id: uuid.UUID | None = None,
) -> Accessorial | None:
    """Add one charge to the shipment (none when its price is zero: the rate is not set)."""
    await _refuse_invoiced(session, shipment)
    if unit_price_cents <= 0 or quantity <= 0:
        return None
    words = f"{shipment.reference} {LABELS[kind]}" + (f": {detail}" if detail else "")
    row = Accessorial(
        organization_id=shipment.organization_id,
        shipment_id=shipment.id,
        kind=kind,
        description=words[:200],
        quantity=str(quantity),
        unit=unit,
        unit_price_cents=unit_price_cents,
        amount_cents=unit_price_cents * quantity,
        source_id=source_id,
        created_by=actor.user_id,
    )
    session.add(row)
    return row


async def rate(session: AsyncSession, shipment: Shipment, kind: AccessorialKind) -> int:
    """The organisation's rate for a TONU, a reattempt or a night of layover (0: not set)."""
    card = await card_for(session, shipment.organization_id)
    if card is None:
        return 0
    return {
        AccessorialKind.TONU: card.tonu_cents,
        AccessorialKind.REATTEMPT: card.reattempt_cents,
        AccessorialKind.LAYOVER: card.layover_cents,
    }.get(kind, 0)


async def of_shipments(
    session: AsyncSession, shipment_ids: Sequence[uuid.UUID]
) -> list[Accessorial]:
    """The charges of these shipments, in the order they were earned."""
    if not shipment_ids:
        return []
    rows = await session.execute(
        select(Accessorial)
        .where(Accessorial.shipment_id.in_(set(shipment_ids)))
        .order_by(Accessorial.created_at, Accessorial.id)
    )
    return list(rows.scalars())


def lines(charges: Sequence[Accessorial], shipment_id: uuid.UUID) -> list[Line]:
    """One invoice line per charge of this shipment."""
    return [
        Line(
            c.kind,
            c.description,
            str(Decimal(c.quantity)),
            c.unit,
            c.unit_price_cents,
            c.amount_cents,
            shipment_id,
        )
        for c in charges
        if c.shipment_id == shipment_id
    ]
