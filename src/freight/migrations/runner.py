"""Run Alembic from code: on an app's engine at start-up, from the CLI, or from tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

HERE = Path(__file__).parent


def alembic_config(url: str = "") -> Config:
    """An Alembic config pointing at Freight's migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", url)
    cfg.set_main_option(
        "file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d_%%(slug)s"
    )
    return cfg


def head_revision() -> str | None:
    """The newest revision in the history."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (None when unmigrated)."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


async def _run(engine: AsyncEngine, direction: str, revision: str) -> None:
    def go(conn: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        getattr(command, direction)(cfg, revision)

    async with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds tables, so foreign keys must be off; the pragma only
            # works outside a transaction, so it goes straight to the driver connection.
            await _raw_sqlite(conn, "PRAGMA foreign_keys=OFF")
        try:
            await conn.run_sync(go)
            await conn.commit()
        finally:
            if sqlite:
                await conn.rollback()
                await _raw_sqlite(conn, "PRAGMA foreign_keys=ON")


async def _raw_sqlite(conn: AsyncConnection, statement: str) -> None:
    raw = await conn.get_raw_connection()
    await raw.driver_connection.execute(statement)  # type: ignore[union-attr]


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate up to ``revision``."""
    await _run(engine, "upgrade", revision)


async def downgrade(engine: AsyncEngine, revision: str = "-1") -> None:
    """Migrate down to ``revision``."""
    await _run(engine, "downgrade", revision)


async def ensure_schema(engine: AsyncEngine, auto_migrate: bool) -> None:
    """Migrate, or refuse to serve a database that is not at the newest revision."""
    if auto_migrate:
        await upgrade(engine)
        return
    current, head = await current_revision(engine), head_revision()
    if current != head:
        raise RuntimeError(
            f"database schema is at {current or 'nothing'}, this release needs {head}: "
            "run `freight db upgrade` first"
        )
