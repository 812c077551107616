"""Dispatch board benchmark: ``GET /app/dispatch`` with 500 pending loads and 300 free drivers.

Run it with::

    .venv/bin/python bench/board.py [--loads 500] [--drivers 300] [--requests 30] \\
        [--renders 5] [--database sqlite|postgres] [--json out.json]

It migrates a fresh database (a SQLite file by default; with ``--database postgres`` a
throwaway PostgreSQL database at 127.0.0.1:5432, trust auth, user ``postgres``, dropped
afterwards), starts ``freight serve`` in production mode with one worker and no Redis,
seeds one organisation through the API (shipper accounts, trucks, drivers positioned
around US freight hubs, pending loads picked up from a few hours ago to four days ahead),
then prints:

* the server's time for the whole board page (p50/p95 over ``--requests`` sequential
  requests, loopback, the HTML read in full) and for its live fragment;
* the page's size (raw, and gzip-compressed for comparison);
* Chromium's render (Debian's ``/usr/bin/chromium`` driven by Playwright): navigation to
  DOMContentLoaded and load, and to the moment the board's script has its rows (the
  ``board:ready`` performance mark), the median over ``--renders`` loads.

No target: the figures go in the README's benchmark table. Exits 1 only on errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from harness import freight, percentile, production_env, serve, temp_database

from shipments import CITIES, EQUIPMENT, SHIPPERS

CREDENTIALS = {"email": "bench@acme.example", "password": "correct-horse-battery-staple"}
CHROMIUM = "/usr/bin/chromium"
SEED = 20260310


def load_body(rng: random.Random, customer_id: str, seq: int) -> dict[str, Any]:
    """A load between two hubs, its pickup window opening from 6 h ago to 4 days ahead."""
    origin, destination = rng.sample(sorted(CITIES), 2)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    pickup = now + timedelta(hours=rng.randint(-6, 96))

    def stop(kind: str, city: str, start: datetime) -> dict[str, Any]:
        region, lat, lng, postal = CITIES[city]
        return {
            "kind": kind,
            "name": f"{city} {'DC' if kind == 'pickup' else 'Store'} #{seq}",
            "address": f"{100 + seq} Logistics Way",
            "city": city,
            "region": region,
            "postal_code": postal,
            "country": "US",
            "lat": lat + rng.uniform(-0.3, 0.3),
            "lng": lng + rng.uniform(-0.3, 0.3),
            "window_start": start.isoformat(),
            "window_end": (start + timedelta(hours=4)).isoformat(),
        }

    return {
        "customer_id": customer_id,
        "equipment_type": rng.choice(EQUIPMENT),
        "weight_kg": rng.randint(2_000, 20_000),
        "pieces": rng.randint(1, 30),
        "commodity": rng.choice(["Canned goods", "Paper rolls", "Steel coils", "Produce"]),
        "stops": [
            stop("pickup", origin, pickup),
            stop("delivery", destination, pickup + timedelta(hours=rng.randint(20, 72))),
        ],
    }


def driver_body(rng: random.Random, seq: int, vehicle: dict[str, Any]) -> dict[str, Any]:
    """An available driver near a hub, qualified for their truck's equipment and one more."""
    _, lat, lng, _ = CITIES[rng.choice(sorted(CITIES))]
    kinds = {vehicle["equipment_type"], rng.choice(EQUIPMENT)}
    return {
        "full_name": f"Driver {seq:03d} {rng.choice(['Lee', 'Diaz', 'Khan', 'Novak', 'Okafor'])}",
        "equipment_types": sorted(kinds),
        "status": "available",
        "home_lat": lat + rng.uniform(-1, 1),
        "home_lng": lng + rng.uniform(-1, 1),
        "hos_minutes_remaining": rng.randint(120, 4200),
        "vehicle_id": vehicle["id"],
    }


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    for _ in range(20):  # SQLite answers 503 "database busy" to a write it cannot lock
        response = await client.post(path, json=body)
        if response.status_code != 503:
            break
        await asyncio.sleep(0.2)
    if response.status_code not in (200, 201):
        raise RuntimeError(f"POST {path} -> {response.status_code}: {response.text[:300]}")
    data: dict[str, Any] = response.json()
    return data


