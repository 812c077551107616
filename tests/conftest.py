"""Test fixtures: a database built by the real migrations, the real app, a real HTTP client.

The suite runs on a SQLite file by default, and on PostgreSQL and Redis when
``FREIGHT_TEST_DATABASE_URL`` and ``FREIGHT_TEST_REDIS_URL`` are set. Every test
starts from empty tables (and an empty Redis database).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from freight.app import create_app
from freight.db import Base, create_engine
from freight.migrations import runner
from freight.settings import Settings
from tests.helpers import Session, register

PG_URL = os.environ.get("FREIGHT_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("FREIGHT_TEST_REDIS_URL")


def base_settings(database_url: str, tmp_path: Path, **overrides: object) -> Settings:
    """Settings for a test app: cheap Argon2id, generous API limit, a private log file."""
    values: dict[str, object] = {
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
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


async def _reset_postgres(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))


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
