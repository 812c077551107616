"""``GET /metrics``: the process (or every worker's) metrics plus values read at scrape time.

Business gauges (shipments by status, drivers available, open invoice balance), the cache's
entry count and the dependencies' state are read when Prometheus scrapes, at most once per
``FREIGHT_METRICS_CACHE_S`` (15 s by default) however often it does, and are yielded by
``ScrapeCollector`` in the scraping process only: with several workers they are not summed.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text

from freight import __version__
from freight.billing.models import Invoice
from freight.billing.statuses import OPEN_INVOICE
from freight.context import AppContext
from freight.db import utcnow
from freight.deps import Context
from freight.errors import Forbidden, Unauthorized
from freight.fleet.models import Driver
from freight.fleet.statuses import DriverStatus
from freight.observability.instrumentation import mark_dead_workers
from freight.observability.metrics import multiprocess_dir
from freight.outbox.jobs import QueueStats
from freight.outbox.jobs import stats as outbox_stats
from freight.shipments.lifecycle import Status
from freight.shipments.models import Shipment

log = structlog.get_logger("freight.metrics")
router = APIRouter(tags=["operations"])

# Dependency state, set by /api/ready and by every refresh (1 up, 0 down).
DEPENDENCIES: dict[str, float] = {}


def set_dependency(name: str, up: bool) -> None:
    """Record whether a dependency answered (``freight_dependency_up``)."""
    DEPENDENCIES[name] = 1.0 if up else 0.0


@dataclass
class Snapshot:
    """What the database and cache said at the last refresh."""

    shipments: dict[str, int] = field(default_factory=dict)
    drivers_available: int | None = None
    open_balance_cents: dict[str, int] = field(default_factory=dict)
    cache_entries: int | None = None
    outbox: QueueStats | None = None


class Scraper:
    """Refreshes the scrape-time values at most once per ``ttl_s``."""

    def __init__(self, ctx: AppContext, ttl_s: float) -> None:
        self.ctx = ctx
        self.ttl_s = ttl_s
        self.snapshot = Snapshot()
        self.refreshed_at: float | None = None
        self.refreshes = 0
        self._lock = asyncio.Lock()

    async def refresh(self) -> Snapshot:
        """The cached snapshot, read again when older than the TTL."""
        async with self._lock:
            now = time.monotonic()
            if self.refreshed_at is not None and now - self.refreshed_at < self.ttl_s:
                return self.snapshot
            self.snapshot = await self._read()
            self.refreshed_at = now
            self.refreshes += 1
            return self.snapshot

    async def _read(self) -> Snapshot:
        snap = Snapshot()
        try:
            async with self.ctx.sessions() as session:
                await session.execute(text("SELECT 1"))
                by_status = select(Shipment.status, func.count()).group_by(Shipment.status)
                counts = {status: n for status, n in (await session.execute(by_status)).all()}
                snap.shipments = {s.value: int(counts.get(s.value, 0)) for s in Status}
                snap.drivers_available = int(
                    await session.scalar(
                        select(func.count())
                        .select_from(Driver)
                        .where(Driver.status == DriverStatus.AVAILABLE)
                    )
                    or 0
                )
                balances = await session.execute(
                    select(Invoice.currency, func.sum(Invoice.total_cents - Invoice.paid_cents))
                    .where(Invoice.status.in_(OPEN_INVOICE))
                    .group_by(Invoice.currency)
                )
                snap.open_balance_cents = {c: int(v or 0) for c, v in balances.all()}
                snap.outbox = await outbox_stats(session, utcnow())
            set_dependency("database", True)
        except Exception:  # a scrape must still answer; the gauge says the database is down
            log.warning("metrics.database_unreachable", exc_info=True)
            set_dependency("database", False)
        if self.ctx.redis is not None:
            try:
                await self.ctx.redis.ping()
                set_dependency("redis", True)
            except Exception:
                log.warning("metrics.redis_unreachable", exc_info=True)
                set_dependency("redis", False)
        try:
            snap.cache_entries = await self.ctx.cache.entries()
        except Exception:
            snap.cache_entries = None
        return snap


class ScrapeCollector(Collector):
    """Yields the snapshot's values (never merged across processes)."""

    def __init__(self, snapshot: Snapshot, backend: str) -> None:
        self.snapshot = snapshot
        self.backend = backend

    def collect(self) -> Iterator[Metric]:
        snap = self.snapshot
        info = GaugeMetricFamily("freight_build_info", "Freight version", labels=["version"])
        info.add_metric([__version__], 1)
        yield info
        up = GaugeMetricFamily(
            "freight_dependency_up",
            "Whether a dependency answered the last readiness or scrape check (1 up, 0 down)",
            labels=["dependency"],
        )
        for name, value in sorted(DEPENDENCIES.items()):
            up.add_metric([name], value)
        yield up
        if snap.shipments:
            shipments = GaugeMetricFamily(
                "freight_shipments", "Shipments by current status", labels=["status"]
            )
            for status, count in snap.shipments.items():
                shipments.add_metric([status], count)
            yield shipments
        if snap.drivers_available is not None:
            yield GaugeMetricFamily(
                "freight_drivers_available",
                "Drivers marked available",
                value=snap.drivers_available,
            )
            balance = GaugeMetricFamily(
                "freight_invoices_open_balance_cents",
                "Unpaid balance of issued and partially paid invoices, in minor units",
                labels=["currency"],
            )
            for currency, cents in sorted(snap.open_balance_cents.items()):
                balance.add_metric([currency], cents)
            yield balance
        if snap.outbox is not None:
            yield from _outbox_metrics(snap.outbox)
        if snap.cache_entries is not None:
            entries = GaugeMetricFamily(
                "freight_cache_entries", "Entries held by the cache", labels=["backend"]
            )
            entries.add_metric([self.backend], snap.cache_entries)
            yield entries


