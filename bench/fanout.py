"""WebSocket fan-out: delivery latency from commit to receipt, and the server's CPU.

Starts Freight on PostgreSQL + Redis (2 workers), connects N socket.io clients spread
over several client processes, then changes shipments at a steady rate and measures,
for every delivered ``shipment:updated``, receipt time minus the event's server time.

    .venv/bin/python bench/fanout.py                       # 1,000 sockets on one shipment
    .venv/bin/python bench/fanout.py --mode spread         # 1,000 shipments, one socket each
    .venv/bin/python bench/fanout.py --sockets 300 --rate 5 --duration 10

Target (design.md): p99 at most 100 ms for 1,000 subscribers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

import httpx
import socketio
from harness import flush_redis, freight, percentile, production_env, serve, temp_database

TARGET_P99_MS = 100.0
BODY = {
    "equipment_type": "dry_van",
    "weight_kg": 9000,
    "stops": [
        {
            "kind": "pickup",
            "city": "Chicago",
            "lat": 41.88,
            "lng": -87.63,
            "window_start": "2030-01-01T08:00:00+00:00",
            "window_end": "2030-01-01T12:00:00+00:00",
        },
        {
            "kind": "delivery",
            "city": "Dallas",
            "lat": 32.78,
            "lng": -96.80,
            "window_start": "2030-01-02T08:00:00+00:00",
            "window_end": "2030-01-02T12:00:00+00:00",
        },
    ],
}


async def setup(base: str, shipments: int) -> tuple[dict[str, str], list[str]]:
    """An organisation, an account and the shipments to watch; returns auth and ids."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        reg = await http.post(
            "/api/auth/register",
            json={
                "organization_name": "Fanout Bench",
                "email": "bench@fanout.example",
                "password": "bench-password-123",
                "full_name": "Bench",
            },
        )
        reg.raise_for_status()
        signed_in = await http.post(
            "/api/auth/login",
            json={"email": "bench@fanout.example", "password": "bench-password-123"},
        )
        signed_in.raise_for_status()
        auth = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        account = (
            await http.post(
                "/api/customers",
                headers=auth,
                json={"name": "Bench Shipper", "billing_email": "ap@bench.example"},
            )
        ).json()["id"]
        limit = asyncio.Semaphore(16)

        async def book() -> str:
            async with limit:
                resp = await http.post(
                    "/api/shipments", headers=auth, json={**BODY, "customer_id": account}
                )
                resp.raise_for_status()
                return str(resp.json()["id"])

        ids = await asyncio.gather(*(book() for _ in range(shipments)))
    return auth, list(ids)


class NodeClients:
    """The stock socket.io-client under Node: lighter per message than Python clients, so
    the measurement is of the server, not of the benchmark's own listeners."""

    def __init__(self, base: str, token: str, ids: list[str], seconds: float) -> None:
        script = Path(__file__).with_name("fanout_client.mjs")
        self.proc = subprocess.Popen(  # noqa: S603
            ["node", str(script), base, token, str(seconds)],  # noqa: S607
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parents[1],
        )
        assert self.proc.stdin is not None
        self.proc.stdin.write("\n".join(ids) + "\n")
        self.proc.stdin.close()

    def ready(self) -> int:
        assert self.proc.stdout is not None
        return int(json.loads(self.proc.stdout.readline())["ready"])

    def latencies(self, since_s: float) -> list[float]:
        """Latencies of the events made after ``since_s`` (epoch seconds)."""
        assert self.proc.stdout is not None
        pairs = json.loads(self.proc.stdout.readline())["latencies_ms"]
        self.proc.wait(timeout=30)
        return [float(ms) for at, ms in pairs if at >= since_s * 1000]


def client_process(
    base: str,
    token: str,
    ids: list[str],
    ready: Queue[int],
    results: Queue[list[float]],
    seconds: float,
) -> None:
    """One client process: connect a socket per id, subscribe, record latencies."""
    asyncio.run(_clients(base, token, ids, ready, results, seconds))


