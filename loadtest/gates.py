"""Pass/fail gates of the load test: read Locust's CSV and Prometheus text, judge, report.

Pure functions only (no Locust, no server), so the unit tests exercise them directly.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

WS_TYPE = "WS"
DELIVERY_SUFFIX = " delivery"
# Signing in is Argon2id on purpose (about 100 ms of CPU): once per simulated user, so it
# counts in the totals and the error rate but not in the per-endpoint latency gates.
DEFAULT_EXCLUDE = ("POST /api/auth/login",)


@dataclass(frozen=True)
class Budget:
    """Targets; None switches a gate off."""

    name: str
    p95_ms: float | None
    p99_ms: float | None
    error_rate: float | None  # a fraction: 0.01 is 1 %
    cache_hit_rate: float | None  # a fraction, the minimum
    ws_p99_ms: float | None
    peak_memory_mb: float | None
    min_samples: int = 20  # endpoints with fewer requests are reported, not gated


BUDGETS = {
    # The roll-out plan: p95 < 500 ms and p99 < 1 s per endpoint, errors < 1 %, cache hit
    # rate > 70 %, a live update within a second; "memory stable" as a generous ceiling.
    "plan": Budget("plan", 500, 1000, 0.01, 0.70, 1000, 2048),
    # design.md: ten times tighter, no errors, cache hit rate > 90 %, fan-out p99 100 ms.
    "design": Budget("design", 50, 100, 0.0, 0.90, 100, 1024),
    "off": Budget("off", None, None, None, None, None, None),
}


@dataclass(frozen=True)
class Row:
    """One line of Locust's ``*_stats.csv``."""

    type: str
    name: str
    requests: int
    failures: int
    median_ms: float
    avg_ms: float
    max_ms: float
    rps: float
    p95_ms: float
    p99_ms: float

    @property
    def label(self) -> str:
        """``GET /api/shipments/{id}`` or ``WS connect``; Locust's name when it has a verb."""
        return self.name if self.name.startswith(f"{self.type} ") else f"{self.type} {self.name}"


@dataclass
class Gate:
    """One judged target."""

    name: str
    target: str
    actual: str
    passed: bool
    detail: str = ""


@dataclass
class Verdict:
    """Every gate, and whether all passed."""

    budget: str
    gates: list[Gate] = field(default_factory=list)
    endpoints: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every gate passed."""
        return all(g.passed for g in self.gates)


def _num(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan  # Locust writes "N/A" for rows without samples


def read_stats(path: Path) -> tuple[list[Row], Row | None]:
    """The endpoint rows of a ``*_stats.csv`` and its ``Aggregated`` row."""
    rows: list[Row] = []
    total: Row | None = None
    with path.open(newline="") as f:
        for raw in csv.DictReader(f):
            row = Row(
                type=raw["Type"],
                name=raw["Name"],
                requests=int(raw["Request Count"]),
                failures=int(raw["Failure Count"]),
                median_ms=_num(raw["Median Response Time"]),
                avg_ms=_num(raw["Average Response Time"]),
                max_ms=_num(raw["Max Response Time"]),
                rps=_num(raw["Requests/s"]),
                p95_ms=_num(raw["95%"]),
                p99_ms=_num(raw["99%"]),
            )
            if raw["Name"] == "Aggregated":
                total = row
            else:
                rows.append(row)
    return rows, total


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_prometheus(text: str) -> list[tuple[str, dict[str, str], float]]:
    """Samples of a Prometheus text exposition: (name, labels, value)."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        found = _SAMPLE.match(line)
        if found is None:
            continue
        name, labels, value = found.groups()
        out.append((name, dict(_LABEL.findall(labels or "")), _num(value)))
    return out


def metric_sum(samples: Iterable[tuple[str, dict[str, str], float]], name: str) -> float:
    """The sum of every series of one metric (e.g. the cache hits of every backend)."""
    return sum(v for n, _, v in samples if n == name and not math.isnan(v))


