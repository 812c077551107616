"""One cache interface: in-process (LRU with TTL) or Redis, with hit/miss/eviction counts.

A cache is never the only copy: with Redis unreachable a read is a miss and a write or
an invalidation is skipped (every entry has a lifetime, and the breaker keeps each
skipped call to microseconds once it is open).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from redis.asyncio import Redis

from freight.observability.metrics import CACHE_EVICTIONS, CACHE_HITS, CACHE_MISSES
from freight.redis_guard import RedisGuard, RedisUnavailable

log = structlog.get_logger("freight.cache")

KEY_PREFIX = "freight:cache:"
MAX_PENDING = 100_000  # beyond this, missed invalidations rely on the entries' lifetime
REINVALIDATE_AFTER_S = 0.5


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evictions: int = 0

    @property
    def hit_rate(self) -> float:
        """Hits over lookups (0 when there were none)."""
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class Cache(Protocol):
    stats: CacheStats

    async def get(self, key: str) -> Any | None: ...
    async def set(self, key: str, value: Any, ttl_s: int) -> None: ...
    async def set_many(self, items: dict[str, Any], ttl_s: int) -> None: ...
    async def delete(self, *keys: str) -> None: ...
    async def entries(self) -> int: ...


class MemoryCache:
    """A bounded LRU with per-entry expiry, for the single-process embedded default."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self.stats = CacheStats()
        self._data: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    async def get(self, key: str) -> Any | None:
        """The cached value, or None (expired entries count as misses)."""
        item = self._data.get(key)
        if item is None or item[0] < time.monotonic():
            if item is not None:
                del self._data[key]
            self.stats.misses += 1
            CACHE_MISSES.labels("memory").inc()
            return None
        self._data.move_to_end(key)
        self.stats.hits += 1
        CACHE_HITS.labels("memory").inc()
        return item[1]

    async def set(self, key: str, value: Any, ttl_s: int) -> None:
        """Store a value; the least recently used entry goes when full."""
        self._data[key] = (time.monotonic() + ttl_s, value)
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)
            self.stats.evictions += 1
            CACHE_EVICTIONS.labels("memory").inc()

    async def set_many(self, items: dict[str, Any], ttl_s: int) -> None:
        """Store several values with one expiry."""
        for key, value in items.items():
            await self.set(key, value, ttl_s)

    async def delete(self, *keys: str) -> None:
        """Forget these keys."""
        for key in keys:
            self._data.pop(key, None)

    async def entries(self) -> int:
        """How many entries are held."""
        return len(self._data)


class RedisCache:
    """JSON values in Redis, shared by every process (so an invalidation reaches them all)."""

    def __init__(self, redis: Redis, guard: RedisGuard | None = None) -> None:
        self.redis = redis
        self.guard = guard or RedisGuard(5.0)
        self.stats = CacheStats()
        # Invalidations Redis missed: retried first thing once it answers again, and
        # read as misses meanwhile, so a frozen Redis cannot serve a dropped entry later.
        self._pending: set[str] = set()

    async def _retry_pending(self) -> None:
        """Send the invalidations Redis missed (a no-op while the breaker is open)."""
        if not self._pending or not self.guard.available:
            return
        names = list(self._pending)
        try:
            await self.guard.call(lambda: self.redis.delete(*names))
        except RedisUnavailable:
            return
        self._pending.difference_update(names)

    async def get(self, key: str) -> Any | None:
        """The cached value, or None (also when Redis cannot be reached)."""
        await self._retry_pending()
        if KEY_PREFIX + key in self._pending:
            raw = None
        else:
            raw = await self._get(key)
        if raw is None:
            self.stats.misses += 1
            CACHE_MISSES.labels("redis").inc()
            return None
        self.stats.hits += 1
        CACHE_HITS.labels("redis").inc()
        return json.loads(raw)

    async def _get(self, key: str) -> bytes | str | None:
        """The raw value, or None when absent or Redis cannot be reached."""
        try:
            raw: bytes | str | None = await self.guard.call(
                lambda: self.redis.get(KEY_PREFIX + key)
            )
        except RedisUnavailable:
            return None
        return raw

    async def set(self, key: str, value: Any, ttl_s: int) -> None:
        """Store a JSON-serialisable value with an expiry (skipped when Redis is away)."""
        raw = json.dumps(value, default=str)
        with contextlib.suppress(RedisUnavailable):
            await self.guard.call(lambda: self.redis.set(KEY_PREFIX + key, raw, ex=ttl_s))

    async def set_many(self, items: dict[str, Any], ttl_s: int) -> None:
        """Store several values with one expiry, in one round trip."""
        if not items:
            return
        pipe = self.redis.pipeline(transaction=False)
        for key, value in items.items():
            pipe.set(KEY_PREFIX + key, json.dumps(value, default=str), ex=ttl_s)
        with contextlib.suppress(RedisUnavailable):
            await self.guard.call(pipe.execute)

    async def delete(self, *keys: str) -> None:
        """Forget these keys everywhere.

        When Redis is away the entries are gone with it, or (a frozen Redis) they expire
        within the cache lifetime; the write that asked for this has committed already.
        """
        if not keys:
            return
        names = [KEY_PREFIX + k for k in keys]
        try:
            await self.guard.call(lambda: self.redis.delete(*names))
        except RedisUnavailable:
            log.warning("cache.invalidation_deferred", keys=len(keys))
            if len(self._pending) < MAX_PENDING:
                self._pending.update(names)

    async def entries(self) -> int:
        """Approximate entry count (keys under the cache prefix; evictions are Redis's own)."""

        async def count() -> int:
            found = 0
            async for _ in self.redis.scan_iter(match=KEY_PREFIX + "*", count=1000):
                found += 1
            return found

        try:
            return await self.guard.call(count)
        except RedisUnavailable:
            return 0


# What a committed batch of events makes stale: the cache keys to drop.
StaleKeys = Callable[[Sequence[Any]], Iterable[str]]


class Invalidator:
    """Event-bus subscriber that drops the cache entries a committed batch made stale.

    Each source names the keys of what its domain's events changed. It deletes twice: at
    once, and again shortly after, because a reader that loaded the old row just before
    the commit may store it after the first delete. With Redis the cache is shared, so
    deleting in the process that committed is enough for every process.
    """

    def __init__(self, cache: Cache, *sources: StaleKeys) -> None:
        self.cache = cache
        self.sources = sources
        self._later: set[asyncio.Task[None]] = set()

    async def __call__(self, batch: Sequence[Any]) -> None:
        keys = sorted({key for source in self.sources for key in source(batch)})
        if not keys:
            return
        await self.cache.delete(*keys)
        task = asyncio.create_task(self._again(keys))
        self._later.add(task)
        task.add_done_callback(self._later.discard)

    async def _again(self, keys: list[str]) -> None:
        await asyncio.sleep(REINVALIDATE_AFTER_S)
        await self.cache.delete(*keys)

    async def close(self) -> None:
        """Drop the pending second deletes (the app is stopping; entries expire anyway)."""
        for task in list(self._later):
            task.cancel()
        await asyncio.gather(*self._later, return_exceptions=True)
