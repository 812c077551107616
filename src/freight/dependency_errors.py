"""Which exceptions mean a dependency (database, Redis) is unavailable rather than a defect.

A request that meets one is answered 503 with ``Retry-After`` (see ``errors``): the client
should retry, and a load balancer should not read it as a bug.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

import asyncpg.exceptions  # type: ignore[import-untyped]
import redis.exceptions
from sqlalchemy import exc as sa

# Registered with the app's error handlers; each is classified by ``unavailable``.
DEPENDENCY_ERRORS: tuple[type[Exception], ...] = (
    sa.SQLAlchemyError,
    asyncpg.exceptions.PostgresError,
    redis.exceptions.RedisError,
    OSError,
)

BUSY_RETRY_AFTER_S = 2
DOWN_RETRY_AFTER_S = 5

# PostgreSQL refusing or dropping connections: shutting down, starting, out of slots.
_PG_DOWN = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
)
# SQLite's answers when the write lock could not be had within the busy timeout.
_SQLITE_BUSY = ("database is locked", "database is busy", "database table is locked")


@dataclass(frozen=True)
class Unavailable:
    dependency: str  # "database" or "Redis"
    state: str  # "busy" or "unreachable"
    retry_after_s: int


def _busy(dependency: str) -> Unavailable:
    return Unavailable(dependency, "busy", BUSY_RETRY_AFTER_S)


def _down(dependency: str) -> Unavailable:
    return Unavailable(dependency, "unreachable", DOWN_RETRY_AFTER_S)


def unavailable(exc: BaseException) -> Unavailable | None:
    """What ``exc`` says is unavailable, or None when it is an ordinary error (a defect)."""
    if isinstance(exc, sa.TimeoutError):  # no pooled connection came free in time
        return _busy("database")
    if isinstance(exc, sa.DBAPIError):
        if exc.connection_invalidated:
            return _down("database")
        message = str(exc.orig).lower()
        if isinstance(exc, sa.OperationalError) and any(m in message for m in _SQLITE_BUSY):
            return _busy("database")
        cause = exc.orig.__cause__ if exc.orig is not None else None
        return _down("database") if isinstance(cause, _PG_DOWN) else None
    if isinstance(exc, _PG_DOWN):
        return _down("database")
    if isinstance(exc, redis.exceptions.TimeoutError):
        return _busy("Redis")
    if isinstance(exc, redis.exceptions.ConnectionError):
        # A blocking pool with every connection in use says so after its timeout.
        busy = "no connection available" in str(exc).lower()
        return _busy("Redis") if busy else _down("Redis")
    if isinstance(exc, ConnectionError | socket.gaierror):  # refused, reset, unresolvable
        return _down("database")
    if isinstance(exc, TimeoutError):  # a connect that did not complete in time
        return _busy("database")
    return None
