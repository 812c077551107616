"""Recording metrics: the HTTP middleware, the database pool, delivery lag, worker files."""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prometheus_client import multiprocess
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from freight.observability.metrics import (
    DB_POOL_IN_USE,
    DB_POOL_WAIT,
    HTTP_DURATION,
    HTTP_IN_PROGRESS,
    HTTP_REQUESTS,
    MULTIPROC_ENV,
    UNMATCHED_ROUTE,
    WS_DELIVERY_LAG,
    multiprocess_dir,
    status_class,
)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_of(scope: Scope) -> str:
    """The matched route's template (``/api/shipments/{shipment_id}``), never the raw path."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


class MetricsMiddleware:
    """Counts and times every HTTP request by method, route template and status class."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"] if scope["method"] in METHODS else "OTHER"
        status = 500  # an exception that escapes is answered with a 500 further out

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        in_progress = HTTP_IN_PROGRESS.labels(method)
        in_progress.inc()
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            route = route_of(scope)
            HTTP_REQUESTS.labels(method, route, status_class(status)).inc()
            HTTP_DURATION.labels(method, route).observe(elapsed)
            in_progress.dec()


class TimedQueuePool(AsyncAdaptedQueuePool):
    """The async queue pool, timing how long each checkout waits for a connection."""

    def _do_get(self) -> ConnectionPoolEntry:
        started = time.perf_counter()
        try:
            return super()._do_get()
        finally:
            DB_POOL_WAIT.observe(time.perf_counter() - started)


def _checked_out(*_: Any) -> None:
    DB_POOL_IN_USE.inc()


def _checked_in(*_: Any) -> None:
    DB_POOL_IN_USE.dec()


def instrument_engine(engine: AsyncEngine) -> None:
    """Track the connections this engine's pool has handed out."""
    event.listen(engine.sync_engine, "checkout", _checked_out)
    event.listen(engine.sync_engine, "checkin", _checked_in)


def observe_delivery_lag(item: dict[str, Any]) -> None:
    """Commit-to-release time of a stored event's envelope (live updates carry none)."""
    if item.get("kind") != "event":
        return
    at = item.get("payload", {}).get("at")
    if not isinstance(at, str):
        return
    try:
        committed = datetime.fromisoformat(at)
    except ValueError:
        return
    if committed.tzinfo is None:
        committed = committed.replace(tzinfo=UTC)
    WS_DELIVERY_LAG.observe(max((datetime.now(UTC) - committed).total_seconds(), 0.0))


# --- several worker processes -------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_dead_workers() -> list[int]:
    """Drop the live-gauge files of workers that are gone (they would count forever)."""
    path = multiprocess_dir()
    if path is None:
        return []
    dead: set[int] = set()
    for file in Path(path).glob("gauge_live*_*.db"):
        pid_text = file.stem.rsplit("_", 1)[-1]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and not _alive(int(pid_text)):
            dead.add(int(pid_text))
    for pid in dead:
        multiprocess.mark_process_dead(pid, path)  # type: ignore[no-untyped-call]
    return sorted(dead)


def worker_stopped() -> None:
    """This worker is leaving: its live gauges stop counting."""
    path = multiprocess_dir()
    if path is not None:
        multiprocess.mark_process_dead(os.getpid(), path)  # type: ignore[no-untyped-call]


def prepare_multiprocess_dir(workers: int) -> tuple[Path | None, bool]:
    """Before workers start: an empty shared metrics directory in the environment.

    With one worker and no ``PROMETHEUS_MULTIPROC_DIR`` nothing changes (the default
    registry is used). Otherwise the operator's directory is emptied of old files, or a
    fresh temporary one is made. Returns the directory and whether it was made here.
    """
    existing = multiprocess_dir()
    if existing is None and workers <= 1:
        return None, False
    if existing is not None:
        path = Path(existing)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
        made = False
    else:
        path = Path(tempfile.mkdtemp(prefix="freight-metrics-"))
        made = True
    os.environ[MULTIPROC_ENV] = str(path)
    return path, made
