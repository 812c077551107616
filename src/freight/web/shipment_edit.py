"""Editing a shipment before pickup (dispatchers, admins): the booking form, filled in.

The form carries the version it was opened at (sent as If-Match) and the number of the
load's last event (``seen``). When someone saved a change in between, the service
refuses (412) and the page shows the conflict: who changed what and when (the events
after ``seen``), their values beside what was typed, and that nothing was saved.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from freight import formatting as fmt
from freight.access import Actor, Role
from freight.billing import booking
from freight.deps import Context, SessionDep
from freight.errors import Conflict
from freight.events import timeline
from freight.identity import service as identity
from freight.shipments import road, service
from freight.shipments.lifecycle import BEFORE_PICKUP
from freight.shipments.schemas import ShipmentReplace
from freight.web.auth import CsrfForm, text, web_role
from freight.web.forms import Failure, submit
from freight.web.overrides import WarningBlock, override_of, warning_block
from freight.web.portal import customer_names
from freight.web.portal_book import (
    EQUIPMENT,
    MAX_STOPS,
    booking_errors,
    checked_body,
    read_form,
    restopped,
    zones_of,
)
from freight.web.portal_timeline import describe
from freight.web.shipment_staff import form_values
from freight.web.templating import presentation_of, renderer

if TYPE_CHECKING:
    from freight.shipments.models import Shipment

router = APIRouter(include_in_schema=False)
Dispatcher = Annotated[Actor, Depends(web_role(Role.DISPATCHER, Role.ADMIN))]
LABELS = {
    "equipment_type": "Equipment",
    "weight": "Weight",
    "pieces": "Pieces",
    "commodity": "Commodity",
    "declared_value": "Declared value",
    "hazmat": "Hazardous materials",
    "notes": "Notes",
}
STOP_LABELS = {
    "kind": "kind",
    "name": "facility",
    "address": "street address",
    "city": "city",
    "region": "state",
    "postal_code": "postal code",
    "country": "country",
    "lat": "latitude",
    "lng": "longitude",
    "window_start": "window opens (local time)",
    "window_end": "window closes (local time)",
}


@dataclass(frozen=True)
class Change:
    """One event someone else saved after the form was opened."""

    who: str
    at: datetime
    what: str


async def _editable(session: SessionDep, actor: Actor, shipment_id: uuid.UUID) -> Shipment:
    shipment = await service.get_visible(session, actor, shipment_id)
    if shipment.status not in BEFORE_PICKUP:
        status = shipment.status.lower().replace("_", " ")
        raise Conflict(f"a {status} load can no longer be edited; only pending and assigned ones")
    return shipment


async def _render(
    request: Request,
    session: SessionDep,
    actor: Actor,
    shipment: Shipment,
    values: dict[str, str],
    stops: list[dict[str, str]],
    *,
    version: int,
    seen: int,
    zones: list[str | None],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    warnings: WarningBlock | None = None,
) -> Response:
    names = await customer_names(session, actor, [shipment.customer_id])
    return renderer(request)(
        request,
        "shipment_book.html",
        actor=actor,
        status_code=status_code,
        values=values,
        stops=stops,
        errors=errors or {},
        equipment=EQUIPMENT,
        accounts=None,
        max_stops=MAX_STOPS,
        editing=shipment,
        customer_name=names.get(shipment.customer_id),
        hidden={"version": str(version), "seen": str(seen)},
        stop_zones=zones,
        weight_unit=fmt.weight_unit(presentation_of(request).units),
        warnings=warnings,
    )


@router.get("/app/shipments/{shipment_id}/edit")
async def edit_form(
    shipment_id: uuid.UUID, request: Request, actor: Dispatcher, session: SessionDep, ctx: Context
) -> Response:
    """The load's details, stops and windows in the booking form, ready to change."""
    shipment = await _editable(session, actor, shipment_id)
    values, stops = form_values(shipment, presentation_of(request))
    return await _render(
        request, session, actor, shipment, values, stops,
        version=shipment.version, seen=shipment.event_seq,
        zones=await zones_of(stops, ctx.geocoder),
    )  # fmt: skip


def moved(stops: list[dict[str, str]], shipment: Shipment) -> None:
    """A stop whose address was changed but whose coordinates were left as they were is
    placed again from its new address (its old coordinates are dropped)."""
    address = ("city", "region", "postal_code", "country")
    for stop, before in zip(stops, sorted(shipment.stops, key=lambda s: s.sequence), strict=False):
        same_point = stop["lat"] == str(before.lat) and stop["lng"] == str(before.lng)
        changed = any((stop[k] or "") != (getattr(before, k) or "") for k in address)
        if same_point and changed:
            stop["lat"] = stop["lng"] = ""


