"""The release load test in one command: seed, serve, run Locust headless, judge.

    .venv/bin/python loadtest/run.py                         # 50 users, 5 minutes, plan budget
    .venv/bin/python loadtest/run.py --budget design         # design.md's tighter budget
    .venv/bin/python loadtest/run.py --users 20 --duration 30s --smoke --budget off

Without ``--host`` it creates a throwaway PostgreSQL database (``freight_load_*``, dropped
afterwards), flushes Redis db 11, migrates, seeds a realistic volume (``seed.py``),
starts ``freight serve --workers 2`` in production mode, and samples the server's memory
while Locust runs. With ``--host`` it drives a server you started and seeded yourself
(``--seed-file`` names the JSON ``seed.py`` wrote; memory is then not measured).

Writes ``report.html``, ``stats_*.csv``, ``summary.md`` and ``summary.json`` to
``--out`` (default ``loadtest/results/<UTC time>/``) and exits 1 when a gate fails.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from harness import flush_redis, freight, production_env, serve, temp_database  # noqa: E402

from loadtest import gates  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/11"  # the load test's own db; flushed every run
VENV_BIN = ROOT / ".venv" / "bin"
SMOKE_VOLUME = {"shipments": 300, "drivers": 60, "logins": 30}
FULL_VOLUME = {"shipments": 3000, "drivers": 400, "logins": 60}


def rss_mib(pid: int) -> float:
    """Resident memory of one process in MiB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


class MemorySampler(threading.Thread):
    """Samples the RSS of the server's supervisor and workers once a second."""

    def __init__(self, pids: Any) -> None:
        super().__init__(daemon=True)
        self._pids = pids  # a callable: the processes to sum right now
        self._halt = threading.Event()
        self.peak_total = 0.0
        self.peak_worker = 0.0
        self.samples: list[tuple[float, float]] = []  # (seconds, MiB of all processes)
        self.per_process: list[list[float]] = []  # MiB of each process, same instants

    def run(self) -> None:
        """Sample until stopped."""
        started = time.monotonic()
        while not self._halt.wait(1.0):
            per = [rss_mib(p) for p in self._pids()]
            total = sum(per)
            self.samples.append((time.monotonic() - started, total))
            self.per_process.append(per)
            self.peak_total = max(self.peak_total, total)
            self.peak_worker = max([self.peak_worker, *per])

    def stop(self) -> None:
        """Stop sampling."""
        self._halt.set()
        self.join(5)

    def write_csv(self, path: Path) -> None:
        """Every sample: seconds, total MiB, then each process (supervisor first)."""
        lines = ["seconds,total_mib,process_mib..."]
        for (seconds, total), per in zip(self.samples, self.per_process, strict=True):
            lines.append(",".join(f"{v:.1f}" for v in (seconds, total, *per)))
        path.write_text("\n".join(lines) + "\n")

    def slopes_per_process(self) -> list[float]:
        """The memory slope of each process on its own (MiB/h; NaN when too short)."""
        width = min((len(per) for per in self.per_process), default=0)
        return [
            gates.memory_slope_mib_per_hour(
                [(t, per[i]) for (t, _), per in zip(self.samples, self.per_process, strict=True)]
            )
            for i in range(width)
        ]


def scrape(base_url: str) -> str:
    """GET /metrics (merged over every worker)."""
    token = os.environ.get("FREIGHT_METRICS_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{base_url}/metrics", headers=headers, timeout=30).text


