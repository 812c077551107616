"""Routes for shipments, their timeline, exports and public tracking."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from freight import idempotency as idem
from freight.access import Actor, Role
from freight.answers import Strict, committed, with_etag, written
from freight.billing import booking
from freight.context import AppContext
from freight.deps import (
    DEFAULT_LIMIT,
    Context,
    CurrentUser,
    Cursor,
    Limit,
    SessionDep,
    client_address,
    require_role,
)
from freight.errors import PreconditionFailed, PreconditionRequired, invalid
from freight.events import timeline
from freight.openapi import problems
from freight.shipments import export, queries, reads, road, service
from freight.shipments.heed import Heed
from freight.shipments.lifecycle import Status
from freight.shipments.schemas import (
    CancelRequest,
    EventPage,
    EventRead,
    ShipmentCreate,
    ShipmentPage,
    ShipmentRead,
    ShipmentReplace,
    ShipmentUpdate,
    ShipmentWritten,
    StopIn,
    TrackingRead,
    TransitionRequest,
)
from freight.shipments.staff_notes import for_viewer

router = APIRouter(prefix="/api/shipments", tags=["shipments"])
tracking_router = APIRouter(prefix="/api/track", tags=["tracking"])

Booker = Annotated[Actor, Depends(require_role(Role.CUSTOMER, Role.DISPATCHER, Role.ADMIN))]
OnTheRoad = Annotated[Actor, Depends(require_role(Role.DRIVER, Role.DISPATCHER, Role.ADMIN))]
ETAG = re.compile(r'^(?:W/)?"?(\d+)"?$')


async def if_match_version(
    if_match: Annotated[str | None, Header(description='the ETag you read, e.g. "3"')] = None,
) -> int | None:
    """The version an ``If-Match`` header names (None when absent or ``*``)."""
    if if_match is None or if_match.strip() == "*":
        return None
    found = ETAG.match(if_match.strip())
    if found is None:
        raise PreconditionFailed("If-Match must be an ETag this API returned")
    return int(found.group(1))


IfMatch = Annotated[int | None, Depends(if_match_version)]
STAFF = frozenset({Role.DISPATCHER, Role.ADMIN})


async def edit_version(
    actor: Booker,
    if_match: Annotated[str | None, Header(description='the ETag you read, e.g. "3"')] = None,
) -> int | None:
    """The version a staff edit read: required (428), so one dispatcher's change is never
    silently overwritten by another's. ``*`` says so on purpose. Customers may omit it."""
    if if_match is None and actor.role in STAFF:
        raise PreconditionRequired(
            "send If-Match with the ETag of the version you read (GET the shipment first)"
        )
    return await if_match_version(if_match)


EditVersion = Annotated[int | None, Depends(edit_version)]


# --- shipments -----------------------------------------------------------------------


async def list_filters(
    status_: Annotated[list[Status] | None, Query(alias="status")] = None,
    customer_id: uuid.UUID | None = None,
    driver_id: uuid.UUID | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> queries.ShipmentFilters:
    """The list filters of the API, as query parameters."""
    for name, value in (("created_from", created_from), ("created_to", created_to)):
        if value is not None and value.tzinfo is None:
            raise invalid("query", name, msg="include a timezone offset")
    return queries.ShipmentFilters(
        status=tuple(status_ or ()),
        customer_id=customer_id,
        driver_id=driver_id,
        q=q or None,
        created_from=created_from,
        created_to=created_to,
    )


Filters = Annotated[queries.ShipmentFilters, Depends(list_filters)]


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(409))
async def create_shipment(
    body: ShipmentCreate,
    actor: Booker,
    session: SessionDep,
    ctx: Context,
    response: Response,
    strict: Strict,
    idempotency_key: idem.KeyHeader = None,
) -> ShipmentWritten:
    """Book a shipment (customers for their own account).

    With ``Idempotency-Key`` a retry with the same body returns the first booking.
    The answer's ``warnings`` say what a person should check (a pickup window already
    past, an implausible weight, a weight over what the equipment carries).
    ``distance_km`` is the configured router's, and ``distance_source`` says which
    (``estimate`` when no routing server is configured or it did not answer).
    """
    await road.prefetch(session, ctx.router, body.stops, ctx.geocoder)  # before any lock
    once = await idem.once(
        session,
        actor,
        idempotency_key,
        "POST /api/shipments",
        body.model_dump(mode="json"),
        lambda ident: service.get_visible(session, actor, ident),
    )
    if once.replay is not None:
        idem.mark_replayed(response, once.replay)
        read = ShipmentWritten.model_validate(once.replay.body)
    else:
        heed = body.heed(strict)
        shipment = await booking.book(session, actor, body, ctx.router, heed, ctx.geocoder)
        await session.flush()
        read = written(shipment, heed, response)
        await once.done(session, 201, read.model_dump(mode="json"), shipment.id)
        await ctx.commit(session)
    response.headers["Location"] = f"/api/shipments/{read.id}"
    with_etag(response, read.version)
    return read


