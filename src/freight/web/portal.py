"""The customer portal: the shipments list, the shipment page, cancelling, POD images.

Booking lives in ``portal_book`` (its routes are added to this router). Every read
goes through the shipment services with the signed-in actor, so a page shows exactly
what the API would show that caller.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from freight.access import Actor, Role
from freight.context import AppContext
from freight.db import utcnow
from freight.deps import Context, SessionDep
from freight.dispatch import exceptions, pod
from freight.errors import DomainError, NotFound
from freight.events import timeline
from freight.identity import accounts as shipper_accounts
from freight.places.nearby import as_json, nearby
from freight.routing import shapes
from freight.shipments import queries, service
from freight.shipments.lifecycle import LOADED, Status, moves_for
from freight.shipments.schemas import CancelRequest
from freight.tracking import track
from freight.web import documents_list, portal_book
from freight.web.auth import CsrfForm, text, web_role
from freight.web.forms import Failure, submit
from freight.web.messages import load_thread
from freight.web.portal_timeline import describe, on_timeline
from freight.web.problems import WORDS as PROBLEM_WORDS
from freight.web.shipment_notices import side_entries
from freight.web.shipment_staff import staff_panel
from freight.web.templating import renderer

if TYPE_CHECKING:
    from freight.dispatch.models import ProofOfDelivery
    from freight.shipments.models import Shipment

router = APIRouter(include_in_schema=False)
router.include_router(portal_book.router)

Reader = Annotated[Actor, Depends(web_role(Role.CUSTOMER, Role.DISPATCHER, Role.ADMIN))]
PAGE_SIZE = 25
STATUSES = list(Status)
NOTICES = {
    "booked": "Shipment booked.",
    "cancelled": "Shipment cancelled.",
    "saved": "Changes saved.",
    "assigned": "Driver assigned.",
    "unassigned": "Driver unassigned; the load is pending again.",
    "reassigned": "Load given to the new driver.",
    "priced": "Price set.",
    "moved": "Status updated.",
    "uploaded": "Document added.",
}
CANCEL_REASON = "Give a reason for cancelling (up to 500 characters)."


async def customer_names(
    session: SessionDep, actor: Actor, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Names of the organisation's shipper accounts among ``ids`` (staff pages only)."""
    return await shipper_accounts.names(session, actor, ids) if actor.is_staff else {}


@router.get("/app/shipments")
async def shipments_list(
    request: Request,
    actor: Reader,
    session: SessionDep,
    status: Annotated[list[str] | None, Query()] = None,
    q: Annotated[str, Query(max_length=100)] = "",
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = PAGE_SIZE,
) -> Response:
    """The caller's shipments, newest first, filtered by status and search text."""
    chosen = [s for s in STATUSES if s.value in (status or [])]
    error = None
    try:
        filters = queries.ShipmentFilters(status=tuple(chosen), q=q.strip() or None)
        rows, next_cursor = await queries.list_page(session, actor, filters, limit, cursor)
    except DomainError as exc:
        error = "That search could not be run; try different words."
        if exc.errors and exc.errors[0].get("loc", [None, None])[1] == "cursor":
            error = "That page link is no longer valid; showing the first page."
        filters = queries.ShipmentFilters(status=tuple(chosen))
        rows, next_cursor = await queries.list_page(session, actor, filters, limit, None)
    names = await customer_names(session, actor, (s.customer_id for s in rows))
    query: list[tuple[str, str]] = [("status", s.value) for s in chosen]
    if q.strip():
        query.append(("q", q.strip()))
    if limit != PAGE_SIZE:
        query.append(("limit", str(limit)))
    return renderer(request)(
        request,
        "shipments_list.html",
        actor=actor,
        shipments=rows,
        customer_names=names,
        statuses=STATUSES,
        chosen={s.value for s in chosen},
        q=q.strip(),
        filter_query=query,
        next_cursor=next_cursor,
        first_page=cursor is None,
        error=error,
        can_book=True,
    )


async def proof_of(session: SessionDep, actor: Actor, shipment: Shipment) -> ProofOfDelivery | None:
    """The shipment's proof of delivery, once it is delivered."""
    return await pod.delivered_proof(session, shipment)


def proof_images(proof: ProofOfDelivery | None) -> list[dict[str, str]]:
    """The proof's images with the alt text the page shows them with."""
    if proof is None:
        return []
    base = f"/app/shipments/{proof.shipment_id}/pod"
    images, photo = [], 0
    for entry in proof.files:
        if entry["role"] == "signature":
            alt = f"Signature of {proof.recipient_name}"
        else:
            photo += 1
            alt = f"Delivery photo {photo}"
        images.append({"role": entry["role"], "src": f"{base}/{entry['name']}", "alt": alt})
    return images


async def truck_view(
    shipment: Shipment, heading: float | None, actor: Actor
) -> dict[str, Any] | None:
    """Where the map puts the truck: its last fix while the load is on board (staff see it
    from assignment on), and the delivery stop once delivered."""
    if shipment.status == Status.DELIVERED:
        last = max(shipment.stops, key=lambda s: s.sequence)
        return {"lat": last.lat, "lng": last.lng, "at": fmt_iso(shipment.delivered_at)}
    if shipment.last_lat is None or shipment.last_lng is None:
        return None
    if shipment.status not in LOADED and not actor.is_staff:
        return None
    near = await anyio.to_thread.run_sync(nearby, shipment.last_lat, shipment.last_lng)
    return {
        "lat": shipment.last_lat,
        "lng": shipment.last_lng,
        "at": fmt_iso(shipment.last_position_at),
        "heading": heading,
        "near": as_json(near),
    }


