"""Every migration goes up, down to nothing, and up again, on the database under test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from freight.db import Base, create_engine
from freight.migrations import runner
from freight.settings import Settings
from tests.conftest import PG_URL


@pytest.fixture
async def fresh_engine(tmp_path: object) -> AsyncIterator[AsyncEngine]:
    """An engine on a brand-new, empty database of the kind under test."""
    if not PG_URL:
        engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/m.db"))
        yield engine
        await engine.dispose()
        return
    name = f"freight_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(
        Settings(
            database_url=str(
                make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
            )
        )
    )
    try:
        yield engine
    finally:
        await engine.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{name}"'))
        await admin.dispose()


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: inspect(c).get_table_names())
    return set(names) - {"alembic_version"}


async def test_up_down_up(fresh_engine: AsyncEngine) -> None:
    await runner.upgrade(fresh_engine)
    assert await _tables(fresh_engine) == set(Base.metadata.tables)
    assert await runner.current_revision(fresh_engine) == runner.head_revision()
    await runner.downgrade(fresh_engine, "base")
    assert await _tables(fresh_engine) == set()
    await runner.upgrade(fresh_engine)
    assert await _tables(fresh_engine) == set(Base.metadata.tables)


async def test_serving_an_unmigrated_database_is_refused(fresh_engine: AsyncEngine) -> None:
    with pytest.raises(RuntimeError, match="freight db upgrade"):
        await runner.ensure_schema(fresh_engine, auto_migrate=False)


async def test_history_is_linear() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(runner.alembic_config())
    assert len(script.get_heads()) == 1
    assert all(len(rev._all_down_revisions) <= 1 for rev in script.walk_revisions())


async def test_models_match_the_migrations(fresh_engine: AsyncEngine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    await runner.upgrade(fresh_engine)
    async with fresh_engine.connect() as conn:
        diff = await conn.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
        )
    assert diff == []
