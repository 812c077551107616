"""Outbox benchmark: delay from commit to webhook receipt, and deliveries per second.

Run it with::

    .venv/bin/python bench/outbox.py [--events 200] [--rate 20] [--backlog 500] \\
        [--endpoints 4] [--json out.json]

It needs PostgreSQL at 127.0.0.1:5432 (trust auth, user ``postgres``) and Redis at
127.0.0.1:6379 (db 12 is flushed; ``FREIGHT_BENCH_REDIS_URL`` picks another). It makes a
throwaway database, serves the API in production mode with the in-process worker off,
and runs two ``freight worker`` processes; the webhook receiver is an aiohttp server in
this process that answers 200 and notes when each delivery arrived.

1. **Delay**: with both workers running, ``--events`` shipments are booked through the
   API at ``--rate`` per second, each a ``shipment.created`` event for one endpoint.
   The delay is from the event's time (recorded inside the booking's transaction, just
   before its commit) to the receipt of its delivery, so it is the commit-to-receipt
   delay plus the rest of the booking's transaction (a few ms): an upper bound.
2. **Throughput**: the workers are stopped, ``--backlog`` bookings are made with
   ``--endpoints`` endpoints subscribed (backlog x endpoints deliveries), and two fresh
   workers drain them; deliveries/s is counted from the first receipt to the last.

Every delivery must arrive exactly once (by ``webhook-id``); it exits 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from collections import Counter
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web
from harness import (
    flush_redis,
    free_port,
    freight,
    percentile,
    production_env,
    serve,
    temp_database,
)

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 (a throwaway database)


class Receiver:
    """Answers 200 and notes each delivery's arrival (wall clock, as the event's time is)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.arrivals: list[tuple[float, str, dict[str, Any]]] = []
        self.runner: web.AppRunner | None = None
        self.target = 0
        self.reached = asyncio.Event()

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.arrivals.append((time.time(), request.headers["webhook-id"], json.loads(body)))
        if len(self.arrivals) >= self.target:
            self.reached.set()
        return web.Response(text="ok")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def wait_for(self, count: int, within: float) -> None:
        self.target = count
        self.reached.clear()
        if len(self.arrivals) >= count:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.reached.wait(), within)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU these processes have used so far."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(FileNotFoundError):
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


@asynccontextmanager
async def workers(env: dict[str, str], workdir: Path, count: int = 2) -> Any:
    """``count`` ``freight worker`` processes, up and working; SIGTERM afterwards."""
    procs, ports = [], [free_port() for _ in range(count)]
    for i, port in enumerate(ports):
        with (workdir / f"worker-{i}.log").open("ab") as log:
            procs.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "freight.cli",
                    "worker",
                    "--metrics-port",
                    str(port),
                    env=env,
                    cwd=workdir,
                    stdout=log,
                    stderr=asyncio.subprocess.STDOUT,
                )
            )
    try:
        async with httpx.AsyncClient(timeout=2) as probe:
            for port in ports:  # the metrics server answers once the imports are done
                for _ in range(600):
                    with contextlib.suppress(httpx.TransportError):
                        if (await probe.get(f"http://127.0.0.1:{port}/")).status_code == 200:
                            break
                    await asyncio.sleep(0.1)
        await asyncio.sleep(1)  # connected and in their loops
        yield procs
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            await asyncio.wait_for(p.wait(), 30)


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> Any:
    resp = await client.post(path, json=body)
    if resp.status_code >= 300:
        raise RuntimeError(f"{path}: {resp.status_code} {resp.text}")
    return resp.json()


def _shipment(customer_id: str) -> dict[str, Any]:
    start = "2030-01-02T08:00:00+00:00"
    stop = {"city": "Bench", "window_start": start, "window_end": "2030-01-02T12:00:00+00:00"}
    return {
        "customer_id": customer_id,
        "equipment_type": "dry_van",
        "weight_kg": 9000,
        "stops": [
            {**stop, "kind": "pickup", "lat": 41.88, "lng": -87.63},
            {**stop, "kind": "delivery", "lat": 39.74, "lng": -104.99,
             "window_start": "2030-01-03T08:00:00+00:00",
             "window_end": "2030-01-03T12:00:00+00:00"},
        ],
    }  # fmt: skip


