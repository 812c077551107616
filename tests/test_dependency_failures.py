"""A busy or unreachable dependency is a quick 503 with Retry-After, never a slow or generic 500."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from redis.asyncio.connection import ConnectionPoolInterface
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from freight.app import create_app
from freight.dependency_errors import unavailable
from freight.redis_guard import redis_client
from freight.settings import Settings
from tests.conftest import REDIS_URL, base_settings
from tests.helpers import Session, assert_problem, register


def assert_unavailable(resp: Response) -> None:
    body = assert_problem(resp, 503, "service_unavailable")
    assert int(resp.headers["retry-after"]) >= 1
    assert "sqlite" not in str(body).lower() and "asyncpg" not in str(body).lower()


async def exhaust_pool(engine: AsyncEngine, stack: AsyncExitStack) -> None:
    """Check out every connection the app's pool may open."""
    pool = engine.pool
    assert isinstance(pool, QueuePool), pool  # a pool with a size and an overflow
    capacity = pool.size() + pool._max_overflow
    for _ in range(capacity):
        await stack.enter_async_context(engine.connect())


@pytest.fixture
async def quick_app(clean_db: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = base_settings(
        clean_db, tmp_path, db_pool_timeout_s=0.3, rate_limit_api="3/minute", ready_timeout_s=2
    )
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def quick(quick_app: FastAPI) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=quick_app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def test_exhausted_pool_is_a_quick_503_and_not_counted_against_the_limit(
    quick: AsyncClient, quick_app: FastAPI
) -> None:
    admin = await register(quick, "Pool Party", "admin@pool.example")
    engine: AsyncEngine = quick_app.state.ctx.engine
    async with AsyncExitStack() as stack:
        await exhaust_pool(engine, stack)
        for _ in range(5):
            started = time.monotonic()
            resp = await quick.get("/api/shipments", headers=admin.auth)
            assert time.monotonic() - started < 3
            assert_unavailable(resp)
        # The export reads its first page before any header: a 503, not a cut "200 OK".
        assert_unavailable(await quick.get("/api/shipments/export", headers=admin.auth))
    # Our failures did not use up the caller's 3 calls a minute.
    for _ in range(3):
        assert (await quick.get("/api/shipments", headers=admin.auth)).status_code == 200
    assert_problem(await quick.get("/api/shipments", headers=admin.auth), 429, "rate_limited")


async def test_readiness_reports_a_saturated_pool_as_busy_not_down(
    quick: AsyncClient, quick_app: FastAPI
) -> None:
    engine: AsyncEngine = quick_app.state.ctx.engine
    async with AsyncExitStack() as stack:
        await exhaust_pool(engine, stack)
        started = time.monotonic()
        resp = await quick.get("/api/ready")
        assert time.monotonic() - started < 2
    assert resp.status_code == 200, resp.text
    assert resp.json()["checks"]["database"] == "busy"
    assert resp.json()["status"] == "busy" and resp.json()["down"] == []
    assert (await quick.get("/api/ready")).json()["checks"]["database"] == "ok"


async def test_too_many_exports_at_once_is_503(quick: AsyncClient, quick_app: FastAPI) -> None:
    admin = await register(quick, "Export Crowd", "admin@crowd.example")
    slots = quick_app.state.ctx.exports
    taken = [slots.acquire() for _ in range(slots.free)]
    assert_unavailable(await quick.get("/api/shipments/export", headers=admin.auth))
    for release in taken:
        release()
    assert (await quick.get("/api/shipments/export", headers=admin.auth)).status_code == 200
    assert slots.free == quick_app.state.ctx.settings.export_concurrency


async def test_a_held_sqlite_write_lock_is_503_while_reads_go_on(
    client: AsyncClient, admin: Session, settings: Settings
) -> None:
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        pytest.skip("the embedded database's single write lock")
    holder = sqlite3.connect(str(url.database), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        # Reads take no lock: they still answer.
        assert (await client.get("/api/shipments", headers=admin.auth)).status_code == 200
        resp = await client.post(
            "/api/customers",
            headers=admin.auth,
            json={"name": "Blocked", "billing_email": "ap@blocked.example"},
        )
        assert_unavailable(resp)  # after the busy timeout, instead of a 500
    finally:
        holder.rollback()
        holder.close()


@pytest.mark.skipif(
    not REDIS_URL, reason="needs a shared Redis; runs in the PostgreSQL + Redis pass"
)
async def test_a_full_redis_pool_waits_then_fails_as_busy(tmp_path: Path) -> None:
    settings = base_settings("sqlite://", tmp_path, redis_pool_size=1, redis_pool_timeout_s=0.3)
    assert settings.redis_url is not None
    redis = redis_client(settings, settings.redis_url)
    try:
        # The pool's interface, which redis annotates (ConnectionPool's override it does not).
        pool: ConnectionPoolInterface = redis.connection_pool
        held = await pool.get_connection()
        started = time.monotonic()
        with pytest.raises(Exception) as failure:
            await redis.ping()
        assert 0.25 < time.monotonic() - started < 2  # it waited for a connection, then gave up
        found = unavailable(failure.value)
        assert found is not None and (found.dependency, found.state) == ("Redis", "busy")
        await pool.release(held)
        assert await redis.ping()
    finally:
        await redis.aclose()