def fmt_iso(moment: datetime | None) -> str | None:
    """A stored time as ISO 8601 with its UTC offset (SQLite keeps it naive)."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


async def page_context(
    ctx: AppContext,
    session: SessionDep,
    actor: Actor,
    shipment_id: uuid.UUID,
    *,
    make_documents: bool = False,
) -> dict[str, Any]:
    """What the shipment page shows, all read as ``actor`` may see it (``make_documents``:
    the documents its state calls for made first, for a page read, never a form's post)."""
    shipment = await service.get_visible(session, actor, shipment_id)
    estimate = await track.eta_for(session, actor, shipment_id, ctx.settings, utcnow())
    positions, _ = await track.track_page(session, actor, shipment_id, None, 200, None)
    events = await timeline(session, shipment_id, 0, 500)
    proof = await proof_of(session, actor, shipment)
    names = await customer_names(session, actor, [shipment.customer_id])
    return {
        "shipment": shipment,
        "shipment_id": shipment.id,
        "estimate": estimate,
        "positions": [(p.lat, p.lng) for p in positions],
        "stop_points": [
            {"lat": s.lat, "lng": s.lng, "kind": s.kind, "label": f"{s.sequence}. {s.city}"}
            for s in shipment.stops
        ],
        "route_lines": shapes.lines(shipment.stops),
        "last_position": (shipment.last_lat, shipment.last_lng)
        if shipment.last_lat is not None and shipment.last_lng is not None
        else None,
        "truck": await truck_view(shipment, positions[-1].heading if positions else None, actor),
        "timeline": [describe(e, actor.is_staff) for e in events if on_timeline(e, actor.is_staff)],
        "side": await side_entries(session, actor, shipment.id),
        "last_event_id": max((e.id for e in events), default=0),
        "proof": proof,
        "proof_images": proof_images(proof),
        "messages": await load_thread(session, actor, shipment.id),
        "customer_name": names.get(shipment.customer_id),
        "can_cancel": any(m.action == "cancel" for _, m in moves_for(shipment.status, actor)),
        "staff": await staff_panel(session, actor, shipment),
        "reports": await exceptions.listed(session, actor, shipment.id),
        "problem_words": PROBLEM_WORDS,
        "documents": await documents_list.rows(
            ctx, session, actor, shipment.id, make_missing=make_documents
        ),
        **documents_list.upload_context(actor),
    }


@router.get("/app/shipments/{shipment_id}")
async def shipment_page(
    shipment_id: uuid.UUID, request: Request, actor: Reader, session: SessionDep, ctx: Context
) -> Response:
    """One shipment: facts, live status and map, ETA, timeline, proof and messages."""
    try:
        context = await page_context(ctx, session, actor, shipment_id, make_documents=True)
    except NotFound:
        return renderer(request)(request, "shipment_missing.html", actor=actor, status_code=404)
    notice = NOTICES.get(request.query_params.get("done", ""))
    return renderer(request)(request, "shipment_detail.html", actor=actor, notice=notice, **context)


@router.get("/app/shipments/{shipment_id}/proof")
async def proof_fragment(
    shipment_id: uuid.UUID, request: Request, actor: Reader, session: SessionDep
) -> Response:
    """Just the proof section (the page fetches it when the load is delivered live)."""
    shipment = await service.get_visible(session, actor, shipment_id)
    proof = await proof_of(session, actor, shipment)
    return renderer(request)(
        request,
        "shipment_proof.html",
        actor=actor,
        proof=proof,
        proof_images=proof_images(proof),
    )


@router.get("/app/shipments/{shipment_id}/timeline")
async def timeline_fragment(
    shipment_id: uuid.UUID, request: Request, actor: Reader, session: SessionDep
) -> Response:
    """Just the timeline list (the page refreshes it when an event arrives live)."""
    await service.get_visible(session, actor, shipment_id)
    events = await timeline(session, shipment_id, 0, 500)
    entries = [describe(e, actor.is_staff) for e in events if on_timeline(e, actor.is_staff)]
    side = await side_entries(session, actor, shipment_id)
    return renderer(request)(
        request, "shipment_timeline.html", actor=actor, timeline=entries, side=side
    )


@router.get("/app/shipments/{shipment_id}/pod/{name}")
async def proof_file(
    shipment_id: uuid.UUID, name: str, actor: Reader, session: SessionDep, ctx: Context
) -> Response:
    """One image of the proof, for those who may see the shipment (cookie session)."""
    served = await pod.proof_file(session, actor, ctx.files, shipment_id, name)
    return Response(served.data, media_type=served.content_type, headers=served.headers)


@router.post("/app/shipments/{shipment_id}/cancel")
async def cancel(
    shipment_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: Reader,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Cancel with a reason (customers only while PENDING); errors show on the page."""
    reason = text(form, "reason")

    async def cancel_it() -> None:
        body = CancelRequest(reason=reason)
        await service.transition(
            session, actor, shipment_id, Status.CANCELLED, via="cancel", reason=body.reason
        )

    async def again(failure: Failure) -> Response:
        error = failure.error
        message = error.detail if isinstance(error, DomainError) else CANCEL_REASON
        context = await page_context(ctx, session, actor, shipment_id)
        context |= {"status_code": failure.status, "cancel_error": message, "cancel_reason": reason}
        return renderer(request)(request, "shipment_detail.html", actor=actor, **context)

    done = f"/app/shipments/{shipment_id}?done=cancelled"
    return await submit(ctx, session, cancel_it, done=done, failed=again, error_page=(404,))
