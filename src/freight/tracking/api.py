"""Routes for GPS ingest, a shipment's track and its ETA."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, status

from freight.db import utcnow
from freight.deps import Context, CurrentUser, Cursor, Limit, SessionDep
from freight.errors import invalid
from freight.shipments import reads
from freight.tracking import service, track
from freight.tracking.schemas import (
    AssumedRest,
    Dropped,
    EtaRead,
    IngestResult,
    PositionBatch,
    PositionPage,
    PositionRead,
)

router = APIRouter(prefix="/api/tracking", tags=["tracking"])
shipment_router = APIRouter(prefix="/api/shipments", tags=["tracking"])


@router.post("/positions", status_code=status.HTTP_202_ACCEPTED)
async def post_positions(
    body: PositionBatch, actor: CurrentUser, session: SessionDep, ctx: Context
) -> IngestResult:
    """Up to 500 fixes from a driver's phone or a telematics integration (which names the
    driver); implausible fixes are dropped and counted, the rest stored."""
    result = await service.ingest(session, actor, body, ctx.settings, utcnow())
    await ctx.commit(session)
    if result.shipment_id is not None:
        await reads.invalidate(ctx.cache, [result.shipment_id])
        if result.location is not None:
            await ctx.live.emit("shipment:location", result.shipment_id, result.location)
    dropped = {reason.value: n for reason, n in result.outcome.dropped.items()}
    return IngestResult(accepted=len(result.outcome.accepted), dropped=Dropped(**dropped))


@shipment_router.get("/{shipment_id}/positions")
async def shipment_positions(
    shipment_id: uuid.UUID,
    actor: CurrentUser,
    session: SessionDep,
    since: Annotated[datetime | None, Query(description="only fixes recorded after this")] = None,
    limit: Limit = 200,
    cursor: Cursor = None,
) -> PositionPage:
    """The shipment's track, oldest first (customers: from pickup on)."""
    if since is not None:
        try:
            since = since.astimezone(UTC) if since.tzinfo is not None else None
        except OverflowError:
            since = None
        if since is None:
            raise invalid("query", "since", msg="not a valid timestamp with a UTC offset")
    rows, next_cursor = await track.track_page(session, actor, shipment_id, since, limit, cursor)
    return PositionPage(
        items=[PositionRead.model_validate(p) for p in rows], next_cursor=next_cursor
    )


@shipment_router.get("/{shipment_id}/eta")
async def shipment_eta(
    shipment_id: uuid.UUID, actor: CurrentUser, session: SessionDep, ctx: Context
) -> EtaRead:
    """The estimated arrival at the next stop, and how it was computed."""
    estimate = await track.eta_for(session, actor, shipment_id, ctx.settings, utcnow())
    return EtaRead(
        eta=estimate.eta,
        distance_remaining_km=estimate.distance_remaining_km,
        basis=estimate.basis,
        speed_kmh_used=estimate.speed_kmh_used,
        next_stop_sequence=estimate.next_stop_sequence,
        computed_at=estimate.computed_at,
        late_risk=estimate.late_risk,
        assumed_rests=[AssumedRest(kind=r.kind, minutes=r.minutes) for r in estimate.assumed_rests],
    )
