"""GPS ingest benchmark: sustained positions per second through ``POST /api/tracking/positions``.

Run it with::

    .venv/bin/python bench/ingest.py [--duration 20] [--clients 16] [--batch 100] \\
        [--workers 2] [--warmup 3] [--json out.json] [--profile DIR]

It needs PostgreSQL at 127.0.0.1:5432 (trust auth, user ``postgres``) and Redis at
127.0.0.1:6379 (db 12 is flushed). It creates a throwaway database, starts ``freight serve``
in production mode with N workers, and, through the API, one organisation with one driver
per client, each holding a load that is IN_TRANSIT (so every batch is linked to a
shipment and runs the whole path: filters, batch insert, geofence, ETA, the driver and
shipment updates, cache invalidation and the live location). Each client then posts
batches of fixes at increasing timestamps (a truck doing 90 km/h, one fix a second, in
the past so none is from the future) as fast as the server answers, for a fixed time.

It prints accepted positions/s, p50/p95/p99 batch latency, the workers' CPU per batch and
the verdict against the design budget (>= 5,000 positions/s in batches of 100); it exits 1
when the target is missed or any batch fails. ``--osmand`` instead sends one fix per
request as the Traccar Client app does (``GET /api/tracking/osmand`` with a device
identifier per driver): the figures are then requests (fixes) per second, and it exits 1
only when a request fails (the batch target does not apply to one fix at a time).
``--profile DIR`` records each worker with py-spy (``.venv/bin/pip install py-spy``)
during the measured run, as collapsed stacks (one file per worker, for ``flamegraph.pl``
or speedscope.app).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from harness import Server, flush_redis, freight, percentile, production_env, serve, temp_database

TARGET = 5000.0
PASSWORD = "correct-horse-battery-staple"  # noqa: S105 (a throwaway database)
M_PER_DEG_LAT = 111_195.08
ORIGINS = [(41.8781, -87.6298), (39.7392, -104.9903), (39.9612, -82.9988), (35.1495, -90.0490)]


@dataclass
class Figures:
    batches: int = 0
    accepted: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any], **kw: Any) -> Any:
    resp = await client.post(path, json=body, **kw)
    if resp.status_code >= 300:
        raise RuntimeError(f"{path}: {resp.status_code} {resp.text}")
    return resp.json()


def _stop(kind: str, lat: float, lng: float, start: datetime) -> dict[str, Any]:
    return {
        "kind": kind,
        "city": "Bench",
        "lat": lat,
        "lng": lng,
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=4)).isoformat(),
    }


async def seed(base_url: str, drivers: int, devices: bool = False) -> list[tuple[str, str]]:
    """One organisation, and per client a driver with an IN_TRANSIT load: (token, start),
    the token being the driver's device identifier with ``devices``."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        org = {"organization_name": "Bench Haulage", "full_name": "Bench Admin"}
        credentials = {"email": "bench@acme.example", "password": PASSWORD}
        await _post(client, "/api/auth/register", {**org, **credentials})
        admin = await _post(client, "/api/auth/login", credentials)
        client.headers["Authorization"] = f"Bearer {admin['access_token']}"
        account = await _post(
            client, "/api/customers", {"name": "Prairie Foods", "billing_email": "ap@p.example"}
        )
        tomorrow = datetime.now(UTC) + timedelta(days=1)
        out = []
        for i in range(drivers):
            email = f"driver{i}@acme.example"
            user = await _post(
                client,
                "/api/users",
                {
                    "email": email,
                    "full_name": f"Driver {i}",
                    "role": "driver",
                    "password": PASSWORD,
                },
            )
            lat, lng = ORIGINS[i % len(ORIGINS)]
            driver = await _post(
                client,
                "/api/drivers",
                {
                    "user_id": user["id"],
                    "full_name": f"Driver {i}",
                    "status": "available",
                    "equipment_types": ["dry_van"],
                    "home_lat": lat,
                    "home_lng": lng,
                },
            )
            stops = [
                _stop("pickup", lat, lng, tomorrow),
                _stop("delivery", lat - 4, lng, tomorrow + timedelta(days=1)),
            ]
            load = await _post(
                client,
                "/api/shipments",
                {
                    "customer_id": account["id"],
                    "equipment_type": "dry_van",
                    "weight_kg": 9000,
                    "stops": stops,
                },
            )
            await _post(client, f"/api/shipments/{load['id']}/assign", {"driver_id": driver["id"]})
            login = await _post(client, "/api/auth/login", {"email": email, "password": PASSWORD})
            auth = {"Authorization": f"Bearer {login['access_token']}"}
            for status in ("PICKED_UP", "IN_TRANSIT"):
                await _post(
                    client,
                    f"/api/shipments/{load['id']}/transitions",
                    {"status": status},
                    headers=auth,
                )
            token = login["access_token"]
            if devices:
                path = f"/api/drivers/{driver['id']}/devices"
                token = (await _post(client, path, {"name": "bench"}))["identifier"]
            out.append((token, f"{lat},{lng}"))
        return out


