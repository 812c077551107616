"""Liveness and readiness."""

from __future__ import annotations

import asyncio
import time

import structlog
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from freight import __version__
from freight.context import AppContext
from freight.db import pool_saturated, utcnow
from freight.deps import Context
from freight.outbox.jobs import oldest_due_age_s
from freight.scrape import set_dependency
from freight.serving import draining

log = structlog.get_logger("freight.health")
router = APIRouter(prefix="/api", tags=["operations"])


@router.get("/health")
async def health(ctx: Context) -> dict[str, object]:
    """The process is up."""
    return {
        "status": "ok",
        "version": __version__,
        "uptime_s": round(time.monotonic() - ctx.started_at, 1),
    }


@router.get("/ready", response_model=None)
async def ready(ctx: Context) -> JSONResponse:
    """Every dependency answers; 503 naming the ones the API cannot work without.

    "busy" (a saturated pool) is still ready, and so are a Redis outage and a stuck outbox
    ("degraded": the oldest due job has waited longer than ``FREIGHT_OUTBOX_STUCK_S``);
    after SIGTERM it answers 503 "draining" so the load balancer moves traffic away first.
    ``outbox.oldest_due_age_s`` is how long the oldest due, unclaimed job has waited.
    """
    if draining():
        return JSONResponse({"status": "draining", "checks": {}, "down": []}, status_code=503)
    state, queue_age = await database_state(ctx)
    checks: dict[str, str] = {"database": state}
    if queue_age is not None:
        checks["outbox"] = "stuck" if queue_age > ctx.settings.outbox_stuck_s else "ok"
    if ctx.redis is not None:
        try:
            await ctx.redis.ping()
            checks["redis"] = "ok"
        except Exception:
            checks["redis"] = "down"
    for name, state in checks.items():
        if name != "outbox":  # a queue, not a dependency (freight_outbox_* say how it is)
            set_dependency(name, state != "down")
    # Redis is shared by every process and the API works without it (degraded): saying
    # "not ready" would take every instance out of rotation at once, an outage. A stuck
    # outbox is the workers' trouble, not this process's: degraded too.
    down = [name for name, state in checks.items() if state == "down" and name != "redis"]
    degraded = [
        name for name, state in checks.items() if state in ("down", "stuck") and name not in down
    ]
    busy = [name for name, state in checks.items() if state == "busy"]
    status = "unavailable" if down else "degraded" if degraded else "busy" if busy else "ok"
    body: dict[str, object] = {
        "status": status,
        "checks": checks,
        "down": down,
        "degraded": degraded,
    }
    if queue_age is not None:
        body["outbox"] = {"oldest_due_age_s": round(queue_age, 3)}
    return JSONResponse(body, status_code=503 if down else 200)


async def database_state(ctx: AppContext) -> tuple[str, float | None]:
    """``ok``, ``busy`` (it answers, but every pooled connection is in use) or ``down``,
    and the age of the outbox's oldest due job (None when the database is down).

    The probe opens a connection of its own with a short timeout: queueing on a saturated
    pool would wait out the pool timeout and call a working database down, and a load
    balancer would then take every instance out at once. A busy instance stays in.
    """
    try:
        async with asyncio.timeout(ctx.settings.ready_timeout_s):
            async with ctx.probe_engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                queue_age = await oldest_due_age_s(conn, utcnow())
    except Exception:  # any failure means not ready; the reason goes to the log, not the client
        log.warning("ready.database_down", exc_info=True)
        return "down", None
    return ("busy" if pool_saturated(ctx.engine) else "ok"), queue_age
