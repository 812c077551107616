"""Liveness and readiness."""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from freight import __version__
from freight.deps import Context
from freight.observability.scrape import set_dependency
from freight.serving import draining

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
    """Every dependency answers; 503 naming the ones that do not (or while draining)."""
    if draining():  # SIGTERM received: let the load balancer move traffic away first
        return JSONResponse({"status": "draining", "checks": {}, "down": []}, status_code=503)
    checks: dict[str, str] = {}
    try:
        async with ctx.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # any failure means not ready; the reason goes to the log, not the client
        checks["database"] = "down"
    if ctx.redis is not None:
        try:
            await ctx.redis.ping()
            checks["redis"] = "ok"
        except Exception:
            checks["redis"] = "down"
    for name, state in checks.items():
        set_dependency(name, state == "ok")
    down = [name for name, state in checks.items() if state != "ok"]
    body = {"status": "ok" if not down else "unavailable", "checks": checks, "down": down}
    return JSONResponse(body, status_code=503 if down else 200)
