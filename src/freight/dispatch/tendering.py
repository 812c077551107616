"""Load offers: a dispatcher offers a load to a driver, or down the ranked list of free
drivers (a waterfall); the driver accepts or declines.

Acceptance assigns through ``assignment.assign``, the rules of a manual assignment
checked again at that moment, under the load's row lock: of two drivers accepting one
load, or one driver accepting two loads at once, exactly one assignment is made and the
other answer is a 409 that says why.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from freight.access import Actor, Role, get_scoped, scoped
from freight.db import utcnow
from freight.dispatch import assignment, offers
from freight.dispatch.assignment import Planning, fit
from freight.dispatch.board import candidates
from freight.dispatch.models import LIVE_OFFERS, Offer, OfferStatus
from freight.dispatch.schemas import OfferRequest
from freight.errors import Conflict, NotFound, invalid
from freight.fleet.models import Driver, Vehicle
from freight.settings import Settings
from freight.shipments.lifecycle import Status
from freight.shipments.models import Shipment
from freight.shipments.queries import visible


class Confirmation(Protocol):
    """What else a driver's yes accepts: the offer's rate confirmation. Documents implement
    it (``freight.documents.confirmations``), so dispatch never imports documents."""

    async def prepare(self, session: AsyncSession, actor: Actor, offer_id: uuid.UUID) -> None:
        """Before any lock is taken (the session has written nothing yet)."""
        ...

    async def accepted(
        self, session: AsyncSession, actor: Actor, offer: Offer, at: datetime
    ) -> object:
        """In the acceptance's transaction, once the load is assigned."""
        ...


GONE = {
    OfferStatus.QUEUED: "this offer is not yours to answer yet",
    OfferStatus.ACCEPTED: "this offer was already accepted",
    OfferStatus.DECLINED: "this offer was declined",
    OfferStatus.EXPIRED: "this offer expired",
    OfferStatus.WITHDRAWN: "the dispatcher withdrew this offer",
}


async def _locked_shipment(session: AsyncSession, actor: Actor, shipment_id: uuid.UUID) -> Shipment:
    row = await session.scalar(
        visible(select(Shipment), actor).where(Shipment.id == shipment_id).with_for_update()
    )
    if not isinstance(row, Shipment):
        raise NotFound("shipment", shipment_id)
    return row


def _reasons(driver: Driver, vehicle: Vehicle | None, shipment: Shipment) -> list[str]:
    said = [f"qualified for {shipment.equipment_type.replace('_', ' ')}"]
    if vehicle is not None:
        said.append(f"truck {vehicle.number} carries {vehicle.capacity_kg:g} kg")
    said.append(f"{driver.hos_minutes_remaining // 60} h of driving left")
    return said


async def _single(
    session: AsyncSession,
    actor: Actor,
    shipment: Shipment,
    driver_id: uuid.UUID,
    expires_in_s: int,
    planning: Planning,
    now: datetime,
) -> list[Offer]:
    try:
        driver = await get_scoped(session, Driver, actor, driver_id)
    except NotFound:
        raise invalid("body", "driver_id", msg="no such driver") from None
    vehicle = await session.get(Vehicle, driver.vehicle_id) if driver.vehicle_id else None
    check = fit(driver, vehicle, shipment, planning.params(), "offer")
    offer = Offer(
        organization_id=shipment.organization_id,
        shipment_id=shipment.id,
        driver_id=driver.id,
        rank=1,
        expires_in_s=expires_in_s,
        deadhead_km=round(check.deadhead_km, 1) if check else None,
        reasons=_reasons(driver, vehicle, shipment),
        offered_by=actor.user_id,
    )
    session.add(offer)
    await session.flush()  # its id, for the offer.made event
    await offers.open_offer(session, actor, offer, now)
    return [offer]