def machine() -> str:
    """CPU model, cores and memory of this box."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB RAM"
    return f"{model or platform.processor()}, {os.cpu_count()} cores{mem}, {platform.platform()}"


def run_locust(args: argparse.Namespace, host: str, seed_file: Path, out: Path) -> int:
    """Locust headless against ``host``; its own exit code (1 on any failure) is ignored."""
    cmd = [
        str(VENV_BIN / "locust"),
        "-f",
        str(HERE / "locustfile.py"),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{gates.parse_duration(args.duration)}s",
        "--host",
        host,
        "--html",
        str(out / "report.html"),
        "--csv",
        str(out / "stats"),
        "--only-summary",
        "--stop-timeout",
        "10",
        "--loglevel",
        "WARNING",
    ]
    env = {**os.environ, "LOADTEST_SEED": str(seed_file)}
    with (out / "locust.log").open("wb") as log:
        return subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT).returncode  # noqa: S603


@contextlib.contextmanager
def profiled(pids: list[int], seconds: int, out: Path, enabled: bool) -> Iterator[None]:
    """py-spy profiles of the workers, as collapsed stacks (when asked and installed)."""
    spy = shutil.which("py-spy") or str(VENV_BIN / "py-spy")
    if not enabled or not Path(spy).exists():
        if enabled:
            print("py-spy not found: pip install py-spy to profile", file=sys.stderr)
        yield
        return
    procs = [
        subprocess.Popen(  # noqa: S603
            [
                spy,
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(seconds),
                "--rate",
                "50",
                "--format",
                "raw",
                "--output",
                str(out / f"profile-{pid}.txt"),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in pids
    ]
    try:
        yield
    finally:
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.terminate()


def judge(
    args: argparse.Namespace,
    out: Path,
    cache_rate: float,
    memory: MemorySampler | None,
    facts: dict[str, Any],
) -> bool:
    """Evaluate the gates, write summary.md and summary.json, print the summary."""
    budget = gates.with_overrides(
        gates.BUDGETS[args.budget],
        p95_ms=args.p95_ms,
        p99_ms=args.p99_ms,
        error_rate=None if args.error_rate is None else args.error_rate / 100,
        cache_hit_rate=None if args.cache_hit_rate is None else args.cache_hit_rate / 100,
        ws_p99_ms=args.ws_p99_ms,
        peak_memory_mb=args.memory_mb,
    )
    rows, total = gates.read_stats(out / "stats_stats.csv")
    peak = memory.peak_total if memory else math.nan
    verdict = gates.evaluate(
        rows, total, budget, cache_rate=cache_rate, peak_memory_mb=peak, exclude=args.exclude
    )
    if total is not None:
        facts["requests"] = total.requests
        facts["throughput"] = f"{total.rps:.1f} req/s"
        facts["overall p95 / p99 (HTTP and WS)"] = f"{total.p95_ms:.0f} / {total.p99_ms:.0f} ms"
    facts["cache hit rate"] = "n/a" if math.isnan(cache_rate) else f"{cache_rate * 100:.1f} %"
    if memory:
        facts["server peak RSS"] = (
            f"{memory.peak_total:.0f} MiB in all (largest process {memory.peak_worker:.0f} MiB)"
        )
        slope = gates.memory_slope_mib_per_hour(memory.samples)
        each = ", ".join(f"{v:+.1f}" for v in memory.slopes_per_process())
        facts["server memory slope (after the first 20 %)"] = (
            "n/a (run too short)"
            if math.isnan(slope)
            else f"{slope:+.1f} MiB/h in all ({each} per process, supervisor first)"
        )
        memory.write_csv(out / "memory.csv")
    (out / "summary.md").write_text(gates.summary_markdown(verdict, facts))
    (out / "summary.json").write_text(json.dumps(gates.verdict_json(verdict, facts), indent=1))
    print((out / "summary.md").read_text())
    return bool(verdict.passed)


def prepare_server(
    args: argparse.Namespace, out: Path, stack: contextlib.ExitStack
) -> tuple[str, Path, Any]:
    """A fresh database, seeded, served by N workers; returns (base URL, seed file, server)."""
    workdir = out / "server"
    workdir.mkdir(parents=True, exist_ok=True)
    url = stack.enter_context(temp_database("freight_load"))
    flush_redis(REDIS_URL)
    env = production_env(
        url,
        workdir,
        FREIGHT_REDIS_URL=REDIS_URL,
        FREIGHT_RATE_LIMIT_API="1200/minute",  # the default: every simulated user has its own
        FREIGHT_FILE_STORE_DIR=str(workdir / "files"),
    )
    freight(env, "db", "upgrade", cwd=workdir)
    volume = dict(SMOKE_VOLUME if args.smoke else FULL_VOLUME)
    for key in volume:
        if getattr(args, key) is not None:
            volume[key] = getattr(args, key)
    volume["logins"] = max(volume["logins"], args.users)
    seed_file = out / "seed.json"
    started = time.monotonic()
    cmd = [str(VENV_BIN / "python"), str(HERE / "seed.py"), "--out", str(seed_file)]
    cmd += [f"--{k}={v}" for k, v in volume.items()]
    subprocess.run(cmd, env=env, cwd=workdir, check=True)  # noqa: S603
    print(f"seeded in {time.monotonic() - started:.0f} s", file=sys.stderr)
    server = stack.enter_context(serve(env, workdir, args.workers))
    return server.base_url, seed_file, server


def main(argv: list[str] | None = None) -> int:
    """Parse flags, run, judge; 0 when every gate passed."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=50)
    p.add_argument(
        "--spawn-rate",
        type=float,
        default=1,
        help="users started per second (Locust's default: each signs in as it starts, and 50 "
        "Argon2id sign-ins within 10 s measure the password hash more than the API)",
    )
    p.add_argument("--duration", default="5m", help="e.g. 30s, 5m, 1h")
    p.add_argument("--host", help="drive this running server instead of starting one")
    p.add_argument("--seed-file", type=Path, help="with --host: the JSON seed.py wrote")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--budget", choices=sorted(gates.BUDGETS), default="plan")
    p.add_argument("--p95-ms", type=float, help="override: p95 per endpoint")
    p.add_argument("--p99-ms", type=float, help="override: p99 per endpoint")
    p.add_argument("--error-rate", type=float, help="override: max errors, percent")
    p.add_argument("--cache-hit-rate", type=float, help="override: min hit rate, percent")
    p.add_argument("--ws-p99-ms", type=float, help="override: WebSocket delivery p99")
    p.add_argument("--memory-mb", type=float, help="override: server peak RSS, MiB")
    p.add_argument(
        "--exclude",
        nargs="*",
        default=list(gates.DEFAULT_EXCLUDE),
        help="endpoints left out of the latency gates",
    )
    p.add_argument("--smoke", action="store_true", help="seed a small volume (CI)")
    p.add_argument("--shipments", type=int, help="seed this many shipments")
    p.add_argument("--drivers", type=int, help="seed this many fleet drivers")
    p.add_argument("--logins", type=int, help="seed this many logins per role")
    p.add_argument("--profile", action="store_true", help="py-spy flame graphs of the workers")
    p.add_argument("--out", type=Path, help="default: loadtest/results/<UTC time>")
    args = p.parse_args(argv)
    if args.host and not args.seed_file:
        p.error("--host needs --seed-file (the JSON seed.py wrote for that server)")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = (args.out or HERE / "results" / stamp).resolve()
    out.mkdir(parents=True, exist_ok=True)
    seconds = gates.parse_duration(args.duration)
    facts: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "users": args.users,
        "spawn rate": f"{args.spawn_rate:g}/s",
        "duration": f"{seconds} s",
        "machine": machine(),
    }
    with contextlib.ExitStack() as stack:
        memory: MemorySampler | None = None
        worker_pids: list[int] = []
        if args.host:
            host, seed_file = args.host.rstrip("/"), args.seed_file.resolve()
            facts["server"] = f"{host} (started elsewhere)"
        else:
            host, seed_file, server = prepare_server(args, out, stack)
            worker_pids = server.worker_pids()
            facts["server"] = (
                f"freight serve --workers {args.workers}, PostgreSQL + Redis db 11, "
                "production settings, API rate limit 1200/minute per user (the default)"
            )
            memory = MemorySampler(lambda: [server.process.pid, *server.worker_pids()])
            memory.start()
        facts["seeded"] = json.loads(seed_file.read_text()).get("counts", {})
        before = gates.cache_counts(scrape(host))
        with profiled(worker_pids, seconds + 15, out, args.profile):
            code = run_locust(args, host, seed_file, out)
        after = gates.cache_counts(scrape(host))
        if memory:
            memory.stop()
        facts["locust exit code"] = code
        if not (out / "stats_stats.csv").exists():
            print((out / "locust.log").read_text()[-3000:], file=sys.stderr)
            print("locust wrote no statistics", file=sys.stderr)
            return 2
        passed = judge(args, out, gates.hit_rate(before, after), memory, facts)
    print(f"report: {out / 'report.html'}\nsummary: {out / 'summary.md'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
