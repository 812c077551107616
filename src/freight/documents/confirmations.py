"""Rate confirmations: one per offer (basis ``offer:{id}``), made when the load is offered,
and one for a load assigned by hand (basis ``driver:{id}:{digest}``, new when its facts
change); the offered driver accepts theirs by accepting the offer.

Dispatch does not know documents: the app hands ``RateConfirmations`` to the offer
answers as ``tendering.Confirmation`` (like billing's ``Pricing`` for shipments), and
``made_on_offer`` watches committed ``offer.made`` events to make each offer's document.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from functools import partial

import anyio
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight import events, formatting
from freight.access import Actor, Role, scoped
from freight.billing import lines as items
from freight.billing.models import ShipmentPrice
from freight.billing.pdf import Party, company_party
from freight.billing.rates import card_for
from freight.context import AppContext
from freight.db import end_read
from freight.dispatch.models import Offer, OfferStatus
from freight.documents import rate_confirmation as rc
from freight.documents.models import Document, DocumentKind
from freight.documents.store import PDF, Wanted, insert, look_of, make
from freight.errors import DomainError
from freight.events import Event
from freight.fleet.models import Driver, Vehicle
from freight.identity.models import Organization
from freight.shipments.models import Shipment, Stop

log = structlog.get_logger("freight.documents")
KIND = DocumentKind.RATE_CONFIRMATION
SHOWN_OFFERS = (OfferStatus.OPEN, OfferStatus.ACCEPTED)


def offer_basis(offer_id: uuid.UUID) -> str:
    return f"offer:{offer_id}"


def _filename(shipment: Shipment, offer: Offer | None) -> str:
    tail = f"-{str(offer.id)[:8]}" if offer is not None else ""
    return f"{shipment.reference}-rate-confirmation{tail}.pdf"


def _place(stop: Stop) -> Party:
    town = f"{stop.city}, {stop.region or ''} {stop.postal_code or ''}".strip(" ,")
    lines = [stop.address or "", town if stop.country == "US" else f"{town}, {stop.country}"]
    return Party(stop.name or stop.city, [line for line in lines if line.strip()])


async def _charges(
    session: AsyncSession, shipment: Shipment
) -> tuple[list[rc.Charge], list[tuple[str, str]], str]:
    """The rate as billing prices the load (its freight lines: linehaul and fuel, or the
    agreed price), the accessorials its quote or the rates list, and the currency."""
    card = await card_for(session, shipment.organization_id)
    frozen = await session.scalar(
        select(ShipmentPrice).where(ShipmentPrice.shipment_id == shipment.id)
    )
    try:
        lines = items.freight_for(shipment, frozen, card)
    except DomainError:  # no price and no rates: the rate is still to be agreed
        lines = []
    currency = items.currency_for(shipment, card)
    prefix = f"{shipment.reference} "
    charges = [
        rc.Charge(ln.description.removeprefix(prefix), ln.quantity, ln.unit, ln.amount_cents)
        for ln in lines
    ]
    extras: list[tuple[str, str]] = []
    source = frozen or card
    look = await look_of(session, shipment.organization_id)

    def money(cents: int) -> str:
        return formatting.money(cents, currency, look.locale)

    if source is not None and source.detention_hourly_cents:
        extras.append(
            (
                "Detention",
                f"{money(source.detention_hourly_cents)} per hour after "
                f"{source.detention_free_minutes} min free at a stop",
            )
        )
    if card is not None:
        for label, cents in (
            ("Truck ordered not used", card.tonu_cents),
            ("Delivery reattempt", card.reattempt_cents),
            ("Layover", card.layover_cents),
        ):
            if cents:
                extras.append((label, money(cents)))
    extras.append(("Lumper", "reimbursed at cost against the receipt"))
    return charges, extras, currency


async def facts_for(
    ctx: AppContext,
    session: AsyncSession,
    shipment: Shipment,
    driver: Driver | None,
    offer: Offer | None,
) -> rc.RateFacts:
    """What the rate confirmation of this load (for this driver or offer) says."""
    look = await look_of(session, shipment.organization_id)
    org = await session.get_one(Organization, shipment.organization_id)
    company = company_party(ctx.settings)
    vehicle_id = shipment.vehicle_id or (driver.vehicle_id if driver else None)
    vehicle = await session.get(Vehicle, vehicle_id) if vehicle_id else None
    driver_party = None
    if driver is not None:
        lines = [f"Phone: {driver.phone}"] if driver.phone else []
        if driver.license_region:
            lines.append(f"License region: {driver.license_region}")
        driver_party = Party(driver.full_name, lines)
    charges, extras, currency = await _charges(session, shipment)
    stops = sorted(shipment.stops, key=lambda s: s.sequence)
    return rc.RateFacts(
        company=company,
        look=look,
        carrier=Party(org.name, company.lines),
        driver=driver_party,
        truck=vehicle.number if vehicle else None,
        reference=shipment.reference,
        customer_reference=shipment.external_ref,
        offer=str(offer.id)[:8] if offer else None,
        equipment=shipment.equipment_type,
        commodity=shipment.commodity,
        weight_kg=shipment.weight_kg,
        pieces=shipment.pieces,
        hazmat=shipment.hazmat,
        stops=[
            rc.LaneStop(s.sequence, s.kind, _place(s), s.window_start, s.window_end, s.timezone)
            for s in stops
        ],
        loaded_km=shipment.distance_km,
        empty_km=offer.deadhead_km if offer else None,
        currency=currency,
        charges=charges,
        accessorials=extras,
        offered_at=offer.opened_at if offer else None,
        answer_by=offer.expires_at if offer else None,
        made_at=(offer.opened_at if offer else None) or shipment.updated_at,
    )


async def render(facts: rc.RateFacts) -> bytes:
    """The PDF of these facts, off the event loop."""
    return await anyio.to_thread.run_sync(partial(rc.render, facts))


async def _existing(session: AsyncSession, shipment_id: uuid.UUID, basis: str) -> Document | None:
    return await session.scalar(
        select(Document).where(
            Document.shipment_id == shipment_id, Document.kind == KIND, Document.basis == basis
        )
    )


async def make_for_offer(ctx: AppContext, actor: Actor | None, offer_id: uuid.UUID) -> None:
    """Make the offer's rate confirmation unless it exists (in transactions of its own)."""
    async with ctx.read_sessions() as session:
        offer = await session.get(Offer, offer_id)
        if offer is None or offer.status == OfferStatus.QUEUED:
            return
        if await _existing(session, offer.shipment_id, offer_basis(offer.id)):
            return
        shipment = await session.get_one(Shipment, offer.shipment_id)
        driver = await session.get(Driver, offer.driver_id)
        data = await render(await facts_for(ctx, session, shipment, driver, offer))
        want = Wanted(KIND, offer_basis(offer.id), _filename(shipment, offer))
    await make(ctx, actor, offer.shipment_id, want, data)


