"""The dashboard check itself: it must catch a bad query and a metric Freight lacks."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest
from httpx import AsyncClient

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "check_dashboards.py"
PROMTOOL = shutil.which("promtool")


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_dashboards", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_metric_names_leave_out_functions_keywords_and_labels() -> None:
    names = load().metric_names(
        "histogram_quantile(0.95, sum by (le, route) ("
        'rate(freight_http_request_duration_seconds_bucket{instance=~"$instance"}'
        "[$__rate_interval]))) / on(job) group_left up"
    )
    assert names == {"freight_http_request_duration_seconds_bucket", "up"}


@pytest.mark.skipif(
    PROMTOOL is None, reason="promtool is not on PATH (.ci/observability installs it)"
)
async def test_the_shipped_dashboards_pass_and_broken_ones_fail(
    client: AsyncClient, tmp_path: Path
) -> None:
    check = load()
    assert (await client.get("/api/ready")).status_code == 200
    exposition = (await client.get("/metrics")).text
    assert PROMTOOL is not None
    assert check.check(check.DASHBOARDS, exposition, PROMTOOL) == []
    assert len(check.DASHBOARDS) == 5

    broken = json.loads(check.DASHBOARDS[0].read_text())
    broken["panels"][0]["targets"] = [
        {"expr": "sum(rate(freight_http_requests_total[5m])"},  # unbalanced
        {"expr": "sum(rate(freight_made_up_total[5m]))"},
    ]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    problems = check.check([path], exposition, PROMTOOL)
    assert any("does not parse" in p for p in problems), problems
    assert any("freight_made_up_total" in p for p in problems), problems