@router.get("", response_model=ShipmentPage)
async def list_shipments(
    actor: CurrentUser,
    session: SessionDep,
    ctx: Context,
    filters: Filters,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    """The shipments the caller may see, filtered, newest first."""
    rows, next_cursor = await queries.list_page(session, actor, filters, limit, cursor)
    body = await reads.page_json(ctx.cache, rows, next_cursor, ctx.settings.cache_ttl_s)
    return Response(body, media_type="application/json")


@router.get("/export", response_class=StreamingResponse)
async def export_shipments(
    actor: CurrentUser,
    ctx: Context,
    filters: Filters,
    format: Literal["csv", "json"] = "csv",
) -> StreamingResponse:
    """Every matching shipment as CSV or JSON, streamed (503 when too many are running)."""
    return await export.open_export(
        ctx.read_sessions, ctx.exports, actor, filters, format, ctx.settings.export_send_timeout_s
    )


@router.get("/{shipment_id}", response_model=ShipmentRead)
async def get_shipment(
    shipment_id: uuid.UUID,
    actor: CurrentUser,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """One shipment with its stops."""
    body, version = await reads.shipment_for(
        session, ctx.cache, actor, shipment_id, ctx.settings.cache_ttl_s
    )
    return Response(body, media_type="application/json", headers={"ETag": f'"{version}"'})


async def _edit(
    shipment_id: uuid.UUID,
    changes: dict[str, Any],
    stops: list[StopIn] | None,
    actor: Actor,
    session: SessionDep,
    ctx: AppContext,
    if_match: int | None,
    response: Response,
    heed: Heed,
) -> ShipmentWritten:
    if stops is not None:
        await road.prefetch(session, ctx.router, stops, ctx.geocoder)  # before any lock
    shipment = await booking.edit(
        session, actor, shipment_id, changes, ctx.router, if_match, heed, ctx.geocoder
    )
    return await committed(ctx, session, shipment, response, heed)


@router.put("/{shipment_id}", responses=problems(409, 428))
async def replace_shipment(
    shipment_id: uuid.UUID,
    body: ShipmentReplace,
    actor: Booker,
    session: SessionDep,
    ctx: Context,
    if_match: EditVersion,
    response: Response,
    strict: Strict,
) -> ShipmentWritten:
    """Replace the load's description; a ``status`` is a transition.

    For staff and customers alike, every optional field the body omits takes its default
    (`notes`, `pieces`, `commodity`, `declared_value_cents` become null, `hazmat` false),
    except these, which an omitted value leaves alone: `price_cents` (kept; re-quoted from
    the rates when the stops or equipment change, kept and flagged when set by hand),
    `currency` (always the organisation's) and `status` (no move). Only staff may set or
    clear the price (null); a customer omits it or repeats the current one. PATCH changes
    only the fields it sends. ``warnings`` cover what the edit changed (the weight or
    equipment, the stops).
    """
    changes, heed = body.changes(), body.heed(strict)
    return await _edit(
        shipment_id, changes, body.stops, actor, session, ctx, if_match, response, heed
    )


@router.patch("/{shipment_id}", responses=problems(409, 428))
async def update_shipment(
    shipment_id: uuid.UUID,
    body: ShipmentUpdate,
    actor: Booker,
    session: SessionDep,
    ctx: Context,
    if_match: EditVersion,
    response: Response,
    strict: Strict,
) -> ShipmentWritten:
    """Change some fields; a ``status`` is a transition."""
    changes, heed = body.changes(), body.heed(strict)
    return await _edit(
        shipment_id, changes, body.stops, actor, session, ctx, if_match, response, heed
    )


@router.post("/{shipment_id}/transitions", responses=problems(409))
async def transition_shipment(
    shipment_id: uuid.UUID,
    body: TransitionRequest,
    actor: OnTheRoad,
    session: SessionDep,
    ctx: Context,
    if_match: IfMatch,
    response: Response,
    strict: Strict,
    idempotency_key: idem.KeyHeader = None,
) -> ShipmentWritten:
    """Move a load along: PICKED_UP, IN_TRANSIT (drivers for their own loads).

    ``at`` is the device's time of the move (a phone sending later, after a dead spot);
    the timeline shows it next to the time the server received it. With
    ``Idempotency-Key`` a retry with the same body answers the first move again.
    A pickup recorded far from its stop (the ``lat``/``lng`` sent, else the load's last
    reported position) or far outside its window answers ``warnings``.
    """
    once = await idem.once(
        session,
        actor,
        idempotency_key,
        f"POST /api/shipments/{shipment_id}/transitions",
        body.model_dump(mode="json") | {"strict": strict},
        lambda ident: service.get_visible(session, actor, ident),
    )
    if once.replay is not None:
        idem.mark_replayed(response, once.replay)
        read = ShipmentWritten.model_validate(once.replay.body)
        with_etag(response, read.version)
        return read
    heed = body.heed(strict)
    shipment = await service.transition(
        session,
        actor,
        shipment_id,
        body.status,
        at=body.at,
        note=body.note,
        lat=body.lat,
        lng=body.lng,
        if_match=if_match,
        heed=heed,
    )
    if once.record is None:
        return await committed(ctx, session, shipment, response, heed)
    await session.flush()
    read = written(shipment, heed, response)
    await once.done(session, 200, read.model_dump(mode="json"), shipment.id)
    await ctx.commit(session)
    with_etag(response, read.version)
    return read


@router.post("/{shipment_id}/cancel", responses=problems(409))
async def cancel_shipment(
    shipment_id: uuid.UUID,
    body: CancelRequest,
    actor: Booker,
    session: SessionDep,
    ctx: Context,
    if_match: IfMatch,
    response: Response,
) -> ShipmentRead:
    """Cancel with a reason (customers only while PENDING)."""
    shipment = await service.transition(
        session,
        actor,
        shipment_id,
        Status.CANCELLED,
        via="cancel",
        reason=body.reason,
        if_match=if_match,
    )
    return await committed(ctx, session, shipment, response)


@router.get("/{shipment_id}/events")
async def shipment_events(
    shipment_id: uuid.UUID,
    actor: CurrentUser,
    session: SessionDep,
    limit: Limit = 200,
    cursor: Cursor = None,
) -> EventPage:
    """The timeline, oldest first."""
    await service.get_visible(session, actor, shipment_id)
    after = 0
    if cursor:
        # ASCII digits only ("²" passes isdigit, int() refuses it), within the seq column's range.
        if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 9:
            raise invalid("query", "cursor", msg="not a valid cursor")
        after = int(cursor)
    rows = await timeline(session, shipment_id, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = str(rows[-1].seq) if more and rows else None
    items = []
    for row in rows:
        item = EventRead.model_validate(row)
        item.data = for_viewer(row.type, row.data, actor.is_staff)
        items.append(item)
    return EventPage(items=items, next_cursor=next_cursor)


@tracking_router.get("/{reference}", response_model=TrackingRead, responses=problems(429))
async def track(
    reference: Annotated[str, Path(max_length=20)],
    request: Request,
    session: SessionDep,
    ctx: Context,
) -> dict[str, Any]:
    """Public tracking by reference: no sign-in, no personal data, rate-limited per address."""
    await ctx.limits.hit(ctx.limits.tracking, "track", client_address(request))
    return await reads.tracking_for(session, ctx.cache, reference, ctx.settings.cache_ttl_s)