async def _waterfall(
    session: AsyncSession,
    actor: Actor,
    shipment: Shipment,
    expires_in_s: int,
    settings: Settings,
    now: datetime,
) -> list[Offer]:
    ranked = await candidates(session, actor, shipment.id, settings.road_factor)
    fitting = [c for c in ranked if c.fits][: settings.offer_waterfall_size]
    if not fitting:
        raise Conflict("cannot offer: no free driver can take this load")
    drivers = {
        d.id: d
        for d in await session.scalars(
            scoped(Driver, actor).where(Driver.id.in_([c.driver_id for c in fitting]))
        )
    }
    trucks = {d.vehicle_id for d in drivers.values() if d.vehicle_id}
    vehicles = {
        v.id: v for v in await session.scalars(scoped(Vehicle, actor).where(Vehicle.id.in_(trucks)))
    }
    waterfall_id = uuid.uuid4()
    made = []
    for rank, choice in enumerate(fitting, start=1):
        driver = drivers[choice.driver_id]
        vehicle = vehicles.get(driver.vehicle_id) if driver.vehicle_id else None
        reasons = [f"ranked {rank} of {len(fitting)} by empty miles to the pickup"]
        made.append(
            Offer(
                organization_id=shipment.organization_id,
                shipment_id=shipment.id,
                driver_id=driver.id,
                status=OfferStatus.QUEUED,
                waterfall_id=waterfall_id,
                rank=rank,
                expires_in_s=expires_in_s,
                deadhead_km=choice.deadhead_km,
                reasons=reasons + _reasons(driver, vehicle, shipment),
                offered_by=actor.user_id,
            )
        )
    session.add_all(made)
    await session.flush()
    await offers.open_offer(session, actor, made[0], now)
    return made


async def make(
    session: AsyncSession,
    actor: Actor,
    shipment_id: uuid.UUID,
    body: OfferRequest,
    settings: Settings,
) -> tuple[list[Offer], bool]:
    """Offer a PENDING load; returns the offers and whether they are new.

    Asking again for what is already on offer (the same driver, or a waterfall while one
    runs) answers the live offers instead of making more: a retried request makes none.
    """
    if (body.driver_id is None) == (not body.waterfall):
        raise invalid("body", "driver_id", msg="give either driver_id or waterfall: true")
    shipment = await _locked_shipment(session, actor, shipment_id)
    if shipment.status != Status.PENDING:
        raise Conflict(f"cannot offer: the load is {shipment.status.lower().replace('_', ' ')}")
    live = await offers.live_offers(session, shipment_ids=[shipment.id])
    running = [o for o in live if o.waterfall_id is not None]
    if body.waterfall and running:
        return running, False
    if body.driver_id is not None:
        mine = [o for o in live if o.driver_id == body.driver_id and o.waterfall_id is None]
        if mine:
            return mine, False
    if running:
        raise Conflict("cannot offer: a waterfall is offering this load; withdraw it first")
    if body.waterfall and live:
        raise Conflict("cannot offer: the load is on offer to a driver; withdraw that first")
    expires_in_s = body.expires_in_s or settings.offer_expiry_s
    now = utcnow()
    if body.driver_id is not None:
        made = await _single(
            session, actor, shipment, body.driver_id, expires_in_s, Planning.of(settings), now
        )
    else:
        made = await _waterfall(session, actor, shipment, expires_in_s, settings, now)
    return made, True


