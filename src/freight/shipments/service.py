"""Shipment use cases: book, read, edit, move through the lifecycle, cancel.

Every change goes through ``_apply_move`` (the state machine) or ``_apply_fields``,
bumps the version (checked in the UPDATE itself) and records an event in the same
transaction. Functions never commit.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor, Role
from freight.db import utcnow
from freight.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    invalid,
)
from freight.fleet import service as fleet
from freight.identity import accounts
from freight.places.geocoder import Geocoder
from freight.routing.router import Route, Router
from freight.shipments import stops as stops_
from freight.shipments.checks import detail_warnings, site_warnings
from freight.shipments.heed import Heed, settle
from freight.shipments.lifecycle import FINAL, Status, check_move
from freight.shipments.models import Shipment, Stop
from freight.shipments.queries import visible
from freight.shipments.schemas import PlacedStop, ShipmentCreate, StopIn


class PriceChange(Protocol):
    """What an edit does to the price, decided before the edit is applied."""

    action: str  # "requoted" or "override_kept", recorded on the timeline


class Pricing(Protocol):
    """How bookings and edits are priced; billing implements it (``freight.billing.booking``),
    so shipments never import billing."""

    async def currency(self, session: AsyncSession, organization_id: uuid.UUID) -> str:
        """The organisation's currency (from its rates)."""
        ...

    async def freeze(self, session: AsyncSession, shipment: Shipment) -> None:
        """Fix a new shipment's price from its quote, before it is added."""
        ...

    async def requote(
        self,
        session: AsyncSession,
        shipment: Shipment,
        equipment_type: str,
        stops: Sequence[PlacedStop] | Sequence[Stop],
        distance_km: float,
        distance_source: str,
    ) -> PriceChange | None:
        """What an edit of the priced fields does to the price (it may refuse with 409)."""
        ...

    def apply(self, shipment: Shipment, change: PriceChange) -> None:
        """Put a decided change into effect on the edited shipment."""
        ...


# Moves with an event type of their own; the others are ``shipment.status_changed``.
EVENT_TYPES = {
    "assign": "shipment.assigned",
    "unassign": "shipment.unassigned",
    "deliver": "shipment.delivered",
    "cancel": "shipment.cancelled",
    "fail_delivery": "shipment.attempt_failed",
    "reattempt": "shipment.reattempted",
    "return": "shipment.returning",
    "returned": "shipment.returned",
}
# Moves after which the driver no longer holds the load.
RELEASES_DRIVER = frozenset({Status.PENDING, Status.CANCELLED, Status.DELIVERED, Status.RETURNED})
CURRENCY_RULE = "the currency is the organisation's, from its rates"
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: easy to read aloud
EDITABLE = (
    "equipment_type",
    "weight_kg",
    "pieces",
    "commodity",
    "hazmat",
    "declared_value_cents",
    "price_cents",
    "notes",
)  # the currency is not among them: it is the organisation's, from its rates


def new_reference() -> str:
    """A short random reference such as ``FRT-7K3M9Q``."""
    return "FRT-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


async def get_visible(session: AsyncSession, actor: Actor, shipment_id: uuid.UUID) -> Shipment:
    """A shipment the caller may see, else ``NotFound`` (other tenants and accounts alike)."""
    shipment = (
        await session.execute(visible(select(Shipment), actor).where(Shipment.id == shipment_id))
    ).scalar_one_or_none()
    if not isinstance(shipment, Shipment):
        raise NotFound("shipment", shipment_id)
    return shipment


def check_version(shipment: Shipment, if_match: int | None) -> None:
    """412 when the client's ``If-Match`` version is not the current one."""
    if if_match is not None and if_match != shipment.version:
        raise PreconditionFailed(
            f"the shipment is at version {shipment.version}, not {if_match}; reload and retry"
        )


