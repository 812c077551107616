"""Booking and editing shipments, priced: the billing use cases the API and pages call.

Shipments know nothing of rates; they take a ``Pricing`` (``freight.shipments.service``).
This module is that pricing, from the organisation's rate card: a booking freezes its
quote as the price, an edit of what the quote was computed from re-quotes it
(``freight.billing.repricing``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, Role
from freight.billing import rates, repricing
from freight.billing.basis import PricedStop
from freight.billing.models import RateCard
from freight.errors import Forbidden, invalid
from freight.places.geocoder import Geocoder
from freight.routing.router import Router
from freight.shipments import service as shipments
from freight.shipments.heed import Heed
from freight.shipments.models import Shipment
from freight.shipments.schemas import ShipmentCreate


class RateCardPricing:
    """``shipments.Pricing`` from the organisation's rates (the card is read once)."""

    def __init__(self) -> None:
        self._card: RateCard | None = None
        self._looked_up = False

    async def _card_for(self, session: AsyncSession, organization_id: uuid.UUID) -> RateCard | None:
        if not self._looked_up:
            self._card = await rates.card_for(session, organization_id)
            self._looked_up = True
        return self._card

    async def currency(self, session: AsyncSession, organization_id: uuid.UUID) -> str:
        card = await self._card_for(session, organization_id)
        return card.currency if card is not None else repricing.DEFAULT_CURRENCY

    async def freeze(self, session: AsyncSession, shipment: Shipment) -> None:
        card = await self._card_for(session, shipment.organization_id)
        await rates.freeze_price(session, shipment, card)

    async def requote(
        self,
        session: AsyncSession,
        shipment: Shipment,
        equipment_type: str,
        stops: Sequence[PricedStop],
        distance_km: float,
        distance_source: str,
    ) -> repricing.Requote | None:
        return await repricing.plan(
            session, shipment, equipment_type, stops, distance_km, distance_source
        )

    def apply(self, shipment: Shipment, change: shipments.PriceChange) -> None:
        assert isinstance(change, repricing.Requote)
        repricing.apply(shipment, change)


async def book(
    session: AsyncSession,
    actor: Actor,
    body: ShipmentCreate,
    router: Router,
    heed: Heed | None = None,
    geocoder: Geocoder | None = None,
) -> Shipment:
    """Book a shipment priced from the organisation's rates (never commits): the distance
    stored and priced is ``router``'s; stops without coordinates are placed by ``geocoder``."""
    return await shipments.create(session, actor, body, router, RateCardPricing(), heed, geocoder)


async def edit(
    session: AsyncSession,
    actor: Actor,
    shipment_id: uuid.UUID,
    changes: dict[str, Any],
    router: Router,
    if_match: int | None = None,
    heed: Heed | None = None,
    geocoder: Geocoder | None = None,
) -> Shipment:
    """Edit a shipment, re-quoting its price when the edit changes its basis (never commits);
    new stops are routed by ``router``."""
    return await shipments.update(
        session,
        actor,
        shipment_id,
        changes,
        router,
        RateCardPricing(),
        if_match,
        heed=heed,
        geocoder=geocoder,
    )


async def override_price(
    session: AsyncSession,
    actor: Actor,
    shipment_id: uuid.UUID,
    price_cents: int,
    reason: str,
    if_match: int | None = None,
) -> Shipment:
    """Set the price by hand (dispatchers and admins), the reason on the timeline."""
    if actor.role not in (Role.DISPATCHER, Role.ADMIN):
        raise Forbidden("only dispatchers and admins set a price by hand")
    current = await shipments.get_visible(session, actor, shipment_id)
    if current.price_cents == price_cents:
        raise invalid("body", "price_cents", msg="that is already the price")
    changes: dict[str, Any] = {"price_cents": price_cents}
    return await shipments.update(
        session, actor, shipment_id, changes, None, RateCardPricing(), if_match, reason
    )
