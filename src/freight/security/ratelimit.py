"""Rate limits with the ``limits`` library (in memory, or shared through Redis) and lockouts.

The API and tracking limits protect capacity, so when Redis is unavailable they fail
open to this process's own counters (each process then enforces the limit alone).
Login lockouts protect accounts, so they stay strict: see ``freight.security.lockouts``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from redis.asyncio import Redis

from freight.errors import RateLimited
from freight.observability.metrics import RATE_LIMITED
from freight.redis_guard import RedisGuard, RedisUnavailable
from freight.security.lockouts import Counters, MemoryCounters, RedisCounters
from freight.settings import Settings


class RateLimits:
    """The named limits Freight enforces, over one storage backend."""

    def __init__(
        self, settings: Settings, redis: Redis | None = None, guard: RedisGuard | None = None
    ) -> None:
        self.enabled = settings.rate_limit_enabled
        self._guard = guard or RedisGuard(settings.redis_breaker_cooldown_s)
        # A sliding-window counter: two counters per key instead of a list of every hit.
        self._local = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._shared: SlidingWindowCounterRateLimiter | None = None
        self._lockouts: Counters = MemoryCounters()
        if redis is not None:
            # Share the app's connection pool, so closing the app closes it.
            storage = RedisStorage(
                "async+redis://",
                implementation="redispy",
                key_prefix="freight:rl",
                connection_pool=redis.connection_pool,  # type: ignore[arg-type]
            )
            self._shared = SlidingWindowCounterRateLimiter(storage)
            self._lockouts = RedisCounters(redis, self._guard)
        self.login: RateLimitItem = parse(settings.rate_limit_login)
        self.api: RateLimitItem = parse(settings.rate_limit_api)
        self.tracking: RateLimitItem = parse(settings.rate_limit_tracking)
        self.places: RateLimitItem = parse(settings.rate_limit_places)

    async def _limiter_for(
        self, op: str, item: RateLimitItem, *identifiers: str
    ) -> tuple[SlidingWindowCounterRateLimiter, bool]:
        """Run ``op`` (``hit`` or ``test``) on the shared limiter, or this process's one when
        Redis is unavailable (fail open); returns the limiter used and its answer."""
        if self._shared is not None:
            shared = self._shared
            try:
                allowed = await self._guard.call(lambda: getattr(shared, op)(item, *identifiers))
                return shared, bool(allowed)
            except RedisUnavailable:
                pass
        return self._local, bool(await getattr(self._local, op)(item, *identifiers))

    async def check(self, item: RateLimitItem, *identifiers: str) -> None:
        """Raise ``RateLimited`` when the window for these identifiers is already full."""
        if self.enabled:
            await self._refuse_unless(
                *await self._limiter_for("test", item, *identifiers), item, *identifiers
            )

    async def hit(self, item: RateLimitItem, *identifiers: str) -> None:
        """Count one event against the window, raising when it was already full."""
        if self.enabled:
            await self._refuse_unless(
                *await self._limiter_for("hit", item, *identifiers), item, *identifiers
            )

    async def record(self, item: RateLimitItem, *identifiers: str) -> None:
        """Count one event without raising (for calls counted after they succeeded)."""
        if self.enabled:
            await self._limiter_for("hit", item, *identifiers)

    async def _refuse_unless(
        self,
        limiter: SlidingWindowCounterRateLimiter,
        allowed: bool,
        item: RateLimitItem,
        *identifiers: str,
    ) -> None:
        if not allowed:
            RATE_LIMITED.labels(self._scope(item)).inc()
            raise RateLimited(await self._retry_after(limiter, item, *identifiers))

    async def begin_login(self, *keys: Sequence[str]) -> None:
        """Count one login attempt for each key before it is evaluated; 429 when one is full.

        Raises ``RedisUnavailable`` (503) when the shared counters cannot be reached.
        """
        if not self.enabled:
            return
        wait = await self._lockouts.take(
            [_join(k) for k in keys], self.login.amount, self.login.get_expiry()
        )
        if wait:
            RATE_LIMITED.labels("login").inc()
            raise RateLimited(max(wait, 1))

    async def login_succeeded(self, *keys: Sequence[str]) -> None:
        """Give the attempt back: only failed logins count towards a lockout."""
        if self.enabled:
            await self._lockouts.give_back([_join(k) for k in keys])

    def _scope(self, item: RateLimitItem) -> str:
        """The limit's name, the ``scope`` label of refusals."""
        named = {
            "login": self.login,
            "api": self.api,
            "tracking": self.tracking,
            "places": self.places,
        }
        return next((name for name, limit in named.items() if limit is item), "other")

    async def _retry_after(
        self, limiter: SlidingWindowCounterRateLimiter, item: RateLimitItem, *identifiers: str
    ) -> int:
        try:
            stats = await self._guard.call(lambda: limiter.get_window_stats(item, *identifiers))
        except RedisUnavailable:
            return item.get_expiry()
        return max(math.ceil(stats.reset_time - time.time()), 1)

    async def reset(self) -> None:
        """Forget every count (used by tests and operators)."""
        await self._local.storage.reset()
        if self._shared is not None:
            shared = self._shared
            await self._guard.call(lambda: shared.storage.reset())
        await self._lockouts.reset()


def _join(key: Sequence[str]) -> str:
    """One counter name from its parts, e.g. ``login-email/a@b.example``."""
    return "/".join(key)