async def create(
    session: AsyncSession,
    actor: Actor,
    body: ShipmentCreate,
    router: Router,
    pricing: Pricing,
    heed: Heed | None = None,
    geocoder: Geocoder | None = None,
) -> Shipment:
    """Book a shipment: PENDING, with a fresh reference, its road distance from ``router``
    and, when the rates can quote it, its frozen price. With ``heed``, its warnings are
    checked; stops without coordinates are placed from their address by ``geocoder``.
    (Callers ask the router first, outside the unit of work, so the answer here comes from
    its cache: ``freight.shipments.road.prefetch``.)"""
    if actor.role == Role.CUSTOMER:
        if actor.customer_id is None:
            raise Forbidden("your user is not linked to a shipper account")
        if body.customer_id not in (None, actor.customer_id):
            raise invalid("body", "customer_id", msg="no such customer")
        if body.price_cents is not None:
            raise invalid("body", "price_cents", msg="customers cannot set a price")
        customer_id = actor.customer_id
    else:
        customer_id = await accounts.require_in_org(session, actor, body.customer_id)
    stops, geocodes = await stops_.checked_and_placed(body.stops, geocoder)
    route = await router.route(stops)
    currency = await pricing.currency(session, actor.organization_id)
    if body.currency not in (None, currency):
        raise invalid("body", "currency", msg=f"{CURRENCY_RULE}: {currency}")
    reference = new_reference()
    while await session.scalar(select(Shipment.id).where(Shipment.reference == reference)):
        reference = new_reference()
    shipment = Shipment(
        organization_id=actor.organization_id,
        customer_id=customer_id,
        reference=reference,
        status=Status.PENDING,
        currency=currency,
        **body.model_dump(include=set(EDITABLE)),
    )
    stops_.set_stops(shipment, stops, route, geocodes)
    if shipment.price_cents is None:
        await pricing.freeze(session, shipment)  # the quote becomes the booked price
    session.add(shipment)
    await session.flush()
    await events.record(
        session,
        actor,
        actor.organization_id,
        "shipment.created",
        {"reference": reference, "customer_id": str(customer_id), "status": Status.PENDING},
        shipment_id=shipment.id,
    )
    if heed is not None:
        found = await detail_warnings(session, actor, shipment, heed, weight=True, windows=True)
        await settle(session, actor, shipment, heed, found, "book")
    return shipment


def _jsonable(value: Any) -> Any:
    return value if value is None or isinstance(value, int | float | str | bool) else str(value)


async def update(
    session: AsyncSession,
    actor: Actor,
    shipment_id: uuid.UUID,
    changes: dict[str, Any],
    router: Router | None,
    pricing: Pricing,
    if_match: int | None = None,
    reason: str | None = None,
    heed: Heed | None = None,
    geocoder: Geocoder | None = None,
) -> Shipment:
    """Edit details; a ``status`` among the changes is a transition through the state machine.

    An edit to what the price was computed from re-quotes it, keeps a hand-set price
    (flagged as ``pricing: override_kept``), or is refused (``pricing.requote``). A
    ``reason`` (a price set by hand) is kept on the event. With ``heed``, the warnings
    about what the edit changed (the weight or equipment, the stops) are checked.
    New stops are routed by ``router`` (None only for an edit that sends no stops).
    """
    shipment = await get_visible(session, actor, shipment_id)
    check_version(shipment, if_match)
    target = changes.pop("status", None)
    stops = changes.pop("stops", None)
    currency = changes.pop("currency", None)
    if stops is not None and stops_.same_stops(shipment.stops, stops):
        stops = None  # a PUT repeating the stops does not change them
    fields = {k: v for k, v in changes.items() if k in EDITABLE and getattr(shipment, k) != v}
    new_currency = currency not in (None, shipment.currency)
    if fields or stops is not None or new_currency:
        if actor.role == Role.CUSTOMER and shipment.status != Status.PENDING:
            raise Conflict("customers can edit a shipment only while it is PENDING")
        if shipment.status in FINAL:
            raise Conflict(f"a {shipment.status} shipment can no longer be edited")
        if new_currency:
            msg = f"{CURRENCY_RULE}: {shipment.currency}"
            raise Conflict(f"currency: {msg}", errors=[{"loc": ["body", "currency"], "msg": msg}])
        if "price_cents" in fields and actor.role == Role.CUSTOMER:
            raise invalid("body", "price_cents", msg="customers cannot set a price")
        diff = {k: [_jsonable(getattr(shipment, k)), _jsonable(v)] for k, v in fields.items()}
        stop_models: list[PlacedStop] | None = None
        route: Route | None = None
        if stops is not None:
            if shipment.status not in (Status.PENDING, Status.ASSIGNED):
                raise Conflict("stops can change only before pickup")
            typed = [StopIn.model_validate(s) for s in stops]
            stop_models, geocodes = await stops_.checked_and_placed(typed, geocoder)
            if router is None:
                raise ValueError("an edit of the stops needs a router")
            route = await router.route(stop_models)
        requote = await _requote(session, pricing, shipment, fields, stop_models, route)
        before = {"price_cents": shipment.price_cents, "currency": shipment.currency}
        data: dict[str, Any] = {"changes": diff}
        if stop_models is not None:
            data["stop_fields"] = stops_.changed_stop_fields(shipment.stops, stop_models)
            shipment.stops.clear()
            await session.flush()  # old stops go before new ones take their sequence numbers
            diff["stops"] = [len(stop_models)]
        for key, value in fields.items():
            setattr(shipment, key, value)
        if stop_models is not None and route is not None:
            stops_.set_stops(shipment, stop_models, route, geocodes)
        if reason is not None:
            data["reason"] = reason
        if requote is not None:
            pricing.apply(shipment, requote)
            for key, old in before.items():
                if getattr(shipment, key) != old:
                    diff[key] = [old, getattr(shipment, key)]
            data["pricing"] = requote.action
        shipment.updated_at = utcnow()  # any edit is a new version
        await events.record(
            session,
            actor,
            shipment.organization_id,
            "shipment.updated",
            data,
            shipment_id=shipment.id,
        )
        if heed is not None:
            weighed = bool({"weight_kg", "equipment_type"} & fields.keys())
            found = await detail_warnings(
                session, actor, shipment, heed, weight=weighed, windows=stop_models is not None
            )
            await settle(session, actor, shipment, heed, found, "edit")
    if target is not None and target != shipment.status:
        await _apply_move(session, actor, shipment, Status(target), via=None)
    return shipment


