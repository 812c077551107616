"""One place for the database: declarative base, engine, sessions and shared column types."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, ForeignKey, MetaData, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import NullPool, QueuePool
from sqlalchemy.types import TypeDecorator, Uuid

import freight.security.sealed_rows  # noqa: F401  (encrypts EncryptedString columns per row)
from freight.observability.instrumentation import TimedQueuePool, instrument_engine
from freight.settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every engine (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass a timezone-aware value")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def in_check(column: str, values: Iterable[str]) -> str:
    """The CHECK text that keeps ``column`` to ``values``: ``status IN ('a', 'b')``."""
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base; constraint names are stable so migrations can refer to them."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


class IdMixin:
    """UUID primary key and creation time."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TenantMixin(IdMixin):
    """A row owned by one organisation; every query on it goes through ``access.scoped``."""

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Transactions are begun by _sqlite_begin below, not implicitly by the driver.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Execution option of connections (and so sessions) whose units of work only read.
READ_ONLY = "freight_read_only"


def _sqlite_begin(conn: Any) -> None:
    # A read-only unit of work begins deferred: in WAL mode it reads a snapshot and takes
    # no lock, so a slow or stalled reader blocks nobody. A writing one takes the write
    # lock up front: a deferred transaction that reads, then writes after another writer
    # committed fails at once with "database is locked" instead of waiting; IMMEDIATE
    # makes concurrent writers queue on the busy timeout, like row locks would.
    if conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN DEFERRED")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(settings: Settings) -> AsyncEngine:
    """Build the engine for the configured URL: SQLite file or a bounded PostgreSQL pool."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            echo=settings.db_echo,
            connect_args={"timeout": 30},
            pool_timeout=settings.db_pool_timeout_s,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        instrument_engine(engine)
        return engine
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+asyncpg")
    engine = create_async_engine(
        url,
        echo=settings.db_echo,
        poolclass=TimedQueuePool,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s,
        pool_pre_ping=settings.db_pool_pre_ping,
        pool_recycle=settings.db_pool_recycle_s,
    )
    instrument_engine(engine)
    return engine


def create_probe_engine(settings: Settings) -> AsyncEngine:
    """An engine of its own for the readiness probe: a fresh connection each time, no pool.

    A probe that queued on the app's pool would wait out the pool timeout while every
    connection is busy and then call a working database "down".
    """
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return create_async_engine(
            url, poolclass=NullPool, connect_args={"timeout": settings.ready_timeout_s}
        )
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+asyncpg")
    return create_async_engine(
        url, poolclass=NullPool, connect_args={"timeout": settings.ready_timeout_s}
    )


def create_session_factory(
    engine: AsyncEngine, *, read_only: bool = False
) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (``read_only``: that never write).

    A read-only session's transactions begin deferred on SQLite; they must not write, since
    a deferred transaction that read and then writes cannot wait for the lock.
    """
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False)


async def end_read(session: AsyncSession) -> None:
    """End the session's transaction before slow work (hashing, solving) so it holds no lock.

    Only for a unit of work that has written nothing yet; loaded objects stay usable, and
    the next statement begins a new transaction.
    """
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("end_read() with pending changes would commit them")
    await session.commit()


def pool_saturated(engine: AsyncEngine) -> bool:
    """True when every connection the pool may open is checked out (the next caller waits)."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return False
    return pool.checkedout() >= pool.size() + max(int(getattr(pool, "_max_overflow", 0)), 0)
