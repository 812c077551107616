"""Reusable pieces for the HTTP benchmarks under ``bench/``.

A throwaway PostgreSQL database, a flushed Redis db, ``freight serve`` in its own process
group, readiness polling, free-port picking, percentiles, and a ``wrk`` runner whose Lua
script sends a bearer token, rotates over many paths and prints its figures as JSON.
Nothing here runs on import; see ``bench/shipments.py`` for a caller.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis

ROOT = Path(__file__).resolve().parent.parent
# The checkout's venv; in a git worktree without one, the interpreter running the bench.
FREIGHT = ROOT / ".venv" / "bin" / "freight"
if not FREIGHT.exists():
    FREIGHT = Path(sys.executable).parent / "freight"
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
# The benchmarks' own db, flushed every run (FREIGHT_BENCH_REDIS_URL picks another).
REDIS_URL = os.environ.get("FREIGHT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100) with linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _psql(sql: str) -> None:
    cmd = ["psql", "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, "-d", "postgres"]
    subprocess.run([*cmd, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], check=True)  # noqa: S603


@contextmanager
def temp_database(prefix: str = "freight_bench") -> Iterator[str]:
    """Create a fresh database, yield its asyncpg URL, and drop it whatever happens."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    _psql(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flush_redis(url: str = REDIS_URL) -> None:
    """Empty the benchmark's Redis db (and only that db)."""
    with redis.Redis.from_url(url) as client:
        client.flushdb()


def production_env(database_url: str, workdir: Path, **extra: str) -> dict[str, str]:
    """Environment for a production-mode server: random keys, Redis, quiet logs."""
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FREIGHT_")}
    env.update(
        FREIGHT_ENV="production",
        FREIGHT_SECRET_KEY=secrets.token_urlsafe(36),  # 48 characters
        FREIGHT_ENCRYPTION_KEYS=json.dumps({"k1": key}),
        FREIGHT_ENCRYPTION_KEY_ID="k1",
        FREIGHT_DATABASE_URL=database_url,
        FREIGHT_REDIS_URL=REDIS_URL,
        FREIGHT_RATE_LIMIT_API="10000000/minute",
        # An empty FREIGHT_LOG_FILE is ignored by the settings (env_ignore_empty), so the
        # file goes to the throwaway working directory instead; at WARNING it stays empty.
        FREIGHT_LOG_FILE=str(workdir / "freight.log"),
        FREIGHT_LOG_LEVEL="WARNING",
        # Production serves /metrics only with a token; the scraper in this process
        # (loadtest/run.py) reads the same variable.
        FREIGHT_METRICS_TOKEN=os.environ.setdefault(
            "FREIGHT_METRICS_TOKEN", secrets.token_urlsafe(24)
        ),
    )
    env.update(extra)
    return env


def freight(env: dict[str, str], *args: str, cwd: Path) -> None:
    """Run one ``freight`` CLI command, failing loudly."""
    subprocess.run([str(FREIGHT), *args], env=env, cwd=cwd, check=True)  # noqa: S603


def _cmdline(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


@dataclass
class Server:
    """``freight serve`` running in its own process group (so stopping it stops the workers)."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def worker_pids(self) -> list[int]:
        """The uvicorn worker processes (children of the supervisor)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        children = path.read_text().split() if path.exists() else []
        # Skip multiprocessing's resource tracker; the workers run ``spawn_main``.
        return [int(p) for p in children if b"spawn_main" in _cmdline(p)]

    def cpu_seconds(self) -> float:
        """User + system CPU the workers have used so far (robust to a noisy machine)."""
        ticks = 0
        for pid in self.worker_pids():
            with contextlib.suppress(FileNotFoundError):
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def wait_ready(self, timeout_s: float = 90.0) -> None:
        """Poll ``/api/ready`` until it answers 200, or fail with the server's log."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.base_url}/api/ready", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not ready; its log:\n{self.log_path.read_text()[-3000:]}")

    def stop(self, timeout_s: float = 15.0) -> None:
        """SIGTERM the group, then SIGKILL it if it does not leave in time."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@contextmanager
def serve(env: dict[str, str], workdir: Path, workers: int) -> Iterator[Server]:
    """Start ``freight serve`` on a free port, wait until ready, stop it afterwards."""
    port = free_port()
    log_path = workdir / "server.out"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [str(FREIGHT), "serve", "--workers", str(workers), "--port", str(port)],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log_path)
    try:
        server.wait_ready()
        yield server
    except BaseException:
        print(f"--- server log (tail) ---\n{log_path.read_text()[-4000:]}", file=sys.stderr)
        raise
    finally:
        server.stop()


WRK_LUA = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local token = os.getenv("BENCH_TOKEN") or ""
if #token > 0 then wrk.headers["Authorization"] = "Bearer " .. token end
math.randomseed(os.time() + tonumber(tostring({}):match("%x+$"), 16))
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(s, lat, _)
  local e = s.errors
  io.write(string.format('BENCH_RESULT {"requests": %d, "duration_us": %d, '
    .. '"status_errors": %d, "socket_errors": %d, "p50_us": %d, "p95_us": %d, '
    .. '"p99_us": %d, "max_us": %d}\\n', s.requests, s.duration, e.status,
    e.connect + e.read + e.write + e.timeout, lat:percentile(50), lat:percentile(95),
    lat:percentile(99), lat.max))
end
"""


@dataclass
class WrkResult:
    label: str
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int  # answers >= 400 plus socket errors and timeouts
    requests: int
    cpu_ms_per_req: float = math.nan  # server workers' CPU per request, when measured


def require_wrk() -> str:
    """The ``wrk`` binary, or exit saying how to install it."""
    path = shutil.which("wrk")
    if path is None:
        sys.exit("wrk not found: install it with `apt-get update && apt-get install -y wrk`")
    return path


def run_wrk(
    label: str,
    base_url: str,
    paths: Sequence[str],
    *,
    token: str = "",
    duration_s: int,
    connections: int,
    threads: int,
    workdir: Path,
) -> WrkResult:
    """Hit ``paths`` (rotating, from a random start per thread) and parse wrk's figures."""
    script, path_file = workdir / "bench.lua", workdir / f"paths-{secrets.token_hex(3)}.txt"
    script.write_text(WRK_LUA)
    path_file.write_text("\n".join(paths) + "\n")
    env = {**os.environ, "BENCH_PATHS": str(path_file), "BENCH_TOKEN": token}
    cmd = [require_wrk(), f"-t{threads}", f"-c{connections}", f"-d{duration_s}s"]
    cmd += ["--timeout", "10s", "-s", str(script), base_url]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)  # noqa: S603
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_RESULT "))
    raw = json.loads(line.removeprefix("BENCH_RESULT "))
    rps = raw["requests"] / (raw["duration_us"] / 1e6)
    p50, p95, p99 = (raw[f"p{p}_us"] / 1000 for p in (50, 95, 99))
    errors = raw["status_errors"] + raw["socket_errors"]
    return WrkResult(label, rps, p50, p95, p99, errors, raw["requests"])
