"""Two small in-process guards for a geocoding server: a TTL + LRU cache and a rate budget.

Both live in one process (each worker process has its own) and need no lock (they are
only used from the event loop): a full cache forgets its least recently used answer, an
exhausted budget makes a caller wait a little or says no at once, never queues forever.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")
Clock = Callable[[], float]


class TtlLru(Generic[K, V]):
    """At most ``max_entries`` answers, each for ``ttl_s`` seconds, least recently used out."""

    def __init__(self, max_entries: int, ttl_s: float, clock: Clock = time.monotonic) -> None:
        self.max_entries = max_entries
        self.ttl_s = ttl_s
        self._clock = clock
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K) -> V | None:
        """The answer kept for ``key``, or None when there is none or it expired."""
        item = self._items.get(key)
        if item is None:
            return None
        expires, value = item
        if self._clock() >= expires:
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V, ttl_s: float | None = None) -> None:
        """Keep ``value`` for ``key`` (``ttl_s``, else the default), forgetting the least
        recently used answer when full."""
        self._items[key] = (self._clock() + (self.ttl_s if ttl_s is None else ttl_s), value)
        self._items.move_to_end(key)
        while len(self._items) > self.max_entries:
            self._items.popitem(last=False)


class Budget:
    """A token bucket: ``rate_per_s`` requests a second on average, ``burst`` at once.

    A request may wait for its turn, but only so long: one whose turn is further off than
    the caller allows is refused at once (and takes nothing), so callers never pile up.
    """

    def __init__(
        self, rate_per_s: float, burst: float | None = None, clock: Clock = time.monotonic
    ):
        self.rate_per_s = rate_per_s
        self.burst = max(1.0, rate_per_s if burst is None else burst)
        self._clock = clock
        self._tokens = self.burst  # below zero: turns already promised to waiting callers
        self._at = clock()

    def reserve(self, max_wait_s: float = 0.0) -> float | None:
        """Book a turn: the seconds until it comes (0 for now), or None when that is longer
        than ``max_wait_s``."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate_per_s)
        self._at = now
        wait = max(0.0, (1.0 - self._tokens) / self.rate_per_s)
        if wait > max_wait_s:
            return None
        self._tokens -= 1.0
        return wait

    async def take(self, max_wait_s: float = 0.0) -> bool:
        """Wait for a turn (at most ``max_wait_s``); False, at once, when it is further off."""
        wait = self.reserve(max_wait_s)
        if wait is None:
            return False
        if wait > 0:
            await asyncio.sleep(wait)
        return True
