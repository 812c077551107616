"""Routes for load offers: offer a load, list offers, accept, decline, withdraw."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy import inspect

from freight import idempotency as idem
from freight.access import Actor, Role
from freight.deps import Context, CurrentUser, SessionDep, Staff, require_role
from freight.dispatch import tendering
from freight.dispatch.assignment import Planning
from freight.dispatch.models import Offer
from freight.dispatch.schemas import (
    OfferAnswer,
    OfferList,
    OfferLoad,
    OfferRead,
    OfferRequest,
    OfferStop,
)
from freight.errors import Forbidden
from freight.openapi import problems
from freight.shipments.queries import ends

router = APIRouter(tags=["offers"])
DriverOnly = Annotated[Actor, Depends(require_role(Role.DRIVER))]


def offer_read(offer: Offer) -> OfferRead:
    """An offer, with its load when it was read with it (the lists)."""
    read = OfferRead.model_validate(offer)
    if "shipment" not in inspect(offer).unloaded:
        shipment = offer.shipment
        pickup, delivery = ends(shipment)
        read.load = OfferLoad(
            reference=shipment.reference,
            equipment_type=shipment.equipment_type,
            weight_kg=shipment.weight_kg,
            pieces=shipment.pieces,
            commodity=shipment.commodity,
            hazmat=shipment.hazmat,
            distance_km=round(shipment.distance_km, 1),
            pickup=OfferStop.model_validate(pickup),
            delivery=OfferStop.model_validate(delivery),
        )
    return read


def _list(offers: list[Offer]) -> OfferList:
    return OfferList(items=[offer_read(o) for o in offers])


@router.post(
    "/api/shipments/{shipment_id}/offers",
    status_code=status.HTTP_201_CREATED,
    responses=problems(409),
)
async def make_offer(
    shipment_id: uuid.UUID,
    body: OfferRequest,
    actor: Staff,
    session: SessionDep,
    ctx: Context,
    response: Response,
) -> OfferList:
    """Offer a PENDING load to one driver (``driver_id``) or to the best ranked free drivers
    in turn (``waterfall: true``), each for ``expires_in_s`` (``FREIGHT_OFFER_EXPIRY_S``,
    15 minutes, by default). The same request again answers ``200`` with the live offers
    instead of making more."""
    made, new = await tendering.make(session, actor, shipment_id, body, ctx.settings)
    await ctx.commit(session)
    if not new:
        response.status_code = status.HTTP_200_OK
    return _list(made)


@router.get("/api/offers")
async def list_offers(
    actor: CurrentUser,
    session: SessionDep,
    shipment_id: uuid.UUID | None = None,
    live: Annotated[bool, Query(description="only queued and open offers")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> OfferList:
    """A driver's own offers (open and past), or the organisation's for staff; newest
    first, each with what a driver reads of its load (lane, windows, miles, weight)."""
    if not (actor.is_staff or actor.role == Role.DRIVER):
        raise Forbidden("offers are for drivers and dispatchers")
    return _list(await tendering.listed(session, actor, shipment_id, live, limit))


@router.post("/api/offers/{offer_id}/accept", responses=problems(404, 409))
async def accept_offer(
    offer_id: uuid.UUID,
    actor: DriverOnly,
    session: SessionDep,
    ctx: Context,
    response: Response,
    idempotency_key: idem.KeyHeader = None,
) -> OfferRead:
    """Take the offered load: it is assigned to you now, or ``409`` says why it cannot be
    (taken by another driver, expired, withdrawn, you already hold a load). Your yes
    accepts the offer's rate confirmation (``GET /api/offers/{offer_id}/rate-confirmation``):
    the document records who and when, and a ``document.accepted`` event its sha256.
    With ``Idempotency-Key`` a resent yes answers the first one again."""
    once = await _once(session, actor, idempotency_key, offer_id, "accept", {})
    if once.replay is not None:
        idem.mark_replayed(response, once.replay)
        return OfferRead.model_validate(once.replay.body)
    planning = Planning.of(ctx.settings)
    offer = await tendering.accept(session, actor, offer_id, planning, ctx.confirmation)
    return await _answered(ctx, session, once, offer)


async def _once(
    session: SessionDep,
    actor: Actor,
    key: str | None,
    offer_id: uuid.UUID,
    verb: str,
    asked: dict[str, object],
) -> idem.Once:
    async def still_there(_: uuid.UUID) -> None:
        """An offer stays the driver's own: nothing to re-check before a replay."""

    route = f"POST /api/offers/{offer_id}/{verb}"
    return await idem.once(session, actor, key, route, asked, still_there)


async def _answered(ctx: Context, session: SessionDep, once: idem.Once, offer: Offer) -> OfferRead:
    read = OfferRead.model_validate(offer)
    await once.done(session, 200, read.model_dump(mode="json"), None)
    await ctx.commit(session)
    return read


@router.post("/api/offers/{offer_id}/decline", responses=problems(404, 409))
async def decline_offer(
    offer_id: uuid.UUID,
    actor: DriverOnly,
    session: SessionDep,
    ctx: Context,
    response: Response,
    body: OfferAnswer | None = None,
    idempotency_key: idem.KeyHeader = None,
) -> OfferRead:
    """Say no to an offered load, with a ``reason`` for the office if you like (with
    ``Idempotency-Key`` a resent no answers the first one again)."""
    reason = body.reason if body is not None else None
    once = await _once(session, actor, idempotency_key, offer_id, "decline", {"reason": reason})
    if once.replay is not None:
        idem.mark_replayed(response, once.replay)
        return OfferRead.model_validate(once.replay.body)
    offer = await tendering.decline(session, actor, offer_id, reason)
    return await _answered(ctx, session, once, offer)


@router.post("/api/offers/{offer_id}/withdraw", responses=problems(404, 409))
async def withdraw_offer(
    offer_id: uuid.UUID, actor: Staff, session: SessionDep, ctx: Context
) -> OfferList:
    """Take an offer back; for a waterfall, every step still to come."""
    withdrawn = await tendering.withdraw(session, actor, offer_id)
    await ctx.commit(session)
    return _list(withdrawn)