def cache_counts(text: str) -> tuple[float, float]:
    """(hits, misses) of Freight's cache, every backend summed."""
    samples = parse_prometheus(text)
    hits = metric_sum(samples, "freight_cache_hits_total")
    misses = metric_sum(samples, "freight_cache_misses_total")
    return hits, misses


def hit_rate(before: tuple[float, float], after: tuple[float, float]) -> float:
    """Hits over lookups between two scrapes; NaN when there were none."""
    hits, misses = after[0] - before[0], after[1] - before[1]
    return hits / (hits + misses) if hits + misses > 0 else math.nan


def parse_duration(text: str) -> int:
    """``90``, ``30s``, ``5m``, ``1h30m`` -> seconds."""
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text)
    if not text or parts is None:
        raise ValueError(f"not a duration: {text!r} (try 30s, 5m or 1h30m)")
    h, m, s = (int(p) if p else 0 for p in parts.groups())
    return h * 3600 + m * 60 + s


def memory_slope_mib_per_hour(
    samples: Sequence[tuple[float, float]], warmup_fraction: float = 0.2
) -> float:
    """Least-squares growth of RSS over time, in MiB per hour, after the warm-up.

    ``samples`` are (seconds since start, MiB). The first ``warmup_fraction`` of the run
    is left out: caches, pools and imports fill then, which is growth but not a leak.
    NaN when fewer than two minutes of samples (one a second) remain: shorter is noise.
    """
    if not samples:
        return math.nan
    start = samples[0][0] + (samples[-1][0] - samples[0][0]) * warmup_fraction
    kept = [(t, mib) for t, mib in samples if t >= start]
    if len(kept) < 120:
        return math.nan
    mean_t = sum(t for t, _ in kept) / len(kept)
    mean_m = sum(m for _, m in kept) / len(kept)
    spread = sum((t - mean_t) ** 2 for t, _ in kept)
    if spread == 0:
        return math.nan
    slope_per_s = sum((t - mean_t) * (m - mean_m) for t, m in kept) / spread
    return slope_per_s * 3600


def with_overrides(budget: Budget, **overrides: float | None) -> Budget:
    """The budget with the gates given on the command line replaced."""
    given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    return replace(budget, **given) if given else budget


def _fmt_ms(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.0f} ms"


def _fmt_pct(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value * 100:.2f} %"


def _percentile_gate(
    rows: Sequence[Row], pick: str, limit: float | None, label: str
) -> Gate | None:
    if limit is None:
        return None
    if not rows:
        return Gate(label, f"< {limit:g} ms", "no samples", False, "no endpoint was exercised")
    values = [(getattr(r, pick), r.label) for r in rows]
    worst, where = max(values, key=lambda v: -1 if math.isnan(v[0]) else v[0])
    over = [f"{name} {value:.0f} ms" for value, name in values if value >= limit]
    return Gate(
        label,
        f"< {limit:g} ms",
        f"worst {_fmt_ms(worst)} ({where})",
        not over,
        "; ".join(over),
    )


