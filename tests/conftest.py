"""Test fixtures: a database built by the real migrations, the real app, a real HTTP client.

The suite runs on a SQLite file by default, and on PostgreSQL and Redis when
``FREIGHT_TEST_DATABASE_URL`` and ``FREIGHT_TEST_REDIS_URL`` are set. Every test
starts from empty tables (and an empty Redis database).

Under pytest-xdist (``make test`` runs one worker per core) each worker has its own
PostgreSQL database (the given name plus ``_gw0``, ``_gw1``...) and its own Redis
database number (the given one plus the worker's index), created and dropped here.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from redis.asyncio import Redis
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from freight.app import create_app
from freight.db import Base, create_engine
from freight.migrations import runner
from freight.settings import Settings
from tests.helpers import Session, register

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1"... under xdist
GIVEN_PG_URL = os.environ.get("FREIGHT_TEST_DATABASE_URL")


def _per_worker_pg(url: str | None) -> str | None:
    if not url or not WORKER:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(hide_password=False)


def _per_worker_redis(url: str | None) -> str | None:
    if not url or not WORKER:
        return url
    base, _, db = url.rpartition("/")
    number = (int(db or 0) + int(WORKER.removeprefix("gw"))) % 16
    return f"{base}/{number}"


# The embedded geocoder's city index, built once and kept between runs (derived data only).
PLACES_CACHE = Path(__file__).resolve().parent.parent / ".pytest_cache" / "freight-places"
PG_URL = _per_worker_pg(GIVEN_PG_URL)
REDIS_URL = _per_worker_redis(os.environ.get("FREIGHT_TEST_REDIS_URL"))


async def _worker_database(create: bool) -> None:
    """Create (or drop) this xdist worker's own PostgreSQL database, next to the given one."""
    assert GIVEN_PG_URL and PG_URL
    admin = create_async_engine(make_url(GIVEN_PG_URL), isolation_level="AUTOCOMMIT")
    name = make_url(PG_URL).database
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if create:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
                await conn.execute(text(NO_COMMIT_WAIT.format(name=name)))
    finally:
        await admin.dispose()


def pytest_configure(config: pytest.Config) -> None:
    if WORKER and GIVEN_PG_URL:
        asyncio.run(_worker_database(create=True))


def pytest_unconfigure(config: pytest.Config) -> None:
    if WORKER and GIVEN_PG_URL:
        asyncio.run(_worker_database(create=False))


def base_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a test app: cheap Argon2id, generous API limit, a private log file."""
    values: dict[str, Any] = {
        "env": "test",
        "database_url": database_url,
        "redis_url": REDIS_URL,
        "auto_migrate": False,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8192,
        "argon2_parallelism": 1,
        "rate_limit_api": "100000/minute",
        "log_file": tmp_path / "logs" / "freight.log",
        "file_store_dir": tmp_path / "files",
        "places_cache_dir": PLACES_CACHE,
    }
    values.update(overrides)
    return Settings(**values)


# A throwaway test database need not wait for the WAL to reach the disk at each commit
# (a commit is ~4.6 ms with the wait on this machine, ~0.25 ms without). Crash safety is
# all it trades away; what a transaction sees and locks is the same.
NO_COMMIT_WAIT = 'ALTER DATABASE "{name}" SET synchronous_commit TO off'


async def _reset_postgres(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
        name = await conn.scalar(text("SELECT current_database()"))
        await conn.execute(text(NO_COMMIT_WAIT.format(name=name)))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head once per run."""
    url = PG_URL or f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'freight.db'}"

    async def prepare() -> None:
        engine = create_engine(Settings(database_url=url))
        if PG_URL:
            await _reset_postgres(engine)
        await runner.upgrade(engine)
        await engine.dispose()

    asyncio.run(prepare())
    yield url


async def _empty_tables(engine: AsyncEngine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
        else:
            for name in tables:
                await conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
async def clean_db(database_url: str) -> AsyncIterator[str]:
    """Empty tables and Redis before the test."""
    engine = create_engine(Settings(database_url=database_url))
    await _empty_tables(engine)
    await engine.dispose()
    if REDIS_URL:
        redis = Redis.from_url(REDIS_URL)
        await redis.flushdb()
        await redis.aclose()
    yield database_url


@pytest.fixture
def settings(clean_db: str, tmp_path: Path) -> Settings:
    return base_settings(clean_db, tmp_path)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
async def admin(client: AsyncClient) -> Session:
    """The first admin of a fresh organisation."""
    return await register(client, "Acme Haulage", "admin@acme.example")


@pytest.fixture
async def other_admin(client: AsyncClient) -> Session:
    """The admin of a second, unrelated organisation."""
    return await register(client, "Rival Logistics", "admin@rival.example")