async def _requote(
    session: AsyncSession,
    pricing: Pricing,
    shipment: Shipment,
    fields: dict[str, Any],
    stops: list[PlacedStop] | None,
    route: Route | None,
) -> PriceChange | None:
    """What the edit does to the price, decided before anything changes (it may refuse)."""
    if "price_cents" in fields:
        return None  # staff set (or cleared) the price in this very edit: their word stands
    equipment_type = fields.get("equipment_type", shipment.equipment_type)
    if stops is not None and route is not None:
        return await pricing.requote(
            session, shipment, equipment_type, stops, route.distance_km, route.source
        )
    return await pricing.requote(
        session,
        shipment,
        equipment_type,
        shipment.stops,
        shipment.distance_km,
        shipment.distance_source,
    )


async def transition(
    session: AsyncSession,
    actor: Actor,
    shipment_id: uuid.UUID,
    target: Status,
    *,
    via: str | None = None,
    at: datetime | None = None,
    note: str | None = None,
    lat: float | None = None,
    lng: float | None = None,
    reason: str | None = None,
    if_match: int | None = None,
    heed: Heed | None = None,
) -> Shipment:
    """Move a shipment to ``target`` if the state machine allows it for this caller.

    With ``heed``, a pickup is checked against its stop: where (the position sent, else
    the load's last reported one) and when (``at``, else now).
    """
    shipment = await get_visible(session, actor, shipment_id)
    check_version(shipment, if_match)
    await _apply_move(
        session, actor, shipment, target, via=via, at=at, note=note, lat=lat, lng=lng, reason=reason
    )
    if heed is not None and target == Status.PICKED_UP:
        when = at or utcnow()
        found = await site_warnings(session, shipment, heed, "pickup", when, lat, lng)
        await settle(session, actor, shipment, heed, found, "pickup")
    return shipment


async def _apply_move(
    session: AsyncSession,
    actor: Actor,
    shipment: Shipment,
    target: Status,
    *,
    via: str | None,
    at: datetime | None = None,
    note: str | None = None,
    lat: float | None = None,
    lng: float | None = None,
    reason: str | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    move = check_move(shipment.status, target, actor, via=via)
    previous = shipment.status
    shipment.status = target
    if target in RELEASES_DRIVER:
        await fleet.release(session, shipment.id)
    if target == Status.CANCELLED:
        shipment.cancel_reason = reason
    if move.action == "unassign":
        shipment.driver_id = None
        shipment.vehicle_id = None
    if lat is not None and lng is not None:
        shipment.last_lat, shipment.last_lng = lat, lng
        shipment.last_position_at = at or utcnow()
    data: dict[str, Any] = {"from": previous, "to": target, "action": move.action}
    for key, value in (("note", note), ("reason", reason), ("lat", lat), ("lng", lng)):
        if value is not None:
            data[key] = value
    data.update(extra or {})
    await events.record(
        session,
        actor,
        shipment.organization_id,
        EVENT_TYPES.get(move.action, "shipment.status_changed"),
        data,
        shipment_id=shipment.id,
        device_time=at,
    )


async def move(
    session: AsyncSession,
    actor: Actor,
    shipment: Shipment,
    target: Status,
    via: str,
    extra: dict[str, Any] | None = None,
    at: datetime | None = None,
    reason: str | None = None,
    lat: float | None = None,
    lng: float | None = None,
) -> None:
    """Apply a move for another domain (assign, deliver, a failed attempt) on a shipment it
    already loaded."""
    await _apply_move(
        session,
        actor,
        shipment,
        target,
        via=via,
        extra=extra,
        at=at,
        reason=reason,
        lat=lat,
        lng=lng,
    )
