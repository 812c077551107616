"""The app's Redis client, over a pool that waits for a free connection instead of failing."""

from __future__ import annotations

from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis

from freight.settings import Settings


def create_redis(settings: Settings, **connection: Any) -> Redis | None:
    """A client for ``FREIGHT_REDIS_URL`` (None without one); ``connection``: connection options.

    redis-py's default pool raises at once when its connections are all in use; a
    blocking pool lets the caller wait up to ``redis_pool_timeout_s`` for one, then raises
    ``ConnectionError`` (answered 503).
    """
    if not settings.redis_url:
        return None
    pool = BlockingConnectionPool.from_url(
        settings.redis_url,
        max_connections=settings.redis_pool_size,
        timeout=settings.redis_pool_timeout_s,
        **connection,
    )
    return Redis.from_pool(pool)
