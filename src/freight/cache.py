"""One cache interface: in-process (LRU with TTL) or Redis, with hit/miss/eviction counts."""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

from redis.asyncio import Redis

from freight.observability.metrics import CACHE_EVICTIONS, CACHE_HITS, CACHE_MISSES

KEY_PREFIX = "freight:cache:"


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

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.stats = CacheStats()

    async def get(self, key: str) -> Any | None:
        """The cached value, or None."""
        raw = await self.redis.get(KEY_PREFIX + key)
        if raw is None:
            self.stats.misses += 1
            CACHE_MISSES.labels("redis").inc()
            return None
        self.stats.hits += 1
        CACHE_HITS.labels("redis").inc()
        return json.loads(raw)

    async def set(self, key: str, value: Any, ttl_s: int) -> None:
        """Store a JSON-serialisable value with an expiry."""
        await self.redis.set(KEY_PREFIX + key, json.dumps(value, default=str), ex=ttl_s)

    async def set_many(self, items: dict[str, Any], ttl_s: int) -> None:
        """Store several values with one expiry, in one round trip."""
        if not items:
            return
        pipe = self.redis.pipeline(transaction=False)
        for key, value in items.items():
            pipe.set(KEY_PREFIX + key, json.dumps(value, default=str), ex=ttl_s)
        await pipe.execute()

    async def delete(self, *keys: str) -> None:
        """Forget these keys everywhere."""
        if keys:
            await self.redis.delete(*(KEY_PREFIX + k for k in keys))

    async def entries(self) -> int:
        """Approximate entry count (keys under the cache prefix; evictions are Redis's own)."""
        count = 0
        async for _ in self.redis.scan_iter(match=KEY_PREFIX + "*", count=1000):
            count += 1
        return count