async def wanted(
    ctx: AppContext, session: AsyncSession, actor: Actor, shipment: Shipment, have: set[str]
) -> list[tuple[Wanted, bytes]]:
    """The rate confirmations the load should have now that ``have`` (their bases) lacks,
    rendered: its open and accepted offers', and its driver's when assigned by hand.
    Staff ask for all of them, the load's driver for theirs, customers for none."""
    if not (actor.is_staff or actor.role == Role.DRIVER):
        return []
    offers = (
        await session.scalars(
            select(Offer).where(Offer.shipment_id == shipment.id, Offer.status.in_(SHOWN_OFFERS))
        )
    ).all()
    if actor.role == Role.DRIVER:
        offers = [o for o in offers if o.driver_id == actor.driver_id]
    found: list[tuple[Wanted, bytes]] = []
    for offer in offers:
        if offer_basis(offer.id) not in have:
            driver = await session.get(Driver, offer.driver_id)
            data = await render(await facts_for(ctx, session, shipment, driver, offer))
            found.append((Wanted(KIND, offer_basis(offer.id), _filename(shipment, offer)), data))
    took = any(
        o.status == OfferStatus.ACCEPTED and o.driver_id == shipment.driver_id for o in offers
    )
    if shipment.driver_id is not None and not took:
        driver = await session.get(Driver, shipment.driver_id)
        facts = await facts_for(ctx, session, shipment, driver, None)
        basis = f"driver:{shipment.driver_id}:{facts.digest()[:16]}"
        if basis not in have:
            found.append((Wanted(KIND, basis, _filename(shipment, None)), await render(facts)))
    return found


