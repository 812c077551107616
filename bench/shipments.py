"""Hot-read benchmark: authenticated ``GET /api/shipments/{id}`` and the filtered lists.

Run it with::

    .venv/bin/python bench/shipments.py [--duration 15] [--connections 32] \\
        [--shipments 3000] [--workers 2] [--threads 1] [--json out.json] [--profile DIR]

It needs PostgreSQL at 127.0.0.1:5432 (trust auth, user ``postgres``), Redis at
127.0.0.1:6379 (db 12 is flushed) and Debian's ``wrk``. It creates a throwaway database,
migrates it, starts ``freight serve`` in production mode, seeds one organisation, a few
shipper accounts and N shipments through the API (reporting the create throughput), then
runs wrk against the health check (the ceiling), one shipment by id (rotating over every
seeded id) and two filtered lists, prints a table, and drops the database.

Target (design.md, performance budget): >= 2,000 req/s for the by-id read on PostgreSQL
with 2 workers; the script exits 1 when it misses it. ``--profile DIR`` records each
worker with py-spy (``.venv/bin/pip install py-spy``) during that run, as flame graphs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from harness import (
    Server,
    WrkResult,
    flush_redis,
    freight,
    production_env,
    require_wrk,
    run_wrk,
    serve,
    temp_database,
)

TARGET_RPS = 2000.0
CREDENTIALS = {"email": "bench@acme.example", "password": "correct-horse-battery-staple"}
HEALTH, BY_ID = "GET /api/health", "GET /api/shipments/{id}"
LISTS = ["/api/shipments?status=PENDING&limit=20", "/api/shipments?q=dallas&limit=20"]
# city: (state, lat, lng, postal code)
CITIES = {
    "Chicago": ("IL", 41.8781, -87.6298, "60607"),
    "Dallas": ("TX", 32.7767, -96.7970, "75201"),
    "Atlanta": ("GA", 33.7490, -84.3880, "30303"),
    "Los Angeles": ("CA", 34.0522, -118.2437, "90021"),
    "Houston": ("TX", 29.7604, -95.3698, "77002"),
    "Memphis": ("TN", 35.1495, -90.0490, "38103"),
    "Indianapolis": ("IN", 39.7684, -86.1581, "46225"),
    "Columbus": ("OH", 39.9612, -82.9988, "43215"),
    "Kansas City": ("MO", 39.0997, -94.5786, "64105"),
    "Denver": ("CO", 39.7392, -104.9903, "80202"),
    "Phoenix": ("AZ", 33.4484, -112.0740, "85003"),
    "Newark": ("NJ", 40.7357, -74.1724, "07102"),
    "Savannah": ("GA", 32.0809, -81.0912, "31401"),
    "Laredo": ("TX", 27.5306, -99.4803, "78040"),
    "Seattle": ("WA", 47.6062, -122.3321, "98104"),
    "Nashville": ("TN", 36.1627, -86.7816, "37203"),
}
EQUIPMENT = ["dry_van"] * 6 + ["reefer"] * 2 + ["flatbed"] * 2 + ["step_deck"]
SHIPPERS = ["Prairie Foods", "Lone Star Steel", "Peachtree Paper", "Pacific Produce"]


def _stop(kind: str, city: str, start: datetime, seq: int) -> dict[str, Any]:
    region, lat, lng, postal = CITIES[city]
    return {
        "kind": kind,
        "name": f"{city} {'DC' if kind == 'pickup' else 'Store'} #{seq}",
        "address": f"{100 + seq} Logistics Way",
        "city": city,
        "region": region,
        "postal_code": postal,
        "country": "US",
        "lat": lat,
        "lng": lng,
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=4)).isoformat(),
    }


def shipment_body(rng: random.Random, customer_id: str, seq: int) -> dict[str, Any]:
    """A load between two different hubs, picked up in the next days, delivered later."""
    origin, destination = rng.sample(sorted(CITIES), 2)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    pickup = now + timedelta(hours=rng.randint(12, 96))
    return {
        "customer_id": customer_id,
        "equipment_type": rng.choice(EQUIPMENT),
        "weight_kg": rng.randint(2_000, 20_000),
        "pieces": rng.randint(1, 30),
        "commodity": rng.choice(["Canned goods", "Paper rolls", "Steel coils", "Produce"]),
        "declared_value_cents": rng.randint(100_000, 10_000_000),
        "stops": [
            _stop("pickup", origin, pickup, seq),
            _stop("delivery", destination, pickup + timedelta(hours=rng.randint(20, 72)), seq),
        ],
    }


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    if response.status_code not in (200, 201, 202):
        raise RuntimeError(f"POST {path} -> {response.status_code}: {response.text[:300]}")
    data: dict[str, Any] = response.json()
    return data


async def seed(base_url: str, shipments: int, concurrency: int) -> list[str]:
    """Register an org, open shipper accounts, create shipments; return their ids."""
    rng = random.Random(20260302)  # noqa: S311 - benchmark data, not security
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        org = {"organization_name": "Acme Haulage", "full_name": "Bench Admin"}
        await _post(client, "/api/auth/register", {**org, **CREDENTIALS})
        signed_in = await _post(client, "/api/auth/login", CREDENTIALS)
        client.headers["Authorization"] = f"Bearer {signed_in['access_token']}"
        accounts = []
        for i, name in enumerate(SHIPPERS):
            account = {"name": name, "billing_email": f"ap{i}@shipper.example"}
            accounts.append(await _post(client, "/api/customers", account))
        bodies = [
            shipment_body(rng, accounts[i % len(accounts)]["id"], i) for i in range(shipments)
        ]
        gate = asyncio.Semaphore(concurrency)

        async def create(body: dict[str, Any]) -> str:
            async with gate:
                return str((await _post(client, "/api/shipments", body))["id"])

        started = time.perf_counter()
        ids = await asyncio.gather(*(create(b) for b in bodies))
        elapsed = time.perf_counter() - started
    rate = f"{shipments / elapsed:.0f} creates/s at concurrency {concurrency}"
    print(f"seeded {shipments} shipments, {len(accounts)} shippers in {elapsed:.1f} s ({rate})")
    return list(ids)


def fresh_token(base_url: str) -> str:
    """Log in again so no run outlives its 15-minute access token."""
    response = httpx.post(f"{base_url}/api/auth/login", json=CREDENTIALS)
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def start_profilers(server: Server, out: Path, seconds: int) -> list[subprocess.Popen[bytes]]:
    """py-spy, one per worker, sampling for the length of the run."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out.mkdir(parents=True, exist_ok=True)
    started = []
    for pid in server.worker_pids():
        cmd = f"{py_spy} record --pid {pid} --duration {seconds} --rate 250 --nonblocking"
        cmd += f" --output {out / f'worker-{pid}.svg'}"
        started.append(subprocess.Popen(cmd.split(), stdout=subprocess.DEVNULL))  # noqa: S603
    return started