async def seed(client: httpx.AsyncClient, receiver: Receiver, endpoints: int) -> str:
    """An organisation, a shipper account and the endpoints; returns the account id."""
    org = {"organization_name": "Bench Haulage", "full_name": "Bench Admin"}
    credentials = {"email": "bench@acme.example", "password": PASSWORD}
    await _post(client, "/api/auth/register", {**org, **credentials})
    admin = await _post(client, "/api/auth/login", credentials)
    client.headers["Authorization"] = f"Bearer {admin['access_token']}"
    account = await _post(client, "/api/customers", {"name": "P", "billing_email": "a@p.example"})
    for i in range(endpoints):
        url = f"http://127.0.0.1:{receiver.port}/hook/{i}"
        await _post(client, "/api/webhooks/endpoints", {"url": url, "event_types": ["shipment.*"]})
    customer_id: str = account["id"]
    return customer_id


async def paced(client: httpx.AsyncClient, customer_id: str, count: int, rate: float) -> None:
    """Book ``count`` shipments at ``rate`` per second."""
    start = time.monotonic()
    for i in range(count):
        await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
        await _post(client, "/api/shipments", _shipment(customer_id))


async def burst(client: httpx.AsyncClient, customer_id: str, count: int) -> None:
    """Book ``count`` shipments, 16 at a time."""
    gate = asyncio.Semaphore(16)

    async def one() -> None:
        async with gate:
            await _post(client, "/api/shipments", _shipment(customer_id))

    await asyncio.gather(*(one() for _ in range(count)))


def _delays_ms(arrivals: list[tuple[float, str, dict[str, Any]]]) -> list[float]:
    return [
        (at - datetime.fromisoformat(p["timestamp"]).timestamp()) * 1000 for at, _, p in arrivals
    ]


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    receiver = Receiver()
    await receiver.start()
    flush_redis()
    with temp_database("freight_bench_outbox") as url:
        env = production_env(
            url,
            workdir,
            FREIGHT_WORKER_IN_PROCESS="false",
            FREIGHT_WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
        )
        freight(env, "db", "upgrade", cwd=workdir)
        with serve(env, workdir, workers=1) as server:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
                customer_id = await seed(client, receiver, 1)
                async with workers(env, workdir):
                    await paced(client, customer_id, args.events, args.rate)
                    await receiver.wait_for(args.events, 60)
                delays = _delays_ms(receiver.arrivals)
                latency_ids = Counter(i for _, i, _ in receiver.arrivals)
                for n in range(1, args.endpoints):  # more endpoints for the backlog
                    hook = f"http://127.0.0.1:{receiver.port}/hook/{n}"
                    await _post(client, "/api/webhooks/endpoints", {"url": hook})
                receiver.arrivals.clear()
                await burst(client, customer_id, args.backlog)
                expected = args.backlog * args.endpoints
                async with workers(env, workdir) as procs:
                    pids = [p.pid for p in procs]
                    cpu_before = cpu_seconds(pids)
                    await receiver.wait_for(expected, 180)
                    cpu = cpu_seconds(pids) - cpu_before
                    await asyncio.sleep(1)
        await receiver.stop()
    times = sorted(at for at, _, _ in receiver.arrivals)
    ids = Counter(i for _, i, _ in receiver.arrivals)
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    return {
        "delay_events": len(delays),
        "delay_p50_ms": round(percentile(delays, 50), 1),
        "delay_p99_ms": round(percentile(delays, 99), 1),
        "delay_max_ms": round(max(delays), 1) if delays else None,
        "backlog_deliveries": len(times),
        "deliveries_per_s": round((len(times) - 1) / span, 1) if span == span else None,
        "worker_cpu_ms_per_delivery": round(cpu * 1000 / max(len(times), 1), 2),
        "duplicates": sum(n - 1 for n in (latency_ids + ids).values() if n > 1),
        "missing": args.events - len(latency_ids) + expected - len(ids),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--backlog", type=int, default=500)
    parser.add_argument("--endpoints", type=int, default=4)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", type=Path, help="keep the logs in this directory")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        figures = asyncio.run(run(args, args.keep))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            figures = asyncio.run(run(args, Path(tmp)))
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    if figures["duplicates"] or figures["missing"]:
        sys.exit(1)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
