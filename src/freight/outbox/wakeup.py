"""Waking workers in other processes at once over Redis (they poll anyway, just slower).

A process that committed events a job kind wants, or that queued jobs, publishes on a
channel of its Redis database; every worker process listens and runs a round. Without
Redis (the embedded default) the worker lives in the committing process and is woken
directly. A lost notice costs at most ``FREIGHT_OUTBOX_POLL_S`` of delay.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import structlog
from redis.asyncio import Redis

from freight.redis_guard import RedisGuard, RedisUnavailable

log = structlog.get_logger("freight.outbox")


def channel_for(redis: Redis) -> str:
    """The channel of this Redis database (pub/sub ignores database numbers)."""
    db = redis.connection_pool.connection_kwargs.get("db", 0)
    return f"freight:outbox:{db}"


class RedisWakeups:
    """Publish and (for a process that runs a worker) listen for wake-up notices."""

    def __init__(self, redis: Redis, guard: RedisGuard, on_wake: Callable[[], None]) -> None:
        self._redis = redis
        self._guard = guard
        self._on_wake = on_wake
        self._channel = channel_for(redis)
        self._task: asyncio.Task[None] | None = None

    async def publish(self) -> None:
        """Tell every worker process to look now; a Redis outage only costs latency."""
        with contextlib.suppress(RedisUnavailable):
            await self._guard.call(lambda: self._redis.publish(self._channel, b"1"))

    def listen(self) -> None:
        """Start listening in the background."""
        self._task = asyncio.create_task(self._listen(), name="outbox-wakeups")

    async def stop(self) -> None:
        """Stop listening."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _listen(self) -> None:
        failures = 0
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    failures = 0
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._on_wake()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # polling covers the outage; keep trying
                if failures == 0:
                    log.warning("outbox.wakeups_lost", error=type(exc).__name__)
                failures += 1
                await asyncio.sleep(1)
