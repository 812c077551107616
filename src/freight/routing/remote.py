"""A configured provider behind the ``Router`` interface: cached, guarded, never failing.

Points are rounded to 4 decimals (about 11 m) before they are sent, and answers are
cached under the rounded points in the app's cache (in-process, or Redis shared by
every process) for ``FREIGHT_ROUTER_CACHE_TTL_S``: a lane quoted once is answered from
the cache the next time, by any process. A leg the provider cannot answer is
estimated, labelled ``"estimate"``, logged (provider, reason, HTTP status; never a URL,
which may carry a key) and counted in ``freight_router_fallbacks_total``. After a
failure that is not about the points themselves, the provider is left alone for the
cool-down (or as long as a 429's ``Retry-After`` asks), so an outage costs one timeout,
not one per request. Fallbacks are not cached: the next call after the cool-down asks
again.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import structlog

from freight.cache import Cache
from freight.observability.metrics import ROUTER_DURATION, ROUTER_FALLBACKS
from freight.routing.estimate import EstimateRouter
from freight.routing.provider import Coord, Provider, RawTable, Unavailable
from freight.routing.router import Leg, Matrix, Point, Route, Source

log = structlog.get_logger("freight.routing")

DECIMALS = 4
MATRIX_CONCURRENCY = 4  # table requests in flight at once for one matrix
T = TypeVar("T")


def rounded(point: Point) -> Coord:
    """The point as it is sent and cached."""
    return Coord(round(point.lat, DECIMALS) + 0.0, round(point.lng, DECIMALS) + 0.0)


def _text(points: Sequence[Coord]) -> str:
    return ";".join(f"{p.lat:.{DECIMALS}f},{p.lng:.{DECIMALS}f}" for p in points)


class Breaker:
    """Leave an operation alone for a while after it failed (per process)."""

    def __init__(self, cooldown_s: float) -> None:
        self.cooldown_s = cooldown_s
        self._until: dict[str, float] = {}

    def is_open(self, operation: str) -> bool:
        """True while the operation is being left alone."""
        return time.monotonic() < self._until.get(operation, 0.0)

    def trip(self, operation: str, seconds: float | None = None) -> None:
        """Start (or extend) a cool-down: ``seconds`` when the provider said, else the default."""
        wait = self.cooldown_s if seconds is None else seconds
        self._until[operation] = max(self._until.get(operation, 0.0), time.monotonic() + wait)


class RemoteRouter:
    """``Router`` over a provider, with the cache, the breaker and the estimate behind it."""

    remote = True

    def __init__(
        self,
        provider: Provider,
        estimate: EstimateRouter,
        cache: Cache,
        *,
        variant: str,
        cache_ttl_s: int,
        cooldown_s: float,
    ) -> None:
        self.provider = provider
        self.name: Source = provider.name
        self.estimate = estimate
        self.cache = cache
        self.cache_ttl_s = cache_ttl_s
        self.breaker = Breaker(cooldown_s)
        # Answers differ by server and profile: both are in every key.
        self._prefix = f"route:{self.name}:{hashlib.sha256(variant.encode()).hexdigest()[:12]}"

    async def route(self, stops: Sequence[Point]) -> Route:
        """The legs between consecutive stops, asked at once."""
        pairs = list(itertools.pairwise(stops))
        legs = await asyncio.gather(*(self._leg(i, a, b) for i, (a, b) in enumerate(pairs, 1)))
        return Route(tuple(legs))

    async def _leg(self, sequence: int, a: Point, b: Point) -> Leg:
        start, end = rounded(a), rounded(b)
        key = f"{self._prefix}:leg:{_text([start, end])}"
        cached = _cached_leg(await self.cache.get(key), sequence, self.name)
        if cached is not None:
            return cached
        try:
            raw = await self._call("route", lambda: self.provider.leg(start, end))
        except Unavailable:
            return self.estimate.leg(a, b, sequence)
        km = raw.distance_m / 1000
        leg = Leg(sequence, sequence + 1, km, raw.duration_s, self.name, raw.polyline)
        value = {"km": leg.distance_km, "s": leg.duration_s, "line": leg.polyline}
        await self.cache.set(key, value, self.cache_ttl_s)
        return leg

    async def matrix(self, sources: Sequence[Point], targets: Sequence[Point]) -> Matrix:
        """Every source to every target, block by block; the estimate fills what is missing."""
        base = self.estimate.matrix_now(sources, targets)
        km, seconds, estimated = base.distance_km, base.duration_s, base.estimated
        src, tgt = [rounded(p) for p in sources], [rounded(p) for p in targets]
        size = self.provider.matrix_block
        limiter = asyncio.Semaphore(MATRIX_CONCURRENCY)

        async def fill(i: int, j: int) -> None:
            async with limiter:
                table = await self._block(src[i : i + size], tgt[j : j + size])
            if table is None:
                return
            metres = np.array(table.distance_m, dtype=np.float64)
            durations = np.array(table.duration_s, dtype=np.float64)
            found = ~(np.isnan(metres) | np.isnan(durations))
            rows, cols = metres.shape
            block = (slice(i, i + rows), slice(j, j + cols))
            km[block] = np.where(found, metres / 1000, km[block])
            seconds[block] = np.where(found, durations, seconds[block])
            estimated[block] &= ~found

        starts = itertools.product(range(0, len(src), size), range(0, len(tgt), size))
        await asyncio.gather(*(fill(i, j) for i, j in starts))
        return Matrix(km, seconds, estimated, self.name)

    async def _block(self, sources: list[Coord], targets: list[Coord]) -> RawTable | None:
        digest = hashlib.sha256(f"{_text(sources)}|{_text(targets)}".encode()).hexdigest()
        key = f"{self._prefix}:table:{digest[:32]}"
        cached = await self.cache.get(key)
        if isinstance(cached, dict) and "m" in cached and "s" in cached:
            return RawTable(cached["m"], cached["s"])
        try:
            table = await self._call("matrix", lambda: self.provider.table(sources, targets))
        except Unavailable:
            return None
        value = {"m": table.distance_m, "s": table.duration_s}
        await self.cache.set(key, value, self.cache_ttl_s)
        return table

    async def _call(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        """Ask the provider unless it is cooling down; count, log and re-raise a failure."""
        if self.breaker.is_open(operation):
            ROUTER_FALLBACKS.labels(self.name, "circuit_open").inc()
            raise Unavailable("circuit_open")
        started = time.perf_counter()
        try:
            return await call()
        except Unavailable as error:
            self._failed(operation, error)
            raise
        except Exception as error:  # a bug must not fail a quote: estimate, and say so loudly
            log.exception("router.error", provider=self.name, operation=operation)
            failure = Unavailable("bad_response")
            self._failed(operation, failure)
            raise failure from error
        finally:
            ROUTER_DURATION.labels(self.name, operation).observe(time.perf_counter() - started)

    def _failed(self, operation: str, error: Unavailable) -> None:
        if error.reason != "no_route":  # about these points only: the next ones may route
            self.breaker.trip(operation, error.retry_after_s)
        ROUTER_FALLBACKS.labels(self.name, error.reason).inc()
        log.warning(
            "router.fallback",
            provider=self.name,
            operation=operation,
            reason=error.reason,
            status=error.status,
            detail=error.detail,
            retry_after_s=error.retry_after_s,
        )

    async def aclose(self) -> None:
        """Close the provider's connections."""
        await self.provider.aclose()


def _cached_leg(value: Any, sequence: int, source: Source) -> Leg | None:
    """A leg from its cache entry (None for a miss or an entry of another shape)."""
    if not isinstance(value, dict):
        return None
    try:
        km, seconds, line = float(value["km"]), float(value["s"]), value.get("line")
    except (KeyError, TypeError, ValueError):
        return None
    return Leg(sequence, sequence + 1, km, seconds, source, line if isinstance(line, str) else None)