async def prime(base_url: str, token: str, ids: list[str], concurrency: int) -> float:
    """Read every shipment once, so the by-id run measures the cached path it is about."""
    started = time.perf_counter()
    limit = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as client:

        async def get(shipment_id: str) -> None:
            async with limit:
                (await client.get(f"/api/shipments/{shipment_id}")).raise_for_status()

        await asyncio.gather(*(get(i) for i in ids))
    return time.perf_counter() - started


def measure(
    server: Server, ids: list[str], args: argparse.Namespace, workdir: Path
) -> list[WrkResult]:
    """Warm each endpoint briefly, then measure it for the full duration."""
    random.Random(7).shuffle(ids)  # noqa: S311
    runs = [(HEALTH, ["/api/health"], False), (BY_ID, [f"/api/shipments/{i}" for i in ids], True)]
    runs += [(f"GET {path}", [path], True) for path in LISTS]
    results = []
    for label, paths, auth in runs:
        token = fresh_token(server.base_url) if auth else ""
        if label == BY_ID:
            took = asyncio.run(prime(server.base_url, token, ids, args.seed_concurrency))
            print(f"  primed the cache with {len(ids)} shipments in {took:.1f} s", flush=True)
        wrk = partial(run_wrk, label, server.base_url, paths, token=token, workdir=workdir)
        wrk = partial(wrk, connections=args.connections, threads=args.threads)
        if args.warmup:
            wrk(duration_s=args.warmup)
        profile = args.profile and label == BY_ID
        profilers = start_profilers(server, Path(args.profile), args.duration) if profile else []
        cpu_before = server.cpu_seconds()
        result = wrk(duration_s=args.duration)
        result.cpu_ms_per_req = 1000 * (server.cpu_seconds() - cpu_before) / max(result.requests, 1)
        for profiler in profilers:
            profiler.wait()
        print(f"  {label}: {result.rps:,.0f} req/s", flush=True)
        results.append(result)
    return results


def print_table(results: list[WrkResult]) -> None:
    head = ["req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "cpu ms/req"]
    print(f"\n{'endpoint':<44}" + "".join(f"{h:>11}" for h in head))
    for r in results:
        cells = [f"{r.rps:,.0f}", *(f"{v:.2f}" for v in (r.p50_ms, r.p95_ms, r.p99_ms))]
        cells += [str(r.errors), f"{r.cpu_ms_per_req:.2f}"]
        print(f"{r.label:<44}" + "".join(f"{c:>11}" for c in cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured seconds before each")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (cores are scarce)")
    parser.add_argument("--shipments", type=int, default=3000, help="shipments to seed")
    parser.add_argument("--seed-concurrency", type=int, default=16, help="creates in flight")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--profile", metavar="DIR", help="py-spy flame graphs of the by-id run")
    args = parser.parse_args()
    require_wrk()
    with tempfile.TemporaryDirectory(prefix="freight-bench-") as tmp, temp_database() as db_url:
        workdir = Path(tmp)
        flush_redis()
        env = production_env(db_url, workdir)
        freight(env, "db", "upgrade", cwd=workdir)
        with serve(env, workdir, args.workers) as server:
            print(f"server {server.base_url}, {args.workers} workers; database {db_url}")
            ids = asyncio.run(seed(server.base_url, args.shipments, args.seed_concurrency))
            setup = f"wrk -t{args.threads} -c{args.connections}, {args.duration} s per run"
            print(f"{setup} after {args.warmup} s warm-up")
            results = measure(server, ids, args, workdir)
        flush_redis()
    print_table(results)
    by_id = next(r for r in results if r.label == BY_ID)
    ok = by_id.rps >= TARGET_RPS and by_id.errors == 0
    verdict = "MEETS" if ok else "MISSES"
    figures = f"{by_id.rps:,.0f} req/s, {by_id.errors} errors"
    print(f"\nverdict: {BY_ID} {figures} -> {verdict} the {TARGET_RPS:,.0f} req/s target")
    if args.json:
        report = {"args": vars(args), "target_rps": TARGET_RPS, "meets_target": ok}
        report["results"] = [asdict(r) for r in results]
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