async def _clients(
    base: str,
    token: str,
    ids: list[str],
    ready: Queue[int],
    results: Queue[list[float]],
    seconds: float,
) -> None:
    latencies: list[float] = []
    sockets = []

    def on_update(data: dict[str, Any]) -> None:
        sent = datetime.fromisoformat(data["at"]).timestamp()
        latencies.append((time.time() - sent) * 1000)

    async def open_one(shipment_id: str) -> None:
        sio = socketio.AsyncClient(reconnection=False)
        sio.on("shipment:updated", on_update)
        await sio.connect(base, auth={"token": token}, transports=["websocket"], wait_timeout=20)
        ack = await sio.call("subscribe", {"shipment_id": shipment_id}, timeout=20)
        assert ack["ok"], ack
        sockets.append(sio)

    for start in range(0, len(ids), 50):  # connect in waves, not all at once
        await asyncio.gather(*(open_one(i) for i in ids[start : start + 50]))
    ready.put(len(sockets))
    await asyncio.sleep(seconds)
    results.put(latencies)
    await asyncio.gather(*(s.disconnect() for s in sockets), return_exceptions=True)


async def drive(
    base: str,
    auth: dict[str, str],
    ids: list[str],
    rate: float,
    seconds: float,
    tag: str = "change",
) -> int:
    """PATCH shipments at a steady rate; returns how many changes were made."""
    rng = random.Random(1)  # noqa: S311
    made = 0
    async with httpx.AsyncClient(base_url=base, headers=auth, timeout=30) as http:
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            target = started + made / rate
            await asyncio.sleep(max(0.0, target - time.perf_counter()))
            resp = await http.patch(
                f"/api/shipments/{rng.choice(ids)}", json={"notes": f"{tag} {made}"}
            )
            resp.raise_for_status()
            made += 1
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument(
        "--mode",
        choices=["one", "spread"],
        default="one",
        help="one shipment for all sockets, or one shipment per socket",
    )
    parser.add_argument("--rate", type=float, default=10.0, help="changes per second")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of changes")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument(
        "--client",
        choices=["node", "python"],
        default="node",
        help="listeners: the npm socket.io-client under Node, or python-socketio",
    )
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="freight-fanout-") as tmp, temp_database() as db_url:
        workdir = Path(tmp)
        flush_redis()
        env = production_env(
            db_url, workdir, FREIGHT_WS_MAX_CONNECTIONS_PER_USER=str(args.sockets + 10)
        )
        freight(env, "db", "upgrade", cwd=workdir)
        with serve(env, workdir, args.workers) as server:
            shipments = args.sockets if args.mode == "spread" else 1
            auth, ids = asyncio.run(setup(server.base_url, shipments))
            token = auth["Authorization"].split()[1]
            targets = ids if args.mode == "spread" else ids * args.sockets
            chunks = [targets[i :: args.client_processes] for i in range(args.client_processes)]
            listen_s = args.duration + 12  # warm-up and a grace period included
            if args.client == "node":
                nodes = [NodeClients(server.base_url, token, c, listen_s) for c in chunks]
                connected = sum(n.ready() for n in nodes)
            else:
                ready: Queue[int] = mp.Queue()  # sockets subscribed, one count per process
                results: Queue[list[float]] = mp.Queue()  # latencies (ms), one list per process
                procs = [
                    mp.Process(
                        target=client_process,
                        args=(server.base_url, token, c, ready, results, listen_s),
                    )
                    for c in chunks
                ]
                for p in procs:
                    p.start()
                connected = sum(ready.get(timeout=180) for _ in procs)
            pace = f"{args.rate:g} changes/s for {args.duration:g} s"
            print(f"{connected} sockets subscribed ({args.mode}); {pace}")
            asyncio.run(drive(server.base_url, auth, ids, 1.0, 2.0, "warm-up"))  # not counted
            time.sleep(1.0)
            measured_from = time.time()
            cpu_before = server.cpu_seconds()
            made = asyncio.run(drive(server.base_url, auth, ids, args.rate, args.duration))
            cpu = server.cpu_seconds() - cpu_before
            if args.client == "node":
                latencies = [x for n in nodes for x in n.latencies(measured_from)]
            else:
                latencies = [x for _ in procs for x in results.get(timeout=120)]
                for p in procs:
                    p.join(timeout=30)
        flush_redis()
    expected = made * (args.sockets if args.mode == "one" else 1)
    p50, p95, p99 = (percentile(latencies, q) for q in (50, 95, 99))
    print(f"changes {made}, deliveries {len(latencies)} of {expected} expected")
    print(f"latency ms: p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}  max {max(latencies):.1f}")
    share = 100 * cpu / args.duration
    print(f"server CPU: {cpu:.1f} s over {args.duration:g} s ({share:.0f}% of one core)")
    ok = p99 <= TARGET_P99_MS and len(latencies) == expected
    verdict = "MEETS" if ok else "MISSES"
    print(f"verdict: p99 {p99:.1f} ms -> {verdict} the {TARGET_P99_MS:g} ms target")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
