"""The ``webhook`` job kind: which events make deliveries, and one signed POST per attempt.

Deliveries follow Standard Webhooks: ``webhook-id`` (the job's id, the same on every
attempt and replay), ``webhook-timestamp`` (the attempt's time) and ``webhook-signature``
(HMAC-SHA256 over ``id.timestamp.body``, signed with the ``standardwebhooks`` package;
during a secret rotation's overlap with both secrets, space-separated). Redirects are
not followed, the host is resolved and checked once per attempt (``targets``), and the
first 1 KB of the answer is kept in the attempt log.

An endpoint whose deliveries all failed for ``FREIGHT_WEBHOOK_DISABLE_AFTER_DAYS`` is
disabled and a ``webhook.endpoint_disabled`` event is recorded in the same transaction:
that event is the hook for telling the organisation's admins (the mail job kind expands
it into messages, like any other event).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import httpx
import structlog
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks.webhooks import Webhook

from freight import __version__, events
from freight.db import utcnow
from freight.events import Event
from freight.observability import metrics
from freight.outbox.kinds import Claimed, EventRef, NewJob, Outcome
from freight.settings import Settings
from freight.shipments.models import Shipment
from freight.webhooks.catalog import PUBLIC_FIELDS, matches, payload
from freight.webhooks.models import WebhookAttempt, WebhookEndpoint
from freight.webhooks.service import KIND
from freight.webhooks.targets import Allowlist, Refused, Resolver, resolve, system_resolver

log = structlog.get_logger("freight.webhooks")
EXCERPT_BYTES = 1024
# A healthy endpoint's last success is refreshed this often (by each worker process).
TOUCH_SUCCESS_S = 60.0
TOUCH_SUCCESS = timedelta(seconds=TOUCH_SUCCESS_S)


def sign(secrets: Sequence[str], message_id: str, at: datetime, body: str) -> str:
    """The ``webhook-signature`` value: one ``v1,<base64>`` per secret, space-separated."""
    return " ".join(Webhook(s).sign(message_id, at, body) for s in secrets)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


class WebhookDeliveries:
    """The webhook job kind (see the module docstring)."""

    name = KIND

    def __init__(
        self,
        read_sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.read_sessions = read_sessions
        self.allow = Allowlist.parse(settings.webhook_allowed_hosts)
        self.resolver = resolver
        self.disable_after = timedelta(days=settings.webhook_disable_after_days)
        self._touched: dict[uuid.UUID, float] = {}  # endpoint -> when this process last did
        self.client = httpx.AsyncClient(
            timeout=settings.webhook_timeout_s,
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment would bypass the address check
            headers={"user-agent": f"Freight-Webhooks/{__version__}"},
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )

    def wants(self, event_type: str) -> bool:
        """Public event types only (see ``catalog``)."""
        return event_type in PUBLIC_FIELDS

    async def horizon(self, session: AsyncSession) -> int | None:
        """Endpoints only get events newer than themselves: below the oldest enabled
        endpoint's start (or, with none, the newest event) nothing can concern them."""
        oldest = await session.scalar(
            select(func.min(WebhookEndpoint.from_event_id)).where(WebhookEndpoint.enabled)
        )
        if oldest is not None:
            return int(oldest)
        return int(await session.scalar(select(func.max(Event.id))) or 0)

    async def expand(self, session: AsyncSession, found: Sequence[EventRef]) -> list[NewJob]:
        """A delivery per event and enabled endpoint of its organisation that wants it."""
        if not found:
            return []
        orgs = {e.organization_id for e in found}
        rows = await session.execute(
            select(
                WebhookEndpoint.id,
                WebhookEndpoint.organization_id,
                WebhookEndpoint.from_event_id,
                WebhookEndpoint.event_types,
            ).where(WebhookEndpoint.enabled, WebhookEndpoint.organization_id.in_(orgs))
        )
        by_org: dict[uuid.UUID, list[tuple[uuid.UUID, int, list[str] | None]]] = {}
        for ident, org, start, types in rows.all():
            by_org.setdefault(org, []).append((ident, start, types))
        return [
            NewJob(e.organization_id, e.id, str(ident))
            for e in found
            for ident, start, types in by_org.get(e.organization_id, [])
            if e.id > start and matches(types, e.type)
        ]

    async def _prepare(self, job: Claimed) -> tuple[str, list[str], str, datetime] | Outcome:
        """The URL, the secrets, the body and the event's time; or why there is nothing
        to deliver (a permanent outcome)."""
        now = utcnow()
        async with self.read_sessions() as session:
            endpoint = await session.get(WebhookEndpoint, uuid.UUID(job.target))
            if endpoint is None:
                return Outcome(False, permanent=True, error="endpoint deleted", detail={"gone": 1})
            if not endpoint.enabled:
                return Outcome(False, permanent=True, error="endpoint disabled")
            found = (
                await session.execute(
                    select(Event, Shipment.reference)
                    .outerjoin(Shipment, Shipment.id == Event.shipment_id)
                    .where(Event.id == job.event_id)
                )
            ).one_or_none()
            if found is None:
                return Outcome(False, permanent=True, error="event no longer exists")
            event, reference = found
            shipment = None
            if event.shipment_id is not None:
                shipment = {"id": str(event.shipment_id), "reference": reference or ""}
            keys = [endpoint.secret]
            expires = endpoint.previous_secret_expires_at
            if endpoint.previous_secret and expires is not None and expires > now:
                keys.append(endpoint.previous_secret)
            body = payload(
                job.message_id, event.id, event.type, _iso(event.occurred_at), event.data, shipment
            )
            text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            return endpoint.url, keys, text, event.occurred_at

    async def perform(self, job: Claimed) -> Outcome:
        """One signed POST to the endpoint's checked address."""
        prepared = await self._prepare(job)
        if isinstance(prepared, Outcome):
            return prepared
        url, keys, body, occurred_at = prepared
        started = utcnow()
        detail: dict[str, object] = {"started_at": started}
        try:
            target = await resolve(url, self.allow, self.resolver)
        except Refused as exc:
            return Outcome(False, error=f"refused: {exc}", detail={**detail, "refused": 1})
        detail["address"] = target.address
        headers = {
            "content-type": "application/json",
            "host": target.host_header,
            "webhook-id": job.message_id,
            "webhook-timestamp": str(int(started.timestamp())),
            "webhook-signature": sign(keys, job.message_id, started, body),
        }
        extensions = {"sni_hostname": target.server_name} if url.startswith("https") else {}
        clock = time.perf_counter()
        try:
            async with self.client.stream(
                "POST",
                target.connect_url,
                content=body.encode(),
                headers=headers,
                extensions=extensions,
            ) as response:
                excerpt = bytearray()
                async for chunk in response.aiter_bytes():
                    excerpt += chunk
                    if len(excerpt) >= EXCERPT_BYTES:
                        break
        except httpx.TimeoutException:
            detail["duration_ms"] = round((time.perf_counter() - clock) * 1000)
            return Outcome(False, error="no answer within the timeout", detail=detail)
        except (httpx.HTTPError, OSError) as exc:
            detail["duration_ms"] = round((time.perf_counter() - clock) * 1000)
            return Outcome(False, error=f"could not connect ({type(exc).__name__})", detail=detail)
        detail.update(
            duration_ms=round((time.perf_counter() - clock) * 1000),
            status_code=response.status_code,
            excerpt=bytes(excerpt[:EXCERPT_BYTES]).decode("utf-8", "replace"),
        )
        if response.is_success:
            delay = (utcnow() - occurred_at).total_seconds()
            metrics.OUTBOX_DELAY.labels(KIND).observe(max(delay, 0.0))
            return Outcome(True, detail=detail)
        why = f"answered {response.status_code}"
        if response.is_redirect:
            why += " (a redirect: not followed)"
        return Outcome(False, error=why, detail=detail)

    async def settle(
        self, session: AsyncSession, job: Claimed, outcome: Outcome, status: str
    ) -> None:
        """Log the attempt (and one the worker abandoned) and keep the endpoint's health."""
        if outcome.detail.get("gone"):
            return  # the endpoint and its log are gone
        endpoint_id, now = uuid.UUID(job.target), utcnow()
        common = {"organization_id": job.organization_id, "job_id": job.id}
        if job.reclaimed:
            session.add(
                WebhookAttempt(
                    **common,
                    endpoint_id=endpoint_id,
                    attempt=job.attempt - 1,
                    outcome="abandoned",
                    started_at=now,
                    error="the worker stopped during this attempt; its lease ran out",
                )
            )
        d = outcome.detail
        kind = "delivered" if outcome.ok else "refused" if d.get("refused") else "failed"
        started = d.get("started_at")
        session.add(
            WebhookAttempt(
                **common,
                endpoint_id=endpoint_id,
                attempt=job.attempt,
                outcome=kind,
                started_at=started if isinstance(started, datetime) else now,
                duration_ms=d.get("duration_ms"),
                status_code=d.get("status_code"),
                response_excerpt=d.get("excerpt"),
                error=outcome.error[:500] if outcome.error else None,
                address=d.get("address"),
                worker=job.owner,
            )
        )
        await self._health(session, endpoint_id, outcome.ok, now)

    async def _health(
        self, session: AsyncSession, endpoint_id: uuid.UUID, ok: bool, now: datetime
    ) -> None:
        table = WebhookEndpoint
        if ok:  # most deliveries succeed: write only when something may change
            touched = self._touched.get(endpoint_id)
            if touched is not None and time.monotonic() - touched < TOUCH_SUCCESS_S:
                return
            self._touched[endpoint_id] = time.monotonic()
            await session.execute(
                update(table)
                .where(
                    table.id == endpoint_id,
                    table.failing_since.is_not(None)
                    | table.last_success_at.is_(None)
                    | (table.last_success_at < now - TOUCH_SUCCESS),
                )
                .values(last_success_at=now, failing_since=None)
            )
            return
        self._touched.pop(endpoint_id, None)
        row = (
            await session.execute(
                select(table.failing_since, table.enabled, table.organization_id).where(
                    table.id == endpoint_id
                )
            )
        ).one_or_none()
        if row is None:
            return
        since = row.failing_since or now
        values: dict[str, object] = {"last_failure_at": now, "failing_since": since}
        disable = row.enabled and now - since >= self.disable_after
        if disable:
            days = self.disable_after.total_seconds() / 86400
            values.update(
                enabled=False,
                disabled_at=now,
                disabled_reason=f"every delivery failed for {days:g} days",
            )
        await session.execute(update(table).where(table.id == endpoint_id).values(**values))
        if disable:
            log.warning("webhook.endpoint_disabled", endpoint=str(endpoint_id))
            data = {"endpoint_id": str(endpoint_id), "failing_since": since.isoformat()}
            await events.record(
                session, None, row.organization_id, "webhook.endpoint_disabled", data
            )

    async def close(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()