def _outbox_metrics(stats: QueueStats) -> Iterator[Metric]:
    """The outbox queue as the database holds it (the same from every process)."""
    jobs = GaugeMetricFamily("freight_outbox_jobs", "Outbox jobs by status", labels=["status"])
    jobs.add_metric(["pending"], stats.pending)
    jobs.add_metric(["dead"], stats.dead)
    yield jobs
    yield GaugeMetricFamily(
        "freight_outbox_due_jobs", "Pending jobs due now and not claimed", value=stats.due
    )
    yield GaugeMetricFamily(
        "freight_outbox_oldest_due_age_seconds",
        "How long the oldest due, unclaimed job has waited (0: none): growing means stuck",
        value=stats.oldest_due_age_s,
    )
    yield GaugeMetricFamily(
        "freight_outbox_oldest_pending_age_seconds",
        "Age of the oldest pending job, retries included",
        value=stats.oldest_pending_age_s,
    )
    lag = GaugeMetricFamily(
        "freight_outbox_cursor_lag_events",
        "Events recorded after a job kind's cursor (not yet expanded into jobs)",
        labels=["kind"],
    )
    for kind, behind in sorted(stats.cursor_lag.items()):
        lag.add_metric([kind], behind)
    yield lag


class _DefaultRegistry(Collector):
    """This process's metrics (single-process mode), including process and GC metrics."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def render(snapshot: Snapshot, backend: str) -> bytes:
    """The exposition text: this process's or every worker's metrics, plus the snapshot."""
    registry = CollectorRegistry(auto_describe=False)
    path = multiprocess_dir()
    if path is None:
        registry.register(_DefaultRegistry())
    else:
        mark_dead_workers()
        MultiProcessCollector(registry, path=path)  # type: ignore[no-untyped-call]
        ProcessCollector(registry=registry)  # the scraping worker's CPU, memory and start time
    registry.register(ScrapeCollector(snapshot, backend))
    return generate_latest(registry)


def _authorise(request: Request, ctx: AppContext) -> None:
    token = ctx.settings.metrics_token
    if token is None:
        if ctx.settings.env == "production":
            # Totals across every tenant (balances, shipment counts) are not public data.
            raise Forbidden(
                "metrics are off in production until FREIGHT_METRICS_TOKEN is set "
                "(give Prometheus the same token)"
            )
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        raise Unauthorized("metrics need 'Authorization: Bearer <FREIGHT_METRICS_TOKEN>'")


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, ctx: Context) -> Response:
    """Prometheus exposition format."""
    _authorise(request, ctx)
    scraper: Scraper | None = getattr(request.app.state, "metrics_scraper", None)
    if scraper is None or scraper.ctx is not ctx:
        scraper = Scraper(ctx, ctx.settings.metrics_cache_s)
        request.app.state.metrics_scraper = scraper
    snapshot = await scraper.refresh()
    backend = "redis" if ctx.redis is not None else "memory"
    return Response(render(snapshot, backend), media_type=CONTENT_TYPE_LATEST)
