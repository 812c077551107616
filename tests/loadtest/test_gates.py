"""Gate evaluation from Locust's statistics and Freight's /metrics text."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from prometheus_client import REGISTRY, generate_latest

from loadtest import gates

HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)


def line(kind: str, name: str, count: int, fails: int, p95: str, p99: str) -> str:
    """A stats row with only the figures the gates read made distinct."""
    return (
        f"{kind},{name},{count},{fails},10,12.5,2,{p99},800,4.2,0.0,"
        f"10,11,12,13,14,{p95},{p99},{p99},{p99},{p99},{p99}"
    )


def write_stats(tmp_path: Path, *rows: str, total: str | None = None) -> Path:
    path = tmp_path / "stats_stats.csv"
    aggregated = total or line("", "Aggregated", 1000, 0, "40", "90")
    path.write_text("\n".join([HEADER, *rows, aggregated]) + "\n")
    return path


def judge(path: Path, budget: str, **kw: float) -> gates.Verdict:
    rows, total = gates.read_stats(path)
    return gates.evaluate(
        rows,
        total,
        gates.BUDGETS[budget],
        cache_rate=kw.get("cache", 0.95),
        peak_memory_mb=kw.get("memory", 300.0),
    )


def by_name(verdict: gates.Verdict) -> dict[str, gates.Gate]:
    return {g.name: g for g in verdict.gates}


def test_a_run_within_the_design_budget_passes_every_gate(tmp_path: Path) -> None:
    path = write_stats(
        tmp_path,
        line("GET", "GET /api/shipments/{id}", 500, 0, "20", "45"),
        line("WS", "shipment:updated delivery", 80, 0, "30", "60"),
    )
    verdict = judge(path, "design")
    assert verdict.passed, [g for g in verdict.gates if not g.passed]
    assert set(by_name(verdict)) == {
        "p95 per endpoint",
        "p99 per endpoint",
        "error rate",
        "cache hit rate",
        "WebSocket delivery p99",
        "server peak memory (RSS, all processes)",
    }


def test_a_slow_endpoint_fails_the_tight_budget_and_is_named(tmp_path: Path) -> None:
    path = write_stats(
        tmp_path,
        line("GET", "GET /api/shipments/{id}", 500, 0, "20", "45"),
        line("POST", "POST /api/dispatch/plans", 40, 0, "120", "300"),
        line("WS", "shipment:updated delivery", 80, 0, "30", "60"),
    )
    design = by_name(judge(path, "design"))
    assert not design["p95 per endpoint"].passed
    assert "POST /api/dispatch/plans 120 ms" in design["p95 per endpoint"].detail
    assert "(POST /api/dispatch/plans)" in design["p99 per endpoint"].actual
    assert judge(path, "plan").passed  # 120 ms is well inside the plan's 500 ms


def test_sign_in_and_rare_endpoints_are_reported_but_not_gated(tmp_path: Path) -> None:
    path = write_stats(
        tmp_path,
        line("POST", "POST /api/auth/login", 50, 0, "900", "1500"),
        line("GET", "GET /api/invoices/{id}/pdf", 3, 0, "400", "400"),
        line("GET", "GET /api/shipments/{id}", 500, 0, "20", "45"),
        line("WS", "dispatch:board delivery", 80, 0, "30", "60"),
    )
    verdict = judge(path, "design")
    assert verdict.passed
    gated = {e["endpoint"]: e["gated"] for e in verdict.endpoints}
    assert gated["POST /api/auth/login"] is False
    assert gated["GET /api/invoices/{id}/pdf"] is False  # fewer than min_samples
    assert gated["GET /api/shipments/{id}"] is True


def test_one_error_fails_the_zero_error_budget_but_not_the_plans_one_percent(
    tmp_path: Path,
) -> None:
    total = line("", "Aggregated", 1000, 1, "40", "90")
    path = write_stats(
        tmp_path,
        line("GET", "GET /api/shipments/{id}", 1000, 1, "20", "45"),
        line("WS", "shipment:updated delivery", 80, 0, "30", "60"),
        total=total,
    )
    assert not by_name(judge(path, "design"))["error rate"].passed
    plan = by_name(judge(path, "plan"))["error rate"]
    assert plan.passed
    assert plan.actual == "0.10 % (1/1000)"
    many = line("", "Aggregated", 1000, 10, "40", "90")
    path = write_stats(tmp_path, line("GET", "GET /x", 1000, 10, "20", "45"), total=many)
    assert not by_name(judge(path, "plan"))["error rate"].passed  # 1 % is not under 1 %


def test_no_websocket_deliveries_fail_the_websocket_gate(tmp_path: Path) -> None:
    path = write_stats(
        tmp_path,
        line("GET", "GET /api/shipments/{id}", 500, 0, "20", "45"),
        line("WS", "connect", 10, 0, "30", "60"),  # connected, but nothing arrived
    )
    gate = by_name(judge(path, "plan"))["WebSocket delivery p99"]
    assert not gate.passed
    assert gate.actual == "no deliveries received"


def test_cache_and_memory_gates(tmp_path: Path) -> None:
    path = write_stats(
        tmp_path,
        line("GET", "GET /api/shipments/{id}", 500, 0, "20", "45"),
        line("WS", "shipment:updated delivery", 80, 0, "30", "60"),
    )
    low = by_name(judge(path, "design", cache=0.85, memory=1500))
    assert not low["cache hit rate"].passed
    assert not low["server peak memory (RSS, all processes)"].passed
    plan = by_name(judge(path, "plan", cache=0.85, memory=1500))
    assert plan["cache hit rate"].passed
    assert plan["server peak memory (RSS, all processes)"].passed
    unmeasured = by_name(judge(path, "plan", memory=math.nan))
    assert unmeasured["server peak memory (RSS, all processes)"].actual == "not measured"


def test_budget_off_has_no_gates_and_overrides_replace_single_targets(tmp_path: Path) -> None:
    path = write_stats(tmp_path, line("GET", "GET /slow", 500, 50, "5000", "9000"))
    assert judge(path, "off").gates == []
    assert judge(path, "off").passed
    tighter = gates.with_overrides(gates.BUDGETS["plan"], p95_ms=200, ws_p99_ms=None)
    assert tighter.p95_ms == 200
    assert tighter.p99_ms == 1000
    assert tighter.ws_p99_ms == 1000  # None means "not given", not "off"


def test_locust_writes_na_for_rows_without_samples(tmp_path: Path) -> None:
    path = tmp_path / "stats_stats.csv"
    empty = "GET,GET /api/x,0,0,0,0,0,0,0,0,0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A"
    path.write_text(f"{HEADER}\n{empty}\n")
    rows, total = gates.read_stats(path)
    assert total is None
    assert math.isnan(rows[0].p95_ms)


PROMETHEUS = """\
# HELP freight_cache_hits_total Cache lookups that found a value
# TYPE freight_cache_hits_total counter
freight_cache_hits_total{backend="memory"} 0.0
freight_cache_hits_total{backend="redis"} 930.0
# HELP freight_cache_misses_total Cache lookups that found none
# TYPE freight_cache_misses_total counter
freight_cache_misses_total{backend="memory"} 0.0
freight_cache_misses_total{backend="redis"} 70.0
freight_http_requests_total{method="GET",route="/api/shipments/{shipment_id}",status="2xx"} 5.0
process_resident_memory_bytes 1.2345e+08
"""


def test_cache_counts_sum_every_backend_and_the_rate_is_the_difference() -> None:
    assert gates.cache_counts(PROMETHEUS) == (930.0, 70.0)
    assert gates.hit_rate((900.0, 0.0), (930.0, 70.0)) == pytest.approx(0.3)
    assert math.isnan(gates.hit_rate((5.0, 5.0), (5.0, 5.0)))
    samples = gates.parse_prometheus(PROMETHEUS)
    route = next(s for s in samples if s[0] == "freight_http_requests_total")
    assert route[1] == {"method": "GET", "route": "/api/shipments/{shipment_id}", "status": "2xx"}
    assert gates.metric_sum(samples, "process_resident_memory_bytes") == 123450000.0


def test_the_cache_counters_are_the_ones_freight_exports() -> None:
    import freight.observability.metrics  # noqa: F401  (registers the counters)

    names = {name for name, _, _ in gates.parse_prometheus(generate_latest(REGISTRY).decode())}
    assert {"freight_cache_hits_total", "freight_cache_misses_total"} <= names


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("30s", 30), ("5m", 300), ("1h30m", 5400), ("2m5s", 125)]
)
def test_durations(text: str, seconds: int) -> None:
    assert gates.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5 minutes", "m", "-3s"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        gates.parse_duration(text)


def test_summary_names_the_outcome_and_every_endpoint(tmp_path: Path) -> None:
    path = write_stats(
        tmp_path,
        line("GET", "GET /api/shipments/{id}", 500, 0, "20", "45"),
        line("POST", "POST /api/dispatch/plans", 40, 0, "120", "300"),
    )
    verdict = judge(path, "design")
    text = gates.summary_markdown(verdict, {"users": 50})
    assert "## Gates (design budget): FAILED" in text
    assert "| POST /api/dispatch/plans | 40 | 0 |" in text
    assert "- users: 50" in text
    data = gates.verdict_json(verdict, {"users": 50})
    assert data["passed"] is False
    assert {e["endpoint"] for e in data["endpoints"]} == {
        "GET /api/shipments/{id}",
        "POST /api/dispatch/plans",
    }


def test_memory_slope_ignores_the_warm_up_and_measures_steady_growth() -> None:
    # 100 MiB of warm-up in the first minute, then 10 MiB per hour for nine minutes.
    samples = [(float(t), 300 + min(t, 60) * 100 / 60 + t * 10 / 3600) for t in range(600)]
    assert gates.memory_slope_mib_per_hour(samples, warmup_fraction=0.2) == pytest.approx(10)


def test_memory_slope_of_a_flat_or_short_run() -> None:
    flat = [(float(t), 512.0) for t in range(300)]
    assert gates.memory_slope_mib_per_hour(flat) == 0
    assert math.isnan(gates.memory_slope_mib_per_hour([(0.0, 1.0), (1.0, 2.0)]))
    assert math.isnan(gates.memory_slope_mib_per_hour([]))


def test_memory_slope_of_a_smoke_run_is_not_reported() -> None:
    thirty_seconds = [(float(t), 400.0 - t) for t in range(30)]
    assert math.isnan(gates.memory_slope_mib_per_hour(thirty_seconds))
