"""The Redis circuit breaker: one failure opens it, then calls fail at once until a probe."""

from __future__ import annotations

import asyncio
import time

import pytest
from prometheus_client import REGISTRY

from freight.redis_guard import CLOSED, OPEN, RedisGuard, RedisUnavailable, redis_client
from freight.settings import Settings
from tests.realtime.conftest import free_port


def state_value(state: str) -> float:
    value = REGISTRY.get_sample_value("freight_redis_breaker_state", {"state": state})
    assert value is not None
    return value


async def test_a_dead_redis_is_tried_once_then_skipped_until_the_cool_down_ends() -> None:
    settings = Settings(redis_timeout_s=0.2, redis_breaker_cooldown_s=0.3)
    redis = redis_client(settings, f"redis://127.0.0.1:{free_port()}/0")  # nothing listens
    guard = RedisGuard(settings.redis_breaker_cooldown_s)
    tried = 0

    async def ping() -> bool:
        nonlocal tried
        tried += 1
        return bool(await redis.ping())

    try:
        with pytest.raises(RedisUnavailable):
            await guard.call(ping)
        assert (guard.state, tried) == (OPEN, 1)
        assert state_value(OPEN) == 1 and state_value(CLOSED) == 0
        started = time.monotonic()
        for _ in range(100):
            with pytest.raises(RedisUnavailable) as refused:
                await guard.call(ping)
        assert tried == 1, "an open breaker must not touch Redis"
        assert time.monotonic() - started < 0.2  # microseconds each, generously bounded
        assert refused.value.status == 503 and refused.value.headers["Retry-After"] == "1"

        await asyncio.sleep(settings.redis_breaker_cooldown_s)
        # After the cool-down exactly one call probes; the others still fail fast.
        results = await asyncio.gather(
            *(guard.call(ping) for _ in range(5)), return_exceptions=True
        )
        assert tried == 2 and all(isinstance(r, RedisUnavailable) for r in results)
        assert guard.state == OPEN
    finally:
        await redis.aclose()


async def test_a_successful_probe_closes_the_breaker() -> None:
    guard = RedisGuard(cooldown_s=0.05)

    async def fail() -> None:
        raise ConnectionError("refused")

    async def ok() -> str:
        return "pong"

    with pytest.raises(RedisUnavailable):
        await guard.call(fail)
    await asyncio.sleep(0.06)
    assert await guard.call(ok) == "pong"
    assert guard.state == CLOSED and state_value(CLOSED) == 1