async def own_bases(session: AsyncSession, actor: Actor, shipment_id: uuid.UUID) -> set[str]:
    """The bases of the rate confirmations that are this driver's (their offers' and
    their assignment's) among the load's."""
    if actor.driver_id is None:
        return set()
    offer_ids = (
        await session.scalars(
            select(Offer.id).where(
                Offer.shipment_id == shipment_id, Offer.driver_id == actor.driver_id
            )
        )
    ).all()
    return {offer_basis(i) for i in offer_ids}


def is_own(document: Document, actor: Actor, bases: set[str]) -> bool:
    """Whether this rate confirmation is the driver's."""
    return document.basis in bases or document.basis.startswith(f"driver:{actor.driver_id}:")


async def of_offer(
    ctx: AppContext, session: AsyncSession, actor: Actor, offer_id: uuid.UUID
) -> Document | None:
    """The rate confirmation of an offer the caller may read (staff, or the driver it is
    offered to once it is their turn), made now if it is not yet; None for anyone else."""
    offer = await session.scalar(scoped(Offer, actor).where(Offer.id == offer_id))
    if offer is None or offer.status == OfferStatus.QUEUED:
        return None
    if not actor.is_staff and (actor.driver_id is None or offer.driver_id != actor.driver_id):
        return None
    found = await _existing(session, offer.shipment_id, offer_basis(offer.id))
    if found is None:
        await make_for_offer(ctx, actor, offer.id)
        async with ctx.read_sessions() as fresh:
            found = await _existing(fresh, offer.shipment_id, offer_basis(offer.id))
    return found


class RateConfirmations:
    """``tendering.Confirmation``: the driver's yes to an offer accepts its rate
    confirmation, recorded in the same transaction as the assignment."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def prepare(self, session: AsyncSession, actor: Actor, offer_id: uuid.UUID) -> None:
        """Make the offer's document before any lock is taken, if no one has yet."""
        offer = await session.scalar(scoped(Offer, actor).where(Offer.id == offer_id))
        if offer is None or offer.driver_id != actor.driver_id or offer.status != OfferStatus.OPEN:
            return  # the answer itself says why not
        if await _existing(session, offer.shipment_id, offer_basis(offer.id)) is None:
            await end_read(session)  # nothing written yet: hold no lock while rendering
            await make_for_offer(self.ctx, actor, offer.id)

    async def accepted(
        self, session: AsyncSession, actor: Actor, offer: Offer, at: datetime
    ) -> Document:
        """Record who accepted the offer's rate confirmation, when, and its sha256."""
        document = await _existing(session, offer.shipment_id, offer_basis(offer.id))
        shipment = await session.get_one(Shipment, offer.shipment_id)
        if document is None:  # made by no one yet (a failed render at offer time, say)
            driver = await session.get(Driver, offer.driver_id)
            data = await render(await facts_for(self.ctx, session, shipment, driver, offer))
            saved = await self.ctx.files.save(data, "pdf", PDF)
            want = Wanted(KIND, offer_basis(offer.id), _filename(shipment, offer))
            document = await insert(session, actor, shipment, want, saved)
        document.accepted_by = actor.user_id
        document.accepted_at = at
        await events.record(
            session,
            actor,
            offer.organization_id,
            "document.accepted",
            {
                "document_id": str(document.id),
                "kind": KIND.value,
                "sha256": document.sha256,
                "offer_id": str(offer.id),
                "accepted_by": str(actor.user_id) if actor.user_id else None,
            },
            shipment_id=offer.shipment_id,
        )
        return document


def made_on_offer(ctx: AppContext) -> events.Subscriber:
    """A bus subscriber that makes each newly offered load's rate confirmation."""

    async def on_commit(batch: Sequence[Event]) -> None:
        for event in batch:
            if event.type == "offer.made" and "offer_id" in event.data:
                try:
                    await make_for_offer(ctx, None, uuid.UUID(event.data["offer_id"]))
                except Exception:  # the offer stands; the document is made when asked for
                    log.warning("documents.rate_confirmation_failed", exc_info=True)

    return on_commit


def install(ctx: AppContext) -> None:
    """Wire rate confirmations into a starting app: made on each offer, accepted with it."""
    ctx.confirmation = RateConfirmations(ctx)
    ctx.bus.subscribe(made_on_offer(ctx))