def _number(form: FormData, name: str) -> int:
    try:
        return int(text(form, name))
    except ValueError:
        return 0  # a form without it is as stale as can be: any change conflicts


@router.post("/app/shipments/{shipment_id}/edit")
async def save(
    shipment_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: Dispatcher,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Save the edit if nobody changed the load meanwhile; else show whose change stands."""
    values, stops = read_form(form)
    version, seen = _number(form, "version"), _number(form, "seen")
    shipment = await _editable(session, actor, shipment_id)
    moved(stops, shipment)
    restop = restopped(form, stops)
    zones = await zones_of(stops, ctx.geocoder)
    if restop:
        return await _render(
            request, session, actor, shipment, values, stops,
            version=version, seen=seen, zones=zones,
        )  # fmt: skip

    override = override_of(form, presentation_of(request))

    async def change() -> Shipment:
        await _editable(session, actor, shipment_id)
        shown = presentation_of(request)
        body = ShipmentReplace.model_validate(checked_body(values, stops, shown, zones))
        await road.prefetch(session, ctx.router, body.stops, ctx.geocoder)  # before any lock
        return await booking.edit(
            session,
            actor,
            shipment_id,
            body.changes(),
            ctx.router,
            version,
            override.heed,
            ctx.geocoder,
        )

    async def again(failure: Failure) -> Response:
        shipment = await _editable(session, actor, shipment_id)
        if failure.status == 412:
            return await conflict(request, session, actor, shipment, values, stops, seen)
        block = warning_block(failure.error, override)
        errors = {} if block else booking_errors(failure, False, presentation_of(request))
        return await _render(
            request, session, actor, shipment, values, stops, version=version, seen=seen,
            zones=zones, errors=errors, status_code=failure.status, warnings=block,
        )  # fmt: skip

    done = f"/app/shipments/{shipment_id}?done=saved"
    return await submit(ctx, session, change, done=done, failed=again, error_page=(404,))


async def changes_since(
    session: SessionDep, actor: Actor, shipment_id: uuid.UUID, seen: int
) -> list[Change]:
    """What others did to the load after event ``seen``, newest first, with their names."""
    events = [e for e in await timeline(session, shipment_id, seen, 100)]
    names = await identity.user_names(session, actor, {e.actor_id for e in events})
    found = []
    for event in reversed(events):
        if event.type.startswith(("message.", "document.")):
            continue  # a message or a document made for the load is not a change to it
        who = names.get(event.actor_id) if event.actor_id else None
        found.append(Change(who or "Someone", event.occurred_at, describe(event, True).text))
    return found


def differences(
    theirs: tuple[dict[str, str], list[dict[str, str]]],
    yours: tuple[dict[str, str], list[dict[str, str]]],
) -> list[tuple[str, str, str]]:
    """(what, their value, your value) wherever the saved load and the typed form differ."""
    rows = [
        (label, theirs[0].get(k, ""), yours[0].get(k, ""))
        for k, label in LABELS.items()
        if theirs[0].get(k, "").strip() != yours[0].get(k, "").strip()
    ]
    their_stops, your_stops = theirs[1], yours[1]
    for i in range(max(len(their_stops), len(your_stops))):
        mine = your_stops[i] if i < len(your_stops) else {}
        other = their_stops[i] if i < len(their_stops) else {}
        for key, label in STOP_LABELS.items():
            if other.get(key, "").strip() != mine.get(key, "").strip():
                what = f"Stop {i + 1} ({(other or mine).get('kind', 'stop')}): {label}"
                rows.append((what, other.get(key, ""), mine.get(key, "")))
    return rows


async def conflict(
    request: Request,
    session: SessionDep,
    actor: Actor,
    shipment: Shipment,
    values: dict[str, str],
    stops: list[dict[str, str]],
    seen: int,
) -> Response:
    """The conflict screen: their change stands, yours was not saved, side by side."""
    changes = await changes_since(session, actor, shipment.id, seen)
    return renderer(request)(
        request,
        "shipment_conflict.html",
        actor=actor,
        status_code=412,
        shipment=shipment,
        changes=changes,
        rows=differences(form_values(shipment, presentation_of(request)), (values, stops)),
    )
