"""What routing costs on the quote path and for a dispatch matrix.

Run it with ``.venv/bin/python bench/routing.py`` (no server, no PostgreSQL: the app runs
in-process on a throwaway SQLite file, the routing provider is the test suite's OSRM
stand-in on a local port). It reports ``POST /api/quotes`` latency (p50, p95) with

- ``estimate``: the embedded default, no network;
- ``osrm cached``: one lane quoted again and again (the leg comes from the cache);
- ``osrm cold``: a new lane each time (one HTTP round trip to the stand-in per quote);
- ``osrm down``: nothing listening (the first quote falls back, the rest skip the
  provider during the cool-down);

and a 1,000 x 1,000 distance matrix from the estimate and from the stand-in (400 table
requests of 50 x 50, four at a time), then again from the cache. The stand-in answers in
microseconds, so ``osrm cold`` is Freight's own overhead, not a real engine's time.
Target: the cached quote within 2 ms (p50) of the estimate's; it exits 1 when it misses.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asgi_lifespan import LifespanManager
from harness import ROOT, free_port, percentile
from httpx import ASGITransport, AsyncClient

from freight.app import create_app
from freight.cache import MemoryCache
from freight.routing.configure import build_router
from freight.settings import Settings

sys.path.insert(0, str(ROOT))  # the test suite's OSRM stand-in
from tests.routing import engines

QUOTES = 300
TARGET_MS = 2.0
CHICAGO, DALLAS = (41.8781, -87.6298), (32.7767, -96.7970)


@dataclass(frozen=True)
class Spot:
    lat: float
    lng: float


RATES = {"currency": "USD", "per_km_cents": {"dry_van": 195}, "minimum_charge_cents": 35_000}


def settings_for(folder: Path, **routing: Any) -> Settings:
    return Settings(
        env="test",
        database_url=f"sqlite+aiosqlite:///{folder / 'bench.db'}",
        auto_migrate=True,
        log_file=None,
        log_level="WARNING",
        rate_limit_api="1000000/minute",
        argon2_time_cost=1,
        argon2_memory_kib=8192,
        argon2_parallelism=1,
        **routing,
    )


Lane = Callable[[int], list[dict[str, float]]]


async def quote_latencies(settings: Settings, lane: Lane) -> list[float]:
    app = create_app(settings)
    async with LifespanManager(app):
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://bench") as http:
            email, password = "admin@bench.example", "bench-password-1"
            body = {"organization_name": "Bench", "email": email, "password": password}
            resp = await http.post("/api/auth/register", json=body | {"full_name": "B"})
            assert resp.is_success, resp.text
            login = await http.post("/api/auth/login", json={"email": email, "password": password})
            auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
            assert (await http.put("/api/billing/rates", headers=auth, json=RATES)).is_success
            times = []
            for i in range(QUOTES + 10):
                request = {"equipment_type": "dry_van", "stops": lane(i)}
                started = time.perf_counter()
                resp = await http.post("/api/quotes", headers=auth, json=request)
                elapsed = (time.perf_counter() - started) * 1000
                assert resp.status_code == 200, resp.text
                if i >= 10:  # warm-up
                    times.append(elapsed)
    return times


def same_lane(_: int) -> list[dict[str, float]]:
    return [{"lat": CHICAGO[0], "lng": CHICAGO[1]}, {"lat": DALLAS[0], "lng": DALLAS[1]}]


def new_lane(i: int) -> list[dict[str, float]]:
    start = {"lat": CHICAGO[0] + i * 0.001, "lng": CHICAGO[1]}  # another leg, not cached
    return [start, {"lat": DALLAS[0], "lng": DALLAS[1]}]


def report(name: str, times: list[float]) -> float:
    p50, p95 = percentile(times, 50), percentile(times, 95)
    print(f"  {name:<14} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms")
    return p50


async def matrix_timings(url: str) -> None:
    rng = random.Random(7)  # noqa: S311 (a fixed sample, not a secret)
    points = [Spot(30 + rng.random() * 15, -120 + rng.random() * 45) for _ in range(2000)]
    sources, targets = points[:1000], points[1000:]
    settings = Settings(router="osrm", router_url=url, router_timeout_s=10)
    estimate = build_router(Settings(), MemoryCache())
    started = time.perf_counter()
    await estimate.matrix(sources, targets)
    print(f"  matrix 1,000 x 1,000 estimate     {(time.perf_counter() - started) * 1000:8.0f} ms")
    router = build_router(settings, MemoryCache(max_entries=100_000))
    for label in ("osrm stand-in", "osrm cached"):
        started = time.perf_counter()
        matrix = await router.matrix(sources, targets)
        elapsed = (time.perf_counter() - started) * 1000
        estimated = matrix.estimated_pairs
        print(f"  matrix 1,000 x 1,000 {label:<13} {elapsed:8.0f} ms  ({estimated} estimated)")
    await router.aclose()


async def main() -> int:
    with tempfile.TemporaryDirectory() as folder, engines.osrm() as osrm:
        print(f"POST /api/quotes, {QUOTES} sequential quotes, in-process (SQLite)")
        p50 = {}
        plain = settings_for(Path(folder))
        p50["estimate"] = report("estimate", await quote_latencies(plain, same_lane))
        for name, lane in (("osrm cached", same_lane), ("osrm cold", new_lane)):
            sub = Path(folder) / name.replace(" ", "_")
            sub.mkdir()
            settings = settings_for(sub, router="osrm", router_url=osrm.url)
            p50[name] = report(name, await quote_latencies(settings, lane))
        sub = Path(folder) / "down"
        sub.mkdir()
        down = settings_for(sub, router="osrm", router_url=f"http://127.0.0.1:{free_port()}")
        report("osrm down", await quote_latencies(down, new_lane))
        await matrix_timings(osrm.url)
    overhead = p50["osrm cached"] - p50["estimate"]
    print(f"cached-lane overhead over the estimate: {overhead:.2f} ms (target < {TARGET_MS} ms)")
    return 0 if overhead < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
