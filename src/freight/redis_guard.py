"""The app's Redis client, and a circuit breaker so a dead Redis costs microseconds.

Redis holds nothing the API cannot do without (cache, rate-limit counters, fan-out),
so every use goes through ``RedisGuard.call``: after a connection error or a timeout
the breaker opens and calls fail at once with ``RedisUnavailable`` for a cool-down;
then one call probes, and its outcome closes or re-opens the breaker. Callers decide
what "unavailable" means for them (a cache miss, an in-process count, a 503).
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from prometheus_client import Counter, Gauge
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from freight.errors import ServiceUnavailable
from freight.settings import Settings

log = structlog.get_logger("freight.redis")
T = TypeVar("T")

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
STATES = (CLOSED, OPEN, HALF_OPEN)
BREAKER_STATE = Gauge(
    "freight_redis_breaker_state",
    "Processes whose Redis circuit breaker is in this state",
    ["state"],
    multiprocess_mode="livesum",
)
BREAKER_TRANSITIONS = Counter(
    "freight_redis_breaker_transitions_total", "Redis circuit breaker state changes", ["to"]
)
BREAKER_REJECTED = Counter(
    "freight_redis_breaker_rejected_total", "Redis calls refused at once by the open breaker"
)
for _state in STATES:
    BREAKER_TRANSITIONS.labels(_state)

# What an outage looks like; a ResponseError (a bug, a wrong type) is not one.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    OSError,
    TimeoutError,
)


class RedisUnavailable(ServiceUnavailable):
    """Redis is needed for this answer and cannot be reached: 503, try again shortly."""

    def __init__(self, retry_after_s: int = 5) -> None:
        super().__init__(
            "a backing service is unavailable; try again shortly", retry_after_s=retry_after_s
        )


class RedisGuard:
    """A circuit breaker around one Redis client (closed, open for a cool-down, half-open)."""

    def __init__(self, cooldown_s: float) -> None:
        self.cooldown_s = cooldown_s
        self.state = CLOSED
        self._opened_at = 0.0
        self._probing = False
        self._show(CLOSED)

    @property
    def available(self) -> bool:
        """Whether a call would be attempted now (closed, or a probe is due)."""
        if self.state == CLOSED:
            return True
        return not self._probing and time.monotonic() - self._opened_at >= self.cooldown_s

    async def call(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Run one Redis operation, or raise ``RedisUnavailable`` at once while open."""
        probe = False
        if self.state != CLOSED:
            if not self.available:
                BREAKER_REJECTED.inc()
                raise RedisUnavailable(self._retry_after)
            # Only this call probes; the others keep failing fast until it is answered.
            probe = self._probing = True
            self._move(HALF_OPEN)
        try:
            result = await fn()
        except OUTAGE_ERRORS as exc:
            self._opened_at = time.monotonic()
            if self.state != OPEN:
                log.warning("redis.breaker_open", error=type(exc).__name__)
            self._move(OPEN)
            raise RedisUnavailable(self._retry_after) from exc
        finally:
            if probe:
                self._probing = False
        if self.state != CLOSED:
            log.info("redis.breaker_closed")
            self._move(CLOSED)
        return result

    @property
    def _retry_after(self) -> int:
        """Seconds a client should wait: the cool-down, at least one."""
        return max(1, math.ceil(self.cooldown_s))

    def _move(self, state: str) -> None:
        if state != self.state:
            BREAKER_TRANSITIONS.labels(state).inc()
        self.state = state
        self._show(state)

    @staticmethod
    def _show(state: str) -> None:
        for name in STATES:
            BREAKER_STATE.labels(name).set(1 if name == state else 0)


def redis_client(settings: Settings, url: str) -> Redis:
    """The app's Redis client: short timeouts, a bounded blocking pool, checked connections.

    A frozen Redis costs at most ``FREIGHT_REDIS_TIMEOUT_S`` per call before the breaker
    opens; a pooled connection idle longer than the health-check interval is pinged
    before use (stale ones after a Redis restart are replaced, not failed); a
    connection error is retried once after a short backoff; a full pool waits at
    most ``FREIGHT_REDIS_POOL_TIMEOUT_S`` instead of failing at once.
    """
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=settings.redis_pool_size,
        timeout=settings.redis_pool_timeout_s,
        socket_timeout=settings.redis_timeout_s,
        socket_connect_timeout=settings.redis_timeout_s,
        health_check_interval=settings.redis_health_check_interval_s,
        retry=Retry(ExponentialBackoff(cap=0.05, base=0.01), retries=1),
        retry_on_error=[RedisConnectionError],
    )
    return Redis.from_pool(pool)  # the client owns the pool: closing it closes them
