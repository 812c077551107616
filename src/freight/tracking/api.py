"""Routes for GPS ingest, a shipment's track and its ETA."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from freight import idempotency as idem
from freight.access import Actor, Role
from freight.context import AppContext
from freight.db import utcnow
from freight.deps import Context, CurrentUser, Cursor, Limit, SessionDep
from freight.errors import Unauthorized, invalid
from freight.fleet import devices
from freight.openapi import problems
from freight.shipments import reads
from freight.tracking import osmand, service, track
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
    body: PositionBatch,
    actor: CurrentUser,
    session: SessionDep,
    ctx: Context,
    response: Response,
    idempotency_key: idem.KeyHeader = None,
) -> IngestResult:
    """Up to 500 fixes from a driver's phone or a telematics integration (which names the
    driver); implausible fixes are dropped and counted, the rest stored.

    A phone that was out of signal sends its buffered fixes late, oldest first: they are
    kept as long as each is newer than the driver's last accepted fix. With
    ``Idempotency-Key`` a resent batch answers the first batch's counts again."""
    once = await idem.once(
        session,
        actor,
        idempotency_key,
        "POST /api/tracking/positions",
        body.model_dump(mode="json"),
        _no_resource,
    )
    if once.replay is not None:
        idem.mark_replayed(response, once.replay)
        return IngestResult.model_validate(once.replay.body)
    result = await service.ingest(session, actor, body, ctx.settings, utcnow())
    answer = _counts(result)
    await once.done(session, 202, answer.model_dump(mode="json"), None)
    await ctx.commit(session)
    return await _published(ctx, result)


async def _no_resource(_: uuid.UUID) -> None:
    """A batch creates no resource of its own to re-check before a replay."""


def _counts(result: service.Ingested) -> IngestResult:
    dropped = {reason.value: n for reason, n in result.outcome.dropped.items()}
    return IngestResult(accepted=len(result.outcome.accepted), dropped=Dropped(**dropped))


async def _published(ctx: AppContext, result: service.Ingested) -> IngestResult:
    """After the commit: the load's cached reads dropped, its live position sent."""
    if result.shipment_id is not None:
        await reads.invalidate(ctx.cache, [result.shipment_id])
        if result.location is not None:
            await ctx.live.emit("shipment:location", result.shipment_id, result.location)
    return _counts(result)


async def _osmand_report(request: Request) -> osmand.Report:
    """The report from the query, a form, or Traccar Client 9's JSON."""
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("application/json"):
            try:
                body = json.loads(await request.body())
            except ValueError:
                raise osmand.OsmandError("body", "the body is not JSON") from None
            return osmand.from_json(body)
        fields = dict(request.query_params)
        if request.method == "POST" and "form" in content_type:
            form = await request.form(max_files=0, max_fields=30)
            fields |= {k: v for k, v in form.items() if isinstance(v, str)}
            await form.close()
        return osmand.from_fields(fields)
    except osmand.OsmandError as exc:
        where = "query" if request.method == "GET" else "body"
        raise invalid(where, exc.field, msg=str(exc)) from None


@router.get("/osmand", operation_id="osmand_report_get", responses=problems(401))
@router.post("/osmand", operation_id="osmand_report_post", responses=problems(401))
async def osmand_position(request: Request, session: SessionDep, ctx: Context) -> IngestResult:
    """One fix from the Traccar Client app (OsmAnd protocol): ``id`` is the device
    identifier an admin issued (``POST /api/drivers/{id}/devices``); ``lat``, ``lon``,
    ``timestamp`` (Unix seconds or ISO 8601), ``speed`` in knots, ``bearing``,
    ``altitude``, ``accuracy``, ``batt``, as query parameters or form fields (or
    Traccar Client 9's JSON). The fix passes the same filters as the phone view's;
    ``200`` says it was received (``accepted`` 0 when a filter dropped it), ``401`` that
    the identifier is unknown or revoked."""
    report = await _osmand_report(request)
    device = await devices.holder_of(session, report.identifier)
    if device is None:
        raise Unauthorized("unknown or revoked device identifier")
    actor = Actor(
        organization_id=device.organization_id, role=Role.DRIVER, driver_id=device.driver_id
    )
    batch = PositionBatch(positions=[report.position])
    result = await service.ingest(session, actor, batch, ctx.settings, utcnow())
    await devices.seen(session, device, report.battery_pct)
    await ctx.commit(session)
    return await _published(ctx, result)


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
