#!/usr/bin/env python3
"""CI check of the Grafana dashboards against PromQL and against what Freight exports.

1. Every panel's PromQL parses: each expression becomes a recording rule in a temporary
   rules file checked by ``promtool check rules`` (Grafana variables replaced first).
2. Every metric a panel uses is one Freight exports: the names are read from a live
   ``/metrics`` (a Freight started here on the embedded SQLite default and a free port,
   after a little traffic, unless ``--metrics-url`` names a running one).

Usage: deploy/check_dashboards.py [--metrics-url URL] [--promtool PATH] [DASHBOARD.json ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
DASHBOARDS = sorted((HERE / "grafana" / "dashboards").glob("*.json"))
# Series Prometheus makes itself for every target, not exported by Freight.
PROMETHEUS_OWN = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})
KEYWORDS = frozenset(
    {
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "bool",
        "and",
        "or",
        "unless",
        "offset",
        "inf",
        "nan",
        "atan2",
    }
)
VARIABLES = {
    "$__rate_interval": "5m",
    "$__interval": "1m",
    "$__range": "1h",
    "${__range}": "1h",
}
SUFFIXES = {
    "counter": ("", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
    "gauge": ("",),
    "untyped": ("",),
    "info": ("",),
}


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, rows' nested panels included."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def expressions(path: Path) -> list[tuple[str, str]]:
    """``(panel title, PromQL)`` of every target of a dashboard file."""
    dashboard = json.loads(path.read_text())
    return [
        (panel.get("title", "?"), target["expr"])
        for panel in panels(dashboard)
        for target in panel.get("targets", [])
        if target.get("expr")
    ]


def concrete(expr: str) -> str:
    """The expression with Grafana's variables replaced by values PromQL accepts."""
    for name, stand_in in VARIABLES.items():
        expr = expr.replace(name, stand_in)
    return re.sub(r"\$\{?\w+\}?", "x", expr)


def metric_names(expr: str) -> set[str]:
    """The metric names an expression selects (functions, keywords and labels left out)."""
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', concrete(expr))  # strings
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # range selectors
    text = re.sub(
        r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text
    )  # grouping label lists
    found = set()
    for match in re.finditer(r"(?<![\w.])([A-Za-z_:][\w:]*)(\s*\()?", text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in KEYWORDS:
            continue
        found.add(name)
    return found


def promql_errors(exprs: list[tuple[str, str]], promtool: str) -> list[str]:
    """Expressions promtool cannot parse (checked one rule file per expression)."""
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        for index, (title, expr) in enumerate(exprs):
            rules = Path(tmp) / f"panel_{index}.yml"
            doc = {
                "groups": [
                    {"name": "panels", "rules": [{"record": "panel:check", "expr": concrete(expr)}]}
                ]
            }
            rules.write_text(json.dumps(doc))
            result = subprocess.run(  # noqa: S603
                [promtool, "check", "rules", str(rules)],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                errors.append(
                    f"{title!r}: {expr}\n    {result.stderr.strip() or result.stdout.strip()}"
                )
    return errors


def exported_names(exposition: str) -> set[str]:
    """Sample names in an exposition, plus each declared family's names by its type."""
    names = set()
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            _, _, family, kind = line.split(maxsplit=3)
            names.update(family + suffix for suffix in SUFFIXES.get(kind.strip(), ("",)))
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{\s]", line, maxsplit=1)[0])
    return names


def check(paths: list[Path], exposition: str, promtool: str) -> list[str]:
    """Every problem found in these dashboards (empty when they are fine)."""
    exported = exported_names(exposition) | PROMETHEUS_OWN
    problems = []
    for path in paths:
        exprs = expressions(path)
        if not exprs:
            problems.append(f"{path.name}: no PromQL targets")
        problems += [f"{path.name}: does not parse: {e}" for e in promql_errors(exprs, promtool)]
        for title, expr in exprs:
            for name in sorted(metric_names(expr) - exported):
                problems.append(
                    f"{path.name}: panel {title!r} uses {name}, which Freight does not export"
                )
    return problems


# --- a live Freight -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _traffic(base: str) -> None:
    with httpx.Client(base_url=base, timeout=10) as http:
        resp = http.post(
            "/api/auth/register",
            json={
                "organization_name": "Check",
                "email": "check@example.com",
                "password": "correct-horse-battery",
                "full_name": "Check",
            },
        )
        resp.raise_for_status()
        resp = http.post(
            "/api/auth/login",
            json={"email": "check@example.com", "password": "correct-horse-battery"},
        )
        resp.raise_for_status()
        auth = {"Authorization": f"Bearer {resp.json()['access_token']}"}
        http.post("/api/drivers", headers=auth, json={"full_name": "D", "status": "available"})
        for _ in range(3):
            http.get("/api/shipments", headers=auth)
        http.get("/api/shipments/00000000-0000-0000-0000-000000000000", headers=auth)
        http.get("/api/ready")
        http.get("/no-such-route")


def live_metrics() -> str:
    """Start Freight (SQLite, free port), drive a little traffic, return its /metrics."""
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        env = {
            **os.environ,
            "FREIGHT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/freight.db",
            "FREIGHT_LOG_FILE": "off",
            "FREIGHT_LOG_LEVEL": "WARNING",
            "FREIGHT_FILE_STORE_DIR": f"{tmp}/files",
            "FREIGHT_ARGON2_TIME_COST": "1",
            "FREIGHT_ARGON2_MEMORY_KIB": "8192",
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env.pop("FREIGHT_REDIS_URL", None)
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "freight.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None:
                    err = server.stderr.read().decode() if server.stderr else ""
                    raise SystemExit(f"freight serve exited: {err}")
                time.sleep(0.1)
            _traffic(base)
            return httpx.get(f"{base}/metrics", timeout=10).text
        finally:
            server.terminate()
            server.wait(timeout=20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("dashboards", nargs="*", type=Path, default=DASHBOARDS)
    parser.add_argument("--metrics-url", help="a running Freight's /metrics (default: start one)")
    parser.add_argument("--promtool", default="promtool")
    args = parser.parse_args()
    exposition = (
        httpx.get(args.metrics_url, timeout=10).text if args.metrics_url else live_metrics()
    )
    problems = check(args.dashboards, exposition, args.promtool)
    for problem in problems:
        print(problem, file=sys.stderr)
    count = sum(len(expressions(p)) for p in args.dashboards)
    if problems:
        print(f"{len(problems)} problem(s) in {len(args.dashboards)} dashboard(s)", file=sys.stderr)
        return 1
    print(f"{len(args.dashboards)} dashboards, {count} queries: all parse, all metrics exported")
    return 0


if __name__ == "__main__":
    sys.exit(main())
