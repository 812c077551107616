"""A real scrape: the Prometheus binary scrapes a running Freight with the alert rules loaded."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from httpx import AsyncClient

from tests.conftest import base_settings
from tests.realtime.conftest import free_port, start_server

PROMETHEUS = shutil.which("prometheus")
T = TypeVar("T")
ALERTS = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "alerts.yml"

pytestmark = pytest.mark.skipif(
    PROMETHEUS is None,
    reason="the prometheus binary is not on PATH (.ci/observability installs Debian's)",
)


async def poll(check: Callable[[], Awaitable[T]], within: float = 40.0) -> T:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("Prometheus never saw it")
        await asyncio.sleep(0.5)


async def test_prometheus_scrapes_request_rate_and_loads_the_alert_rules(
    clean_db: str, tmp_path: Path
) -> None:
    server, task, url, _app = await start_server(base_settings(clean_db, tmp_path))
    prom_port = free_port()
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(ALERTS)],
        "scrape_configs": [
            {"job_name": "freight", "static_configs": [{"targets": [url.removeprefix("http://")]}]}
        ],
    }
    (tmp_path / "prometheus.yml").write_text(json.dumps(config))
    assert PROMETHEUS is not None
    prometheus = await asyncio.create_subprocess_exec(
        PROMETHEUS,
        f"--config.file={tmp_path / 'prometheus.yml'}",
        f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{prom_port}",
        "--log.level=warn",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with (
            AsyncClient(base_url=url, timeout=10) as freight,
            AsyncClient(base_url=f"http://127.0.0.1:{prom_port}", timeout=10) as prom,
        ):

            async def rate_seen() -> float:
                for _ in range(5):
                    assert (await freight.get("/api/health")).status_code == 200
                try:
                    resp = await prom.get(
                        "/api/v1/query",
                        params={
                            "query": 'sum(rate(freight_http_requests_total{job="freight",'
                            'route="/api/health",status="2xx"}[5s]))'
                        },
                    )
                except Exception:  # Prometheus still starting
                    return 0.0
                result = resp.json()["data"]["result"] if resp.status_code == 200 else []
                return float(result[0]["value"][1]) if result else 0.0

            assert float(await poll(rate_seen)) > 0

            targets = (await prom.get("/api/v1/targets")).json()["data"]["activeTargets"]
            assert [t["health"] for t in targets] == ["up"]

            async def rules() -> dict[str, dict[str, object]]:
                groups = (await prom.get("/api/v1/rules")).json()["data"]["groups"]
                loaded = {r["name"]: r for g in groups for r in g["rules"]}
                evaluated = all(
                    r.get("lastEvaluation", "").startswith("2") for r in loaded.values()
                )
                return loaded if loaded and evaluated else {}

            loaded = await poll(rules)
            assert "FreightHigh5xxRatio" in loaded
            down = loaded["FreightInstanceDown"]
            assert down["health"] == "ok", down
            assert down["state"] == "inactive", down  # the instance is up
            dependency = loaded["FreightDatabaseDown"]
            assert dependency["health"] == "ok" and dependency["state"] == "inactive", dependency
    finally:
        prometheus.terminate()
        await prometheus.wait()
        server.should_exit = True
        await task
