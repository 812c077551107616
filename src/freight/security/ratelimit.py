"""Rate limits with the ``limits`` library: in memory, or shared through Redis."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from redis.asyncio import Redis

from freight.errors import RateLimited
from freight.observability.metrics import RATE_LIMITED
from freight.settings import Settings


class RateLimits:
    """The named limits Freight enforces, over one storage backend."""

    def __init__(self, settings: Settings, redis: Redis | None = None) -> None:
        self.enabled = settings.rate_limit_enabled
        self.storage: Storage
        if redis is not None:
            # Share the app's connection pool, so closing the app closes it.
            self.storage = RedisStorage(
                "async+redis://",
                implementation="redispy",
                key_prefix="freight:rl",
                connection_pool=redis.connection_pool,  # type: ignore[arg-type]
            )
        else:
            self.storage = MemoryStorage()
        # A sliding-window counter: two counters per key instead of a list of every hit.
        self._limiter = SlidingWindowCounterRateLimiter(self.storage)
        self.login: RateLimitItem = parse(settings.rate_limit_login)
        self.api: RateLimitItem = parse(settings.rate_limit_api)
        self.tracking: RateLimitItem = parse(settings.rate_limit_tracking)

    async def check(self, item: RateLimitItem, *identifiers: str) -> None:
        """Raise ``RateLimited`` when the window for these identifiers is already full."""
        if not self.enabled:
            return
        if not await self._limiter.test(item, *identifiers):
            RATE_LIMITED.labels(self._scope(item)).inc()
            raise RateLimited(await self._retry_after(item, *identifiers))

    async def hit(self, item: RateLimitItem, *identifiers: str) -> None:
        """Count one event against the window, raising when it was already full."""
        if not self.enabled:
            return
        if not await self._limiter.hit(item, *identifiers):
            RATE_LIMITED.labels(self._scope(item)).inc()
            raise RateLimited(await self._retry_after(item, *identifiers))

    async def record(self, item: RateLimitItem, *identifiers: str) -> None:
        """Count one event without raising (for failures counted after the fact)."""
        if self.enabled:
            await self._limiter.hit(item, *identifiers)

    def _scope(self, item: RateLimitItem) -> str:
        """The limit's name, the ``scope`` label of refusals."""
        named = {"login": self.login, "api": self.api, "tracking": self.tracking}
        return next((name for name, limit in named.items() if limit is item), "other")

    async def _retry_after(self, item: RateLimitItem, *identifiers: str) -> int:
        stats = await self._limiter.get_window_stats(item, *identifiers)
        return math.ceil(stats.reset_time - time.time())

    async def reset(self) -> None:
        """Forget every count (used by tests and operators)."""
        await self.storage.reset()