def evaluate(
    rows: Sequence[Row],
    total: Row | None,
    budget: Budget,
    *,
    cache_rate: float,
    peak_memory_mb: float,
    exclude: Sequence[str] = DEFAULT_EXCLUDE,
) -> Verdict:
    """Judge a run against a budget."""
    verdict = Verdict(budget.name)
    http = [r for r in rows if r.type != WS_TYPE]
    gated = [r for r in http if r.label not in exclude and r.requests >= budget.min_samples]
    deliveries = [r for r in rows if r.type == WS_TYPE and r.name.endswith(DELIVERY_SUFFIX)]
    for row in rows:
        verdict.endpoints.append(
            {
                "endpoint": row.label,
                "requests": row.requests,
                "failures": row.failures,
                "median_ms": row.median_ms,
                "p95_ms": row.p95_ms,
                "p99_ms": row.p99_ms,
                "max_ms": row.max_ms,
                "rps": row.rps,
                "gated": row in gated,
            }
        )
    for gate in (
        _percentile_gate(gated, "p95_ms", budget.p95_ms, "p95 per endpoint"),
        _percentile_gate(gated, "p99_ms", budget.p99_ms, "p99 per endpoint"),
    ):
        if gate is not None:
            verdict.gates.append(gate)
    if budget.error_rate is not None:
        requests = total.requests if total else 0
        failures = total.failures if total else 0
        rate = failures / requests if requests else math.nan
        passed = requests > 0 and rate <= budget.error_rate
        if budget.error_rate > 0:
            passed = passed and rate < budget.error_rate
        target = "0 errors" if budget.error_rate == 0 else f"< {budget.error_rate * 100:g} %"
        verdict.gates.append(
            Gate("error rate", target, f"{_fmt_pct(rate)} ({failures}/{requests})", passed)
        )
    if budget.cache_hit_rate is not None:
        verdict.gates.append(
            Gate(
                "cache hit rate",
                f"> {budget.cache_hit_rate * 100:g} %",
                _fmt_pct(cache_rate),
                not math.isnan(cache_rate) and cache_rate > budget.cache_hit_rate,
            )
        )
    if budget.ws_p99_ms is not None:
        if deliveries:
            worst = max(deliveries, key=lambda r: r.p99_ms)
            count = sum(r.requests for r in deliveries)
            actual = f"{_fmt_ms(worst.p99_ms)} ({worst.name}, {count} deliveries)"
            passed = worst.p99_ms <= budget.ws_p99_ms
        else:
            actual, passed = "no deliveries received", False
        verdict.gates.append(
            Gate("WebSocket delivery p99", f"<= {budget.ws_p99_ms:g} ms", actual, passed)
        )
    if budget.peak_memory_mb is not None:
        unknown = math.isnan(peak_memory_mb)
        verdict.gates.append(
            Gate(
                "server peak memory (RSS, all processes)",
                f"<= {budget.peak_memory_mb:g} MiB",
                "not measured" if unknown else f"{peak_memory_mb:.0f} MiB",
                unknown or peak_memory_mb <= budget.peak_memory_mb,
                "the server was not started by this run" if unknown else "",
            )
        )
    return verdict


def summary_markdown(verdict: Verdict, facts: dict[str, Any]) -> str:
    """The short human summary: the run, the gates, the endpoints."""
    lines = ["# Load test summary", ""]
    lines += [f"- {k}: {v}" for k, v in facts.items()]
    outcome = "PASSED" if verdict.passed else "FAILED"
    lines += ["", f"## Gates ({verdict.budget} budget): {outcome}", ""]
    if verdict.gates:
        lines += ["| gate | target | actual | result |", "| --- | --- | --- | --- |"]
        for g in verdict.gates:
            result = "pass" if g.passed else f"**FAIL** {g.detail}".strip()
            lines.append(f"| {g.name} | {g.target} | {g.actual} | {result} |")
    else:
        lines.append("No gates (budget off): this run checks that the test runs and reports.")
    lines += [
        "",
        "## Endpoints",
        "",
        "| endpoint | requests | failures | median | p95 | p99 | max | req/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for e in sorted(verdict.endpoints, key=lambda e: -e["requests"]):
        ws_gate = e["endpoint"].startswith(f"{WS_TYPE} ") and e["endpoint"].endswith(
            DELIVERY_SUFFIX
        )
        mark = "" if e["gated"] else " (WebSocket gate)" if ws_gate else " (not gated)"
        lines.append(
            f"| {e['endpoint']}{mark} | {e['requests']} | {e['failures']} | "
            f"{_fmt_ms(e['median_ms'])} | {_fmt_ms(e['p95_ms'])} | {_fmt_ms(e['p99_ms'])} | "
            f"{_fmt_ms(e['max_ms'])} | {e['rps']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def verdict_json(verdict: Verdict, facts: dict[str, Any]) -> dict[str, Any]:
    """The machine-readable summary."""
    return {
        "passed": verdict.passed,
        "budget": verdict.budget,
        "facts": facts,
        "gates": [asdict(g) for g in verdict.gates],
        "endpoints": verdict.endpoints,
    }