async def seed(base_url: str, loads: int, drivers: int) -> None:
    """An organisation with shipper accounts, trucks, drivers and pending loads."""
    rng = random.Random(SEED)  # noqa: S311 - benchmark data, not security
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        org = {"organization_name": "Acme Haulage", "full_name": "Bench Dispatcher"}
        await _post(client, "/api/auth/register", {**org, **CREDENTIALS})
        token = (await _post(client, "/api/auth/login", CREDENTIALS))["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        accounts = [
            await _post(client, "/api/customers", {"name": n, "billing_email": f"ap{i}@x.example"})
            for i, n in enumerate(SHIPPERS)
        ]
        gate = asyncio.Semaphore(4)
        started = time.perf_counter()

        async def one(path: str, body: dict[str, Any]) -> dict[str, Any]:
            async with gate:
                return await _post(client, path, body)

        trucks = await asyncio.gather(
            *(
                one(
                    "/api/vehicles",
                    {
                        "number": f"T-{i:04d}",
                        "kind": "tractor",
                        "equipment_type": rng.choice(EQUIPMENT),
                        "capacity_kg": rng.choice([18_000, 20_000, 22_000]),
                    },
                )
                for i in range(drivers)
            )
        )
        await asyncio.gather(
            *(one("/api/drivers", driver_body(rng, i, t)) for i, t in enumerate(trucks))
        )
        bodies = [load_body(rng, accounts[i % len(accounts)]["id"], i) for i in range(loads)]
        await asyncio.gather(*(one("/api/shipments", b) for b in bodies))
    took = time.perf_counter() - started
    print(f"seeded {drivers} trucks and drivers and {loads} pending loads in {took:.1f} s")


def _set_cookies(response: httpx.Response) -> dict[str, str]:
    """The cookies a response sets (httpx keeps no Secure cookie for plain-HTTP URLs)."""
    pairs = (h.split(";", 1)[0].split("=", 1) for h in response.headers.get_list("set-cookie"))
    return {name.strip(): value for name, value in pairs}


def cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


async def web_session(base_url: str) -> dict[str, str]:
    """Sign in through the page's form; the session cookies."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        form = await client.get("/app/login")
        token = re.search(r'name="csrf_token" value="([^"]*)"', form.text)
        assert token, "no CSRF token on the sign-in page"
        jar = _set_cookies(form)
        done = await client.post(
            "/app/login",
            data={"csrf_token": token.group(1), **CREDENTIALS},
            headers=cookie_header(jar),
        )
        if done.status_code != 303:
            raise RuntimeError(f"sign-in failed: {done.status_code} {done.text[:200]}")
        return {**jar, **_set_cookies(done)}


async def server_times(base_url: str, cookies: dict[str, str], path: str, n: int) -> list[float]:
    """Wall time of ``n`` sequential GETs of ``path`` (ms), after two unmeasured ones."""
    times = []
    headers = cookie_header(cookies)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as client:
        for i in range(n + 2):
            started = time.perf_counter()
            response = await client.get(path)
            body = response.content
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200 or not body:
                raise RuntimeError(f"GET {path} -> {response.status_code}")
            if i >= 2:
                times.append(elapsed)
    return times


RENDER_JS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const mark = (name) => performance.getEntriesByName(name)[0]?.startTime ?? null;
  const ready = performance.getEntriesByName("board:ready")[0];
  return {
    response_end: nav.responseEnd,
    dom_content_loaded: nav.domContentLoadedEventEnd,
    load: nav.loadEventEnd,
    rows_ready: ready ? ready.startTime : null,
    script_start: mark("board:script"),
    filters_ms: mark("board:filtered") - mark("board:script"),
    map_ms: mark("board:ready") - mark("board:filtered"),
    rows: document.querySelectorAll("#pending-loads [data-shipment-id]").length,
  };
}"""


