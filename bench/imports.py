"""What a 10,000-row CSV import of shipments costs: the dry run, the import, and again.

Run it with ``.venv/bin/python bench/imports.py [--rows 10000] [--database-url URL]``
(no server: the app runs in-process, by default on a throwaway SQLite file). It makes
one organisation with a shipper account, writes a shipments CSV of ``--rows`` loads
between a dozen cities (one stop by coordinates, the other placed by the embedded
geocoder from its city, as a spreadsheet from another system would be), and times
``POST /api/imports/shipments`` three times:

- ``dry run``: every row checked and booked in a transaction that is rolled back;
- ``import``: the same, committed 500 rows at a time (with each row's event);
- ``re-import``: the same file again: every row is skipped by its ``external_ref``.

It prints the seconds and rows per second of each, and the process's peak memory, and
exits 1 when a run does not create (or skip) every row. Issue 17 asks only that it
"finish in reasonable time"; there is no budget to miss.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from freight.app import create_app
from freight.settings import Settings

SEED = 20261207
CITIES = [
    ("Chicago", "IL", 41.8781, -87.6298),
    ("Dallas", "TX", 32.7767, -96.7970),
    ("Atlanta", "GA", 33.7490, -84.3880),
    ("Denver", "CO", 39.7392, -104.9903),
    ("Memphis", "TN", 35.1495, -90.0490),
    ("Columbus", "OH", 39.9612, -82.9988),
    ("Kansas City", "MO", 39.0997, -94.5786),
    ("Phoenix", "AZ", 33.4484, -112.0740),
    ("Nashville", "TN", 36.1627, -86.7816),
    ("Indianapolis", "IN", 39.7684, -86.1581),
    ("Omaha", "NE", 41.2565, -95.9345),
    ("Houston", "TX", 29.7604, -95.3698),
]
HEADER = [
    "external_ref",
    "customer",
    "equipment_type",
    "weight_kg",
    "pieces",
    "commodity",
    "pickup_city",
    "pickup_region",
    "pickup_window_start",
    "pickup_window_end",
    "delivery_city",
    "delivery_region",
    "delivery_lat",
    "delivery_lng",
    "delivery_window_start",
    "delivery_window_end",
]


def shipments_csv(rows: int, customer: str) -> bytes:
    """``rows`` loads a day or two apart in 2027, each with its own reference."""
    rng = random.Random(SEED)  # noqa: S311 (test data, not secrets)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for i in range(rows):
        origin, destination = rng.sample(CITIES, 2)
        day = 1 + i % 27
        writer.writerow(
            [
                f"BENCH-{i:06d}",
                customer,
                rng.choice(["dry_van", "reefer", "flatbed"]),
                rng.randrange(2_000, 20_000),
                rng.randrange(1, 30),
                "general freight",
                origin[0],
                origin[1],
                f"2027-11-{day:02d}T08:00:00-06:00",
                f"2027-11-{day:02d}T12:00:00-06:00",
                destination[0],
                destination[1],
                destination[2],
                destination[3],
                f"2027-11-{day + 2:02d}T08:00:00-06:00",
                f"2027-11-{day + 2:02d}T17:00:00-06:00",
            ]
        )
    return out.getvalue().encode()


def settings_for(database_url: str) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        auto_migrate=True,
        log_file=None,
        log_level="WARNING",
        rate_limit_api="1000000/minute",
        argon2_time_cost=1,
        argon2_memory_kib=8192,
        argon2_parallelism=1,
        worker_in_process=os.environ.get("BENCH_WORKER", "1") == "1",
    )


async def _signed_in(http: AsyncClient) -> dict[str, str]:
    email, password = "admin@bench.example", "bench-password-1"
    body = {"organization_name": "Bench", "email": email, "password": password}
    resp = await http.post("/api/auth/register", json=body | {"full_name": "B"})
    assert resp.is_success, resp.text
    login = await http.post("/api/auth/login", json={"email": email, "password": password})
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def _timed(http: AsyncClient, auth: dict[str, str], data: bytes, dry_run: bool) -> Any:
    started = time.perf_counter()
    resp = await http.post(
        "/api/imports/shipments",
        params={"dry_run": str(dry_run).lower()},
        headers=auth,
        files={"file": ("bench.csv", data, "text/csv")},
        timeout=600,
    )
    elapsed = time.perf_counter() - started
    assert resp.status_code == 200, resp.text
    return elapsed, resp.json()


async def run(rows: int, database_url: str) -> int:
    app = create_app(settings_for(database_url))
    failed = 0
    async with LifespanManager(app):
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://bench") as http:
            auth = await _signed_in(http)
            account = {"name": "Bench Shipper", "billing_email": "ap@bench.example"}
            customer = (await http.post("/api/customers", headers=auth, json=account)).json()
            data = shipments_csv(rows, customer["id"])
            print(f"shipments CSV: {rows:,} rows, {len(data) / 1e6:.1f} MB, on {database_url}")
            for label, dry_run, expect in (
                ("dry run", True, "created"),
                ("import", False, "created"),
                ("re-import", False, "skipped"),
            ):
                seconds, body = await _timed(http, auth, data, dry_run)
                ok = body[expect] == rows and not body["errors"]
                failed += not ok
                print(
                    f"  {label:<10} {seconds:7.1f} s  {rows / seconds:7.0f} rows/s  "
                    f"created {body['created']:,}  skipped {body['skipped']:,}  "
                    f"errors {len(body['errors'])}{'' if ok else '  FAILED'}"
                )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of this process: {peak_mb:.0f} MB")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", help="default: a throwaway SQLite file")
    args = parser.parse_args()
    if args.database_url:
        return asyncio.run(run(args.rows, args.database_url))
    with tempfile.TemporaryDirectory(prefix="freight-bench-") as folder:
        return asyncio.run(run(args.rows, f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"))


if __name__ == "__main__":
    sys.exit(main())
