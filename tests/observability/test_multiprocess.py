"""Several worker processes: one /metrics sums their counters, drops dead workers' live
gauges, and reports the scrape-time business gauges once (never summed)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import PG_URL, REDIS_URL
from tests.observability.helpers import value
from tests.realtime.conftest import free_port

WORKER = """
import sys
from freight.observability.metrics import HTTP_REQUESTS, WS_CONNECTIONS
HTTP_REQUESTS.labels("GET", "/api/health", "2xx").inc(3)
WS_CONNECTIONS.inc(2)
print("ready", flush=True)
sys.stdin.readline()  # stay alive until told
"""
SCRAPE = """
import sys
from freight.scrape import Snapshot, render
snapshot = Snapshot(shipments={"pending": 4}, drivers_available=7, cache_entries=1)
sys.stdout.write(render(snapshot, "redis").decode())
"""


def env_for(path: Path) -> dict[str, str]:
    return {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(path)}


def test_workers_are_summed_dead_ones_dropped_business_gauges_once(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    workers = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", WORKER],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for worker in workers:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready"

    def scrape() -> str:
        return subprocess.run(  # noqa: S603
            [sys.executable, "-c", SCRAPE], env=env, capture_output=True, text=True, check=True
        ).stdout

    both = scrape()
    labels = {"method": "GET", "route": "/api/health", "status": "2xx"}
    assert value(both, "freight_http_requests_total", **labels) == 6
    assert value(both, "freight_ws_connections") == 4
    assert value(both, "freight_shipments", status="pending") == 4  # not 4 per worker
    assert value(both, "freight_drivers_available") == 7

    workers[0].communicate("\n", timeout=10)  # the first worker exits
    one_left = scrape()
    assert value(one_left, "freight_http_requests_total", **labels) == 6  # counts are kept
    assert value(one_left, "freight_ws_connections") == 2  # the dead worker's are dropped
    workers[1].communicate("\n", timeout=10)


@pytest.mark.skipif(
    not (PG_URL and REDIS_URL),
    reason="several workers need PostgreSQL and Redis (FREIGHT_TEST_DATABASE_URL/REDIS_URL)",
)
def test_freight_serve_with_two_workers_counts_every_request(clean_db: str, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "FREIGHT_DATABASE_URL": clean_db,
        "FREIGHT_REDIS_URL": REDIS_URL or "",
        "FREIGHT_LOG_FILE": "off",
        "FREIGHT_LOG_LEVEL": "WARNING",
        "FREIGHT_AUTO_MIGRATE": "false",
        "FREIGHT_FILE_STORE_DIR": str(tmp_path / "files"),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "freight.cli", "serve", "--workers", "2", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, "freight serve exited"
            time.sleep(0.1)
        time.sleep(1.0)  # let the second worker finish starting
        for _ in range(40):  # a new connection each: both workers answer some
            assert httpx.get(f"{base}/api/ready", timeout=5).status_code == 200
        labels = {"method": "GET", "route": "/api/ready", "status": "2xx"}
        seen = [
            value(
                httpx.get(f"{base}/metrics", timeout=5).text,
                "freight_http_requests_total",
                **labels,
            )
            for _ in range(6)
        ]
        assert seen == [40.0] * 6, seen  # whichever worker answers the scrape
        text = httpx.get(f"{base}/metrics", timeout=5).text
        assert value(text, "freight_dependency_up", dependency="redis") == 1
        assert value(text, "freight_shipments", status="pending") == 0
    finally:
        server.terminate()
        server.wait(timeout=30)
