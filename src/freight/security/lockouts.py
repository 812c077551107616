"""Login lockouts: each attempt is counted atomically before the password is checked.

Counting after a failed check let parallel guesses all pass the check before any was
recorded; here the attempt takes a slot first (one atomic increment per key, the
window starting at the first attempt), so at most ``limit`` attempts per window are
ever evaluated. A successful login gives its slots back: only failures lock.

With Redis the counters are shared by every process, and strict: when Redis cannot be
reached the login answers 503 rather than guessing unlimited (``RedisUnavailable``).
They survive a Redis restart only if Redis persists its data (``appendonly yes``; see
docs/operations.md).
"""

from __future__ import annotations

import math
import time
from typing import Protocol, cast

from redis.asyncio import Redis

from freight.redis_guard import RedisGuard

KEY_PREFIX = "freight:lockout:"

# Takes one slot per key; returns 0 when every key had room, else the longest wait (s).
_TAKE = """
local wait = 0
for _, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, ARGV[2]) end
  if n > tonumber(ARGV[1]) then
    local ttl = redis.call('TTL', key)
    if ttl < 0 then
      redis.call('EXPIRE', key, ARGV[2])
      ttl = tonumber(ARGV[2])
    end
    if ttl > wait then wait = ttl end
  end
end
return wait
"""
# Gives one slot back per key (a success); never below zero, never extends a window.
_GIVE_BACK = """
for _, key in ipairs(KEYS) do
  local n = tonumber(redis.call('GET', key) or '0')
  if n > 0 then redis.call('DECR', key) end
end
return 0
"""


class Counters(Protocol):
    async def take(self, keys: list[str], limit: int, window_s: int) -> int: ...
    async def give_back(self, keys: list[str]) -> None: ...
    async def reset(self) -> None: ...


class MemoryCounters:
    """One process's counters; atomic because nothing awaits between read and write."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}

    async def take(self, keys: list[str], limit: int, window_s: int) -> int:
        """Take a slot per key; the longest wait in seconds when one was full, else 0."""
        now = time.monotonic()
        wait = 0.0
        for key in keys:
            count, until = self._counts.get(key, (0, 0.0))
            if until <= now:
                count, until = 0, now + window_s
            count += 1
            self._counts[key] = (count, until)
            if count > limit:
                wait = max(wait, until - now)
        if len(self._counts) > 100_000:  # bound memory under a spray of new keys
            self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
        return math.ceil(wait)

    async def give_back(self, keys: list[str]) -> None:
        """Return one slot per key."""
        for key in keys:
            if key in self._counts:
                count, until = self._counts[key]
                self._counts[key] = (max(count - 1, 0), until)

    async def reset(self) -> None:
        """Forget every count."""
        self._counts.clear()


class RedisCounters:
    """Counters shared by every process, each an INCR with an expiry in one Lua script."""

    def __init__(self, redis: Redis, guard: RedisGuard) -> None:
        self._redis = redis
        self._guard = guard
        self._take = redis.register_script(_TAKE)
        self._give_back = redis.register_script(_GIVE_BACK)

    async def take(self, keys: list[str], limit: int, window_s: int) -> int:
        """Take a slot per key atomically; the longest wait when one was full, else 0."""
        names = [KEY_PREFIX + k for k in keys]
        wait = await self._guard.call(lambda: self._take(keys=names, args=[limit, window_s]))
        return int(cast(int, wait))

    async def give_back(self, keys: list[str]) -> None:
        """Return one slot per key."""
        names = [KEY_PREFIX + k for k in keys]
        await self._guard.call(lambda: self._give_back(keys=names, args=[]))

    async def reset(self) -> None:
        """Forget every count."""

        async def drop() -> None:
            async for key in self._redis.scan_iter(match=KEY_PREFIX + "*", count=1000):
                await self._redis.delete(key)

        await self._guard.call(drop)
