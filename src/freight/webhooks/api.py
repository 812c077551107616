"""Webhooks routes (admins only): endpoints, their delivery log, replays. Thin: validate,
call the service, commit."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from freight.deps import DEFAULT_LIMIT, Admin, Context, Cursor, Limit, SessionDep
from freight.webhooks import service
from freight.webhooks.schemas import (
    AttemptRead,
    DeliveryPage,
    DeliveryRead,
    DeliveryStatus,
    EndpointCreate,
    EndpointCreated,
    EndpointPage,
    EndpointRead,
    EndpointUpdate,
    ReplayAccepted,
    ReplaySince,
    SecretRotation,
)

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])


def delivery_read(delivery: service.Delivery) -> DeliveryRead:
    """The API's view of a delivery and its attempts."""
    job = delivery.job
    return DeliveryRead(
        id=job.id,
        message_id=job.message_id,
        endpoint_id=uuid.UUID(job.target),
        event_id=job.event_id,
        event_type=delivery.event_type,
        status=job.status,
        attempt_count=job.attempts,
        next_attempt_at=job.run_at if job.status == "pending" else None,
        last_error=job.last_error,
        created_at=job.created_at,
        finished_at=job.finished_at,
        attempts=[AttemptRead.model_validate(a) for a in delivery.attempts],
    )


@router.get("/endpoints")
async def list_endpoints(
    actor: Admin, session: SessionDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> EndpointPage:
    """The organisation's webhook endpoints, newest first (never their secrets)."""
    rows, next_cursor = await service.list_endpoints(session, actor, limit, cursor)
    return EndpointPage(
        items=[EndpointRead.model_validate(e) for e in rows], next_cursor=next_cursor
    )


@router.post("/endpoints", status_code=status.HTTP_201_CREATED)
async def create_endpoint(
    body: EndpointCreate, actor: Admin, session: SessionDep, ctx: Context
) -> EndpointCreated:
    """Register an endpoint; its signing secret is in this response only."""
    endpoint, secret = await service.create_endpoint(session, actor, body, ctx.settings)
    await ctx.commit(session)
    return EndpointCreated(**EndpointRead.model_validate(endpoint).model_dump(), secret=secret)


@router.get("/endpoints/{endpoint_id}")
async def get_endpoint(endpoint_id: uuid.UUID, actor: Admin, session: SessionDep) -> EndpointRead:
    """One endpoint."""
    return EndpointRead.model_validate(await service.get_endpoint(session, actor, endpoint_id))


@router.patch("/endpoints/{endpoint_id}")
async def update_endpoint(
    endpoint_id: uuid.UUID, body: EndpointUpdate, actor: Admin, session: SessionDep, ctx: Context
) -> EndpointRead:
    """Change the URL, description, event filter or enabled flag."""
    endpoint = await service.update_endpoint(session, actor, endpoint_id, body, ctx.settings)
    await ctx.commit(session)
    return EndpointRead.model_validate(endpoint)


@router.delete("/endpoints/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_endpoint(
    endpoint_id: uuid.UUID, actor: Admin, session: SessionDep, ctx: Context
) -> Response:
    """Delete an endpoint with its pending deliveries and log."""
    await service.delete_endpoint(session, actor, endpoint_id)
    await ctx.commit(session)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/endpoints/{endpoint_id}/rotate-secret")
async def rotate_secret(
    endpoint_id: uuid.UUID, body: SecretRotation, actor: Admin, session: SessionDep, ctx: Context
) -> EndpointCreated:
    """A new signing secret, shown this once; the old one signs too for ``overlap_hours``."""
    overlap = timedelta(hours=body.overlap_hours)
    endpoint, secret = await service.rotate_secret(session, actor, endpoint_id, overlap)
    await ctx.commit(session)
    return EndpointCreated(**EndpointRead.model_validate(endpoint).model_dump(), secret=secret)


@router.get("/endpoints/{endpoint_id}/deliveries")
async def list_deliveries(
    endpoint_id: uuid.UUID,
    actor: Admin,
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    status: Annotated[DeliveryStatus | None, Query(description="only these")] = None,
) -> DeliveryPage:
    """The endpoint's delivery log, newest first: each delivery with its attempts."""
    rows, next_cursor = await service.list_deliveries(
        session, actor, endpoint_id, limit, cursor, status
    )
    return DeliveryPage(items=[delivery_read(d) for d in rows], next_cursor=next_cursor)


@router.post("/deliveries/{delivery_id}/replay", status_code=status.HTTP_202_ACCEPTED)
async def replay_delivery(
    delivery_id: uuid.UUID, actor: Admin, session: SessionDep, ctx: Context
) -> DeliveryRead:
    """Deliver again, with the same ``webhook-id`` (a pending delivery is left as it is)."""
    delivery = await service.replay_delivery(session, actor, delivery_id, ctx.settings)
    await ctx.commit(session)
    await ctx.wake_worker()
    return delivery_read(delivery)


@router.post("/endpoints/{endpoint_id}/replay", status_code=status.HTTP_202_ACCEPTED)
async def replay_since(
    endpoint_id: uuid.UUID, body: ReplaySince, actor: Admin, session: SessionDep, ctx: Context
) -> ReplayAccepted:
    """Deliver again every matching event after ``since_event_id`` (10,000 at most per call)."""
    queued, through, more = await service.replay_since(
        session, actor, endpoint_id, body.since_event_id, ctx.settings
    )
    await ctx.commit(session)
    await ctx.wake_worker()
    return ReplayAccepted(queued=queued, through_event_id=through, more=more)
