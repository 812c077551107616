"""Offer rows as they move: open the next driver's turn, withdraw, expire.

The actions people take (offer, accept, decline) are in ``tendering``; this module holds
what those actions, manual assignment and the periodic sweep share. Every change to an
offer is an event on its load's timeline (``offer.made``, ``offer.accepted``,
``offer.declined``, ``offer.expired``, ``offer.withdrawn``, and ``offer.exhausted`` when
a waterfall ran out of drivers), so the board and integrators see each step.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor
from freight.dispatch.models import LIVE_OFFERS, Offer, OfferStatus
from freight.fleet.models import Driver
from freight.fleet.statuses import DriverStatus
from freight.shipments.lifecycle import Status
from freight.shipments.models import Shipment

SWEEP_BATCH = 200  # offers one sweep settles per transaction


async def note(
    session: AsyncSession, actor: Actor | None, offer: Offer, kind: str, **data: object
) -> None:
    """The offer's event on its load's timeline."""
    body: dict[str, object] = {"offer_id": str(offer.id), "driver_id": str(offer.driver_id)}
    body["rank"] = offer.rank
    if offer.waterfall_id is not None:
        body["waterfall_id"] = str(offer.waterfall_id)
    body |= {k: v for k, v in data.items() if v is not None}
    await events.record(
        session, actor, offer.organization_id, kind, body, shipment_id=offer.shipment_id
    )


async def open_offer(
    session: AsyncSession, actor: Actor | None, offer: Offer, now: datetime
) -> None:
    """Put the offer in front of its driver until its time runs out."""
    offer.status = OfferStatus.OPEN
    offer.opened_at = now
    offer.expires_at = now + timedelta(seconds=offer.expires_in_s)
    await note(session, actor, offer, "offer.made", expires_at=offer.expires_at.isoformat())


async def close(
    session: AsyncSession,
    actor: Actor | None,
    offer: Offer,
    status: OfferStatus,
    now: datetime,
    reason: str | None = None,
) -> None:
    """End an offer (declined, expired, withdrawn, accepted); queued ones end quietly."""
    was_open = offer.status == OfferStatus.OPEN
    offer.status = status
    offer.answered_at = now
    offer.reason = reason
    if was_open or status == OfferStatus.ACCEPTED:
        await note(session, actor, offer, f"offer.{status.value}", reason=reason)


async def _driver_is_free(session: AsyncSession, driver_id: uuid.UUID) -> bool:
    driver = await session.get(Driver, driver_id)
    return (
        driver is not None
        and driver.deactivated_at is None
        and driver.status == DriverStatus.AVAILABLE
        and driver.current_shipment_id is None
    )


async def advance(
    session: AsyncSession, actor: Actor | None, waterfall_id: uuid.UUID, now: datetime
) -> Offer | None:
    """Offer the load to the waterfall's next driver who is still free (or say no driver
    took it): the driver after the one who declined, let the time run out or was withdrawn."""
    queued = (
        await session.scalars(
            select(Offer)
            .where(Offer.waterfall_id == waterfall_id, Offer.status.in_(LIVE_OFFERS))
            .order_by(Offer.rank)
        )
    ).all()
    if any(o.status == OfferStatus.OPEN for o in queued):
        return None  # someone still has it
    last = (
        await session.scalars(
            select(Offer).where(Offer.waterfall_id == waterfall_id).order_by(Offer.rank.desc())
        )
    ).first()
    shipment = await session.get(Shipment, last.shipment_id) if last is not None else None
    for offer in queued:
        if shipment is None or shipment.status != Status.PENDING:
            await close(session, actor, offer, OfferStatus.WITHDRAWN, now, "the load was taken")
        elif await _driver_is_free(session, offer.driver_id):
            await open_offer(session, actor, offer, now)
            return offer
        else:
            await close(session, actor, offer, OfferStatus.WITHDRAWN, now, "driver not free")
    if last is not None and shipment is not None and shipment.status == Status.PENDING:
        await note(session, actor, last, "offer.exhausted")
    return None


async def withdraw(
    session: AsyncSession,
    actor: Actor | None,
    offers: Sequence[Offer],
    reason: str,
    now: datetime,
    *,
    move_on: bool,
) -> None:
    """Withdraw live offers; with ``move_on``, their waterfalls ask their next driver."""
    waterfalls: set[uuid.UUID] = set()
    for offer in offers:
        if offer.status in LIVE_OFFERS:
            await close(session, actor, offer, OfferStatus.WITHDRAWN, now, reason)
            if offer.waterfall_id is not None:
                waterfalls.add(offer.waterfall_id)
    if move_on:
        for waterfall_id in sorted(waterfalls):
            await advance(session, actor, waterfall_id, now)


async def live_offers(
    session: AsyncSession,
    *,
    shipment_ids: Collection[uuid.UUID] = (),
    driver_ids: Collection[uuid.UUID] = (),
    lock: bool = False,
) -> list[Offer]:
    """Queued and open offers of these loads or drivers."""
    stmt = select(Offer).where(Offer.status.in_(LIVE_OFFERS))
    if shipment_ids:
        stmt = stmt.where(Offer.shipment_id.in_(shipment_ids))
    if driver_ids:
        stmt = stmt.where(Offer.driver_id.in_(driver_ids))
    if lock:
        stmt = stmt.with_for_update()
    return list((await session.scalars(stmt.order_by(Offer.rank))).all())


async def after_assignment(
    session: AsyncSession,
    actor: Actor | None,
    shipment_id: uuid.UUID,
    driver_id: uuid.UUID,
    now: datetime,
    accepted: uuid.UUID | None = None,
) -> None:
    """A load was given to a driver (an accepted offer, by hand, by a plan): the load's
    other offers are withdrawn, and so are the driver's offers of other loads, whose
    waterfalls move on to their next driver."""
    of_load = [
        o for o in await live_offers(session, shipment_ids=[shipment_id]) if o.id != accepted
    ]
    await withdraw(session, actor, of_load, "the load went to another driver", now, move_on=False)
    others = [
        o
        for o in await live_offers(session, driver_ids=[driver_id])
        if o.shipment_id != shipment_id
    ]
    await withdraw(session, actor, others, "the driver took another load", now, move_on=True)


async def sweep(session: AsyncSession, now: datetime) -> int:
    """Expire the open offers whose time ran out and withdraw live offers of loads that
    are no longer pending (cancelled, assigned elsewhere); their waterfalls move on.

    Offers and loads another transaction holds (a sweep on another server, a driver
    answering) are skipped rather than waited for: any number of servers may sweep, and a
    sweep never waits in a lock cycle with an answer.
    Returns how many offers it settled.
    """
    due = (
        await session.scalars(
            select(Offer)
            .join(Shipment, Shipment.id == Offer.shipment_id)
            .where(Offer.status == OfferStatus.OPEN, Offer.expires_at <= now)
            .order_by(Offer.expires_at)
            .limit(SWEEP_BATCH)
            .with_for_update(skip_locked=True, of=(Offer, Shipment))
        )
    ).all()
    stale = (
        await session.scalars(
            select(Offer)
            .join(Shipment, Shipment.id == Offer.shipment_id)
            .where(Offer.status.in_(LIVE_OFFERS), Shipment.status != Status.PENDING)
            .limit(SWEEP_BATCH)
            .with_for_update(skip_locked=True, of=(Offer, Shipment))
        )
    ).all()
    waterfalls: set[uuid.UUID] = set()
    for offer in due:
        await close(session, None, offer, OfferStatus.EXPIRED, now)
        if offer.waterfall_id is not None:
            waterfalls.add(offer.waterfall_id)
    await withdraw(session, None, stale, "the load is no longer pending", now, move_on=False)
    for waterfall_id in sorted(waterfalls):
        await advance(session, None, waterfall_id, now)
    return len(due) + len(stale)