async def _take(session: AsyncSession, actor: Actor, offer_id: uuid.UUID) -> Offer:
    """The driver's own offer, read again under locks taken in one order everywhere (the
    driver, the load, the offer) so two answers at once queue instead of deadlocking;
    anyone else's offer is not found."""
    offer = await session.scalar(scoped(Offer, actor).where(Offer.id == offer_id))
    if offer is None or actor.driver_id is None or offer.driver_id != actor.driver_id:
        raise NotFound("offer", offer_id)
    await session.execute(select(Driver.id).where(Driver.id == offer.driver_id).with_for_update())
    await session.execute(
        select(Shipment.id).where(Shipment.id == offer.shipment_id).with_for_update()
    )
    locked = await session.scalar(
        select(Offer)
        .where(Offer.id == offer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert locked is not None  # offers are deleted only with their load or driver
    return locked


def _answerable(offer: Offer, now: datetime) -> None:
    if offer.status != OfferStatus.OPEN:
        raise Conflict(GONE[OfferStatus(offer.status)])
    if offer.expires_at is not None and offer.expires_at <= now:
        raise Conflict(GONE[OfferStatus.EXPIRED])


async def accept(
    session: AsyncSession,
    actor: Actor,
    offer_id: uuid.UUID,
    planning: Planning,
    confirmation: Confirmation | None = None,
) -> Offer:
    """The driver takes the load: assigned now if the rules still allow, else 409.

    The assignment is the tendering dispatcher's, completed by the driver's yes: its
    event names the offer, and ``offer.accepted`` names the driver. With a
    ``confirmation``, the yes also accepts the offer's rate confirmation, atomically.
    """
    if confirmation is not None:
        await confirmation.prepare(session, actor, offer_id)
    now = utcnow()
    offer = await _take(session, actor, offer_id)
    _answerable(offer, now)
    tendered_by = Actor(
        organization_id=actor.organization_id, role=Role.DISPATCHER, user_id=offer.offered_by
    )
    shipment = await session.get(Shipment, offer.shipment_id, populate_existing=True)
    if shipment is None or shipment.status != Status.PENDING:
        raise Conflict("the load is no longer available")
    await offers.close(session, actor, offer, OfferStatus.ACCEPTED, now)
    await assignment.assign(
        session, tendered_by, shipment.id, offer.driver_id, None, planning, offer_id=offer.id
    )
    if confirmation is not None:
        await confirmation.accepted(session, actor, offer, now)
    return offer


async def decline(
    session: AsyncSession, actor: Actor, offer_id: uuid.UUID, reason: str | None
) -> Offer:
    """The driver says no (with a reason for the office); a waterfall asks its next driver."""
    now = utcnow()
    offer = await _take(session, actor, offer_id)
    _answerable(offer, now)
    await offers.close(session, actor, offer, OfferStatus.DECLINED, now, reason)
    if offer.waterfall_id is not None:
        await offers.advance(session, actor, offer.waterfall_id, now)
    return offer


async def withdraw(session: AsyncSession, actor: Actor, offer_id: uuid.UUID) -> list[Offer]:
    """The dispatcher takes an offer back; for a waterfall, every step still to come."""
    found = await session.scalar(scoped(Offer, actor).where(Offer.id == offer_id))
    if found is None:
        raise NotFound("offer", offer_id)
    await _locked_shipment(session, actor, found.shipment_id)
    offer = await session.scalar(
        select(Offer)
        .where(Offer.id == offer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert offer is not None
    if offer.waterfall_id is None:
        targets = [offer]
    else:
        targets = list(
            await session.scalars(
                select(Offer).where(
                    Offer.waterfall_id == offer.waterfall_id, Offer.status.in_(LIVE_OFFERS)
                )
            )
        )
    if not any(o.status in LIVE_OFFERS for o in targets):
        raise Conflict(GONE[OfferStatus(offer.status)])
    await offers.withdraw(
        session, actor, targets, "withdrawn by the dispatcher", utcnow(), move_on=False
    )
    return targets


async def listed(
    session: AsyncSession,
    actor: Actor,
    shipment_id: uuid.UUID | None = None,
    live_only: bool = False,
    limit: int = 200,
) -> list[Offer]:
    """A driver's own offers, or the organisation's for staff; newest first."""
    stmt = scoped(Offer, actor)
    if not actor.is_staff:
        if actor.role != Role.DRIVER or actor.driver_id is None:
            return []
        stmt = stmt.where(Offer.driver_id == actor.driver_id, Offer.status != OfferStatus.QUEUED)
    if shipment_id is not None:
        stmt = stmt.where(Offer.shipment_id == shipment_id)
    if live_only:
        stmt = stmt.where(Offer.status.in_(LIVE_OFFERS))
    stmt = stmt.order_by(Offer.created_at.desc(), Offer.rank).limit(limit)
    return list((await session.scalars(stmt.options(selectinload(Offer.shipment)))).all())


async def offered_to_me(session: AsyncSession, actor: Actor) -> list[Offer]:
    """The driver's open offers, soonest to run out first, each with its load (which the
    driver may read while it is offered to them)."""
    if actor.driver_id is None:
        return []
    stmt = (
        scoped(Offer, actor)
        .where(
            Offer.driver_id == actor.driver_id,
            Offer.status == OfferStatus.OPEN,
            Offer.expires_at > utcnow(),
        )
        .order_by(Offer.expires_at)
        .options(selectinload(Offer.shipment))
    )
    return list((await session.scalars(stmt)).all())