async def browser_times(base_url: str, n: int) -> list[dict[str, Any]]:
    """Chromium loading the board ``n`` times: navigation timings and the ready mark (ms)."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout
    from playwright.async_api import async_playwright

    out = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        page = await context.new_page()
        await page.goto(f"{base_url}/app/login")  # signed in as a person would
        await page.get_by_label("Email").fill(CREDENTIALS["email"])
        await page.get_by_label("Password").fill(CREDENTIALS["password"])
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(lambda u: "/app/login" not in u)
        for i in range(n + 1):
            await page.goto(f"{base_url}/app/dispatch", wait_until="load")
            with contextlib.suppress(PlaywrightTimeout):  # a board.js without the mark
                await page.wait_for_function(
                    "() => performance.getEntriesByName('board:ready').length > 0",
                    timeout=10_000,
                )
            figures = await page.evaluate(RENDER_JS)
            if i:  # the first load warms Chromium's caches of the static files
                out.append(figures)
        await browser.close()
    return out


@contextlib.contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "postgres":
        with temp_database("freight_bench_board") as url:
            yield url
    else:
        yield f"sqlite+aiosqlite:///{workdir / 'board.db'}"


def summary(label: str, values: list[float]) -> dict[str, float]:
    p50, p95 = percentile(values, 50), percentile(values, 95)
    print(f"  {label:<34} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   (n={len(values)})")
    return {"p50_ms": round(p50, 1), "p95_ms": round(p95, 1)}


async def measure(base_url: str, args: argparse.Namespace) -> dict[str, Any]:
    cookies = await web_session(base_url)
    headers = cookie_header(cookies)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as client:
        html = (await client.get("/app/dispatch")).content
    rows = html.count(b'<tr class="load-row"') or html.count(b'class="load-card"')
    report: dict[str, Any] = {
        "html_kb": round(len(html) / 1024, 1),
        "html_gzip_kb": round(len(gzip.compress(html)) / 1024, 1),
        "rows": rows,
    }
    print(f"\nGET /app/dispatch: {report['html_kb']} KB ({report['html_gzip_kb']} KB gzipped)")
    print(f"  rows in the page: {rows}")
    page = await server_times(base_url, cookies, "/app/dispatch", args.requests)
    report["page"] = summary("server, GET /app/dispatch", page)
    live = await server_times(base_url, cookies, "/app/dispatch/live", args.requests)
    report["live"] = summary("server, GET /app/dispatch/live", live)
    renders = await browser_times(base_url, args.renders)
    report["browser"] = {}
    keys = ("response_end", "script_start", "dom_content_loaded", "load", "rows_ready")
    for key in (*keys, "filters_ms", "map_ms"):
        values = [r[key] for r in renders if r[key] is not None]
        median = statistics.median(values) if values else float("nan")
        report["browser"][key] = round(median, 1)
        print(f"  Chromium {key.replace('_', ' '):<25} median {median:8.1f} ms")
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=500, help="pending loads to seed")
    parser.add_argument("--drivers", type=int, default=300, help="free drivers to seed")
    parser.add_argument("--requests", type=int, default=30, help="measured GETs per path")
    parser.add_argument("--renders", type=int, default=5, help="measured Chromium loads")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="freight-bench-board-") as tmp:
        workdir = Path(tmp)
        with database(args.database, workdir) as db_url:
            env = production_env(db_url, workdir)
            env.pop("FREIGHT_REDIS_URL")  # one worker: the in-process cache and fan-out
            freight(env, "db", "upgrade", cwd=workdir)
            with serve(env, workdir, workers=1) as server:
                print(f"server {server.base_url}, 1 worker; database {args.database}")
                asyncio.run(seed(server.base_url, args.loads, args.drivers))
                report = asyncio.run(measure(server.base_url, args))
    if args.json:
        report["args"] = vars(args)
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