class Truck:
    """A truck heading south at 90 km/h, five fixes a second, starting hours in the past."""

    STEP = timedelta(seconds=0.2)
    METRES = 5.0  # per step: 25 m/s = 90 km/h

    def __init__(self, start: str, hours_back: float) -> None:
        lat, lng = (float(v) for v in start.split(","))
        self.lat, self.lng = lat - 0.02, lng  # already on the road, out of the pickup fence
        self.at = datetime.now(UTC) - timedelta(hours=hours_back)

    def batch(self, n: int) -> list[dict[str, Any]]:
        fixes = []
        for _ in range(n):
            self.at += self.STEP
            self.lat -= self.METRES / M_PER_DEG_LAT
            fixes.append(
                {
                    "lat": round(self.lat, 7),
                    "lng": self.lng,
                    "recorded_at": self.at.isoformat(),
                    "speed_kmh": 90.0,
                    "heading": 180.0,
                    "accuracy_m": 8.0,
                }
            )
        return fixes


async def drive(
    client: httpx.AsyncClient, token: str, truck: Truck, size: int, until: float, fig: Figures
) -> None:
    """Post batches back to back until ``until`` (monotonic)."""
    headers = {"Authorization": f"Bearer {token}"}
    while time.monotonic() < until:
        started = time.perf_counter()
        if size == 0:  # the OsmAnd protocol: one fix per request, the identifier as id
            resp = await client.get("/api/tracking/osmand", params=osmand_params(token, truck))
        else:
            body = {"positions": truck.batch(size)}
            resp = await client.post("/api/tracking/positions", json=body, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if resp.status_code not in (200, 202):
            fig.errors += 1
            continue
        result = resp.json()
        fig.batches += 1
        fig.accepted += result["accepted"]
        for reason, n in result["dropped"].items():
            fig.dropped[reason] = fig.dropped.get(reason, 0) + n
        fig.latencies_ms.append(elapsed)


def osmand_params(identifier: str, truck: Truck) -> dict[str, str]:
    """The next fix as the Traccar Client app sends it (speed in knots, Unix seconds)."""
    [fix] = truck.batch(1)
    moment = datetime.fromisoformat(fix["recorded_at"])
    return {
        "id": identifier,
        "lat": str(fix["lat"]),
        "lon": str(fix["lng"]),
        "timestamp": f"{moment.timestamp():.1f}",
        "speed": f"{fix['speed_kmh'] / 1.852:.1f}",
        "bearing": "180",
        "accuracy": "8",
        "batt": "80",
    }


async def load(
    base_url: str, trucks: list[tuple[str, Truck]], size: int, seconds: float
) -> Figures:
    fig = Figures()
    limits = httpx.Limits(max_connections=len(trucks), max_keepalive_connections=len(trucks))
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
        until = time.monotonic() + seconds
        await asyncio.gather(*(drive(client, t, truck, size, until, fig) for t, truck in trucks))
    return fig


def start_profilers(server: Server, out: Path, seconds: int) -> list[subprocess.Popen[bytes]]:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out.mkdir(parents=True, exist_ok=True)
    cmds = [
        [
            py_spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(seconds),
            "--rate",
            "200",
            "--nonblocking",
            "--format",
            "raw",
            "--output",
            str(out / f"ingest-worker-{pid}.folded"),
        ]
        for pid in server.worker_pids()
    ]
    return [subprocess.Popen(c, stdout=subprocess.DEVNULL) for c in cmds]  # noqa: S603


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20, help="measured seconds")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured seconds first")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (drivers)")
    parser.add_argument("--batch", type=int, default=100, help="fixes per request")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--profile", metavar="DIR", help="py-spy flame graphs of the workers")
    parser.add_argument(
        "--osmand", action="store_true", help="one fix per request, as Traccar Client sends"
    )
    args = parser.parse_args()
    size = 0 if args.osmand else args.batch
    with tempfile.TemporaryDirectory(prefix="freight-bench-") as tmp, temp_database() as db_url:
        workdir = Path(tmp)
        flush_redis()
        env = production_env(db_url, workdir)
        freight(env, "db", "upgrade", cwd=workdir)
        with serve(env, workdir, args.workers) as server:
            print(f"server {server.base_url}, {args.workers} workers; database {db_url}")
            drivers = asyncio.run(seed(server.base_url, args.clients, devices=args.osmand))
            # Runway: 12 h back at five fixes a second is 216,000 fixes per truck.
            hours = 12.0
            trucks = [(token, Truck(start, hours)) for token, start in drivers]
            shape = "one OsmAnd fix per request" if args.osmand else f"batches of {args.batch}"
            print(f"{args.clients} clients, {shape}, {args.duration} s measured")
            asyncio.run(load(server.base_url, trucks, size, args.warmup))
            profilers = (
                start_profilers(server, Path(args.profile), args.duration) if args.profile else []
            )
            cpu_before = server.cpu_seconds()
            started = time.monotonic()
            fig = asyncio.run(load(server.base_url, trucks, size, args.duration))
            wall = time.monotonic() - started
            cpu = server.cpu_seconds() - cpu_before
            for p in profilers:
                p.wait()
        flush_redis()
    rate = fig.accepted / wall
    lat = fig.latencies_ms
    p50, p95, p99 = (percentile(lat, p) for p in (50, 95, 99))
    cpu_ms = 1000 * cpu / max(fig.batches, 1)
    print(
        f"\nbatches {fig.batches:,}  accepted {fig.accepted:,}  "
        f"dropped {sum(fig.dropped.values()):,}  "
        f"errors {fig.errors}  in {wall:.1f} s"
    )
    if any(fig.dropped.values()):
        print(f"dropped by reason     {fig.dropped}")
    print(f"accepted positions/s  {rate:,.0f}")
    print(f"batch latency ms      p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}")
    per_fix = cpu_ms * 1000 / (1 if args.osmand else args.batch)
    print(f"worker CPU per batch  {cpu_ms:.1f} ms ({per_fix:.0f} us per fix)")
    if args.osmand:
        print(f"\nverdict: {rate:,.0f} OsmAnd fixes/s, {fig.errors} errors")
        return 0 if fig.errors == 0 and not math.isnan(p50) else 1
    ok = rate >= TARGET and fig.errors == 0 and not math.isnan(p50)
    verdict = "MEETS" if ok else "MISSES"
    print(
        f"\nverdict: {rate:,.0f} positions/s, {fig.errors} errors -> {verdict} the "
        f"{TARGET:,.0f}/s target"
    )
    if args.json:
        out = {
            "args": vars(args),
            "target": TARGET,
            "meets_target": ok,
            "rate": rate,
            "p50_ms": p50,
            "p95_ms": p95,
            "p99_ms": p99,
            "cpu_ms_per_batch": cpu_ms,
            **{k: v for k, v in asdict(fig).items() if k != "latencies_ms"},
        }
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
