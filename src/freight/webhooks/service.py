"""Webhook endpoints of the caller's organisation, their delivery log and replays.

Functions take the session first, raise DomainErrors and never commit. Every query is
scoped to the caller's organisation: another organisation's endpoint or delivery is 404.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor, get_scoped, scoped
from freight.db import utcnow
from freight.errors import NotFound, invalid
from freight.events import Event
from freight.outbox import jobs as outbox
from freight.outbox.kinds import NewJob
from freight.outbox.models import OutboxJob
from freight.pagination import page_newest_first
from freight.settings import Settings
from freight.webhooks.catalog import EVENT_TYPES, matches
from freight.webhooks.models import WebhookAttempt, WebhookEndpoint
from freight.webhooks.schemas import EndpointCreate, EndpointUpdate
from freight.webhooks.targets import Allowlist, refusal_of_literal

KIND = "webhook"
SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
MAX_REPLAY = 10_000


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _check_target(url: str, settings: Settings) -> None:
    why = refusal_of_literal(url, Allowlist.parse(settings.webhook_allowed_hosts))
    if why is not None:
        raise invalid("body", "url", msg=f"not a deliverable address: the URL {why}")
    if settings.env == "production" and not url.lower().startswith("https://"):
        host = url.split("://", 1)[-1].split("/", 1)[0].split(":")[0].lower()
        if host not in settings.webhook_allowed_hosts:
            raise invalid("body", "url", msg="must use https:// in production")


async def _newest_event_id(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.max(Event.id))) or 0)


async def create_endpoint(
    session: AsyncSession, actor: Actor, body: EndpointCreate, settings: Settings
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret, returned this once (stored encrypted to sign with)."""
    _check_target(body.url, settings)
    secret = new_secret()
    now = utcnow()
    endpoint = WebhookEndpoint(
        organization_id=actor.organization_id,
        url=body.url,
        description=body.description or None,
        event_types=body.event_types,
        enabled=body.enabled,
        secret=secret,
        from_event_id=await _newest_event_id(session),
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    await session.flush()
    await _audit(session, actor, "webhook.endpoint_created", endpoint)
    return endpoint, secret


async def _audit(
    session: AsyncSession, actor: Actor | None, kind: str, endpoint: WebhookEndpoint, **more: Any
) -> None:
    data = {"endpoint_id": str(endpoint.id), **more}
    await events.record(session, actor, endpoint.organization_id, kind, data)


async def list_endpoints(
    session: AsyncSession, actor: Actor, limit: int, cursor: str | None
) -> tuple[Sequence[WebhookEndpoint], str | None]:
    """The organisation's endpoints, newest first (never their secrets)."""
    stmt = scoped(WebhookEndpoint, actor)
    return await page_newest_first(session, WebhookEndpoint, stmt, limit, cursor)


async def get_endpoint(
    session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID
) -> WebhookEndpoint:
    """One endpoint of the caller's organisation."""
    return await get_scoped(session, WebhookEndpoint, actor, endpoint_id)


async def update_endpoint(
    session: AsyncSession,
    actor: Actor,
    endpoint_id: uuid.UUID,
    body: EndpointUpdate,
    settings: Settings,
) -> WebhookEndpoint:
    """Change the URL, description, filter or enabled flag; enabling clears the failure
    record, so a re-enabled endpoint gets its five days again."""
    endpoint = await get_endpoint(session, actor, endpoint_id)
    given = body.model_fields_set
    changed: list[str] = []
    if body.url is not None and body.url != endpoint.url:
        _check_target(body.url, settings)
        endpoint.url = body.url
        changed.append("url")
    if "description" in given and (body.description or None) != endpoint.description:
        endpoint.description = body.description or None
        changed.append("description")
    if "event_types" in given and body.event_types != endpoint.event_types:
        endpoint.event_types = body.event_types
        changed.append("event_types")
    if body.enabled is not None and body.enabled != endpoint.enabled:
        endpoint.enabled = body.enabled
        changed.append("enabled")
        if body.enabled:
            endpoint.disabled_at = endpoint.disabled_reason = endpoint.failing_since = None
        else:
            endpoint.disabled_at, endpoint.disabled_reason = utcnow(), "disabled by an admin"
    if changed:
        endpoint.updated_at = utcnow()
        await session.flush()
        await _audit(session, actor, "webhook.endpoint_updated", endpoint, changes=changed)
    return endpoint


async def delete_endpoint(session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID) -> None:
    """Delete an endpoint, its pending deliveries and its log."""
    endpoint = await get_endpoint(session, actor, endpoint_id)
    await outbox.forget(session, KIND, str(endpoint.id))
    await _audit(session, actor, "webhook.endpoint_deleted", endpoint)
    await session.delete(endpoint)
    await session.flush()


async def rotate_secret(
    session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID, overlap: timedelta
) -> tuple[WebhookEndpoint, str]:
    """A new secret (returned this once); the current one keeps signing beside it for
    ``overlap``, so receivers can switch without missing a delivery."""
    endpoint = await get_endpoint(session, actor, endpoint_id)
    secret = new_secret()
    now = utcnow()
    if overlap > timedelta(0):
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = now + overlap
    else:
        endpoint.previous_secret = endpoint.previous_secret_expires_at = None
    endpoint.secret = secret
    endpoint.updated_at = now
    await session.flush()
    hours = round(overlap.total_seconds() / 3600, 2)
    await _audit(session, actor, "webhook.secret_rotated", endpoint, overlap_hours=hours)
    return endpoint, secret


@dataclass(frozen=True)
class Delivery:
    """A delivery (one job) with what it was about and its attempts, oldest first."""

    job: OutboxJob
    event_type: str | None
    attempts: list[WebhookAttempt]


async def _deliveries(session: AsyncSession, rows: Sequence[OutboxJob]) -> list[Delivery]:
    ids = [j.id for j in rows]
    event_ids = {j.event_id for j in rows if j.event_id is not None}
    types: dict[int, str] = {}
    if event_ids:
        found = select(Event.id, Event.type).where(Event.id.in_(event_ids))
        types = dict((await session.execute(found)).all())
    attempts: dict[uuid.UUID, list[WebhookAttempt]] = {i: [] for i in ids}
    if ids:
        logged = select(WebhookAttempt).where(WebhookAttempt.job_id.in_(ids))
        for a in await session.scalars(logged.order_by(WebhookAttempt.attempt)):
            attempts[a.job_id].append(a)
    return [
        Delivery(j, types.get(j.event_id) if j.event_id else None, attempts[j.id]) for j in rows
    ]


async def list_deliveries(
    session: AsyncSession,
    actor: Actor,
    endpoint_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    status: str | None = None,
) -> tuple[list[Delivery], str | None]:
    """An endpoint's deliveries, newest first, each with its attempts."""
    endpoint = await get_endpoint(session, actor, endpoint_id)
    stmt = scoped(OutboxJob, actor).where(
        OutboxJob.kind == KIND, OutboxJob.target == str(endpoint.id)
    )
    if status is not None:
        stmt = stmt.where(OutboxJob.status == status)
    rows, next_cursor = await page_newest_first(session, OutboxJob, stmt, limit, cursor)
    return await _deliveries(session, rows), next_cursor


async def get_delivery(session: AsyncSession, actor: Actor, delivery_id: uuid.UUID) -> Delivery:
    """One delivery of the caller's organisation."""
    job = await get_scoped(session, OutboxJob, actor, delivery_id)
    if job.kind != KIND:
        raise NotFound("delivery", delivery_id)
    return (await _deliveries(session, [job]))[0]


async def replay_delivery(
    session: AsyncSession, actor: Actor, delivery_id: uuid.UUID, settings: Settings
) -> Delivery:
    """Deliver again (same ``webhook-id``, a fresh retry window); a pending one is left."""
    delivery = await get_delivery(session, actor, delivery_id)
    job = delivery.job
    if job.event_id is None:
        raise NotFound("delivery", delivery_id)
    window = timedelta(hours=settings.outbox_retry_hours)
    fresh = NewJob(job.organization_id, job.event_id, job.target)
    await outbox.requeue(session, KIND, [fresh], utcnow(), window)
    await session.refresh(job)
    return (await _deliveries(session, [job]))[0]


async def replay_since(
    session: AsyncSession,
    actor: Actor,
    endpoint_id: uuid.UUID,
    since_event_id: int,
    settings: Settings,
) -> tuple[int, int | None, bool]:
    """Deliver again every event after ``since_event_id`` the endpoint's filter matches
    (at most 10,000 per call): (deliveries queued, the newest event id, more remain)."""
    endpoint = await get_endpoint(session, actor, endpoint_id)
    stmt = (
        select(Event.id, Event.type)
        .where(
            Event.organization_id == actor.organization_id,
            Event.id > since_event_id,
            Event.type.in_(EVENT_TYPES),
        )
        .order_by(Event.id)
        .limit(MAX_REPLAY + 1)
    )
    found = list((await session.execute(stmt)).all())
    more = len(found) > MAX_REPLAY
    found = found[:MAX_REPLAY]
    chosen = [
        NewJob(endpoint.organization_id, ident, str(endpoint.id))
        for ident, kind in found
        if matches(endpoint.event_types, kind)
    ]
    window = timedelta(hours=settings.outbox_retry_hours)
    queued = await outbox.requeue(session, KIND, chosen, utcnow(), window)
    return queued, (found[-1][0] if found else None), more


@dataclass(frozen=True)
class ShipmentDelivery:
    """A webhook delivery about one load, for its timeline."""

    id: uuid.UUID
    endpoint_id: uuid.UUID
    url: str
    event_type: str
    status: str
    attempts: int
    created_at: datetime


async def for_shipment(
    session: AsyncSession, actor: Actor, shipment_id: uuid.UUID
) -> list[ShipmentDelivery]:
    """The webhook deliveries of a load's events, oldest first (staff only)."""
    if not actor.is_staff:
        return []
    stmt = select(OutboxJob, Event.type).join(Event, Event.id == OutboxJob.event_id)
    rows = (
        await session.execute(
            stmt.where(
                OutboxJob.organization_id == actor.organization_id,
                OutboxJob.kind == KIND,
                Event.shipment_id == shipment_id,
            )
            .order_by(OutboxJob.created_at)
            .limit(200)
        )
    ).all()
    ids = {uuid.UUID(job.target) for job, _ in rows}
    urls: dict[uuid.UUID, str] = {}
    if ids:
        found = select(WebhookEndpoint.id, WebhookEndpoint.url).where(WebhookEndpoint.id.in_(ids))
        urls = {ident: url for ident, url in (await session.execute(found)).all()}
    return [
        ShipmentDelivery(
            job.id,
            uuid.UUID(job.target),
            urls.get(uuid.UUID(job.target), "a deleted endpoint"),
            kind,
            job.status,
            job.attempts,
            job.created_at,
        )
        for job, kind in rows
    ]
