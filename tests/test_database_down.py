"""PostgreSQL going away is a 503 with Retry-After, readiness says so quickly, and it recovers.

The test runs a private PostgreSQL (initdb/pg_ctl in a temporary directory, on a free port)
so it can stop it; the machine's shared server is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from freight.app import create_app
from freight.db import create_engine
from freight.migrations import runner
from freight.settings import Settings
from tests.conftest import base_settings
from tests.helpers import assert_problem, register
from tests.realtime.conftest import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class PrivatePostgres:
    """A throwaway PostgreSQL server owned by this test."""

    def __init__(self, data: Path, port: int) -> None:
        self.data, self.port = data, port
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)  # noqa: S603

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-N")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", f"{self.data}/log", "-w", "start"
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    if not (PG_BIN / "initdb").exists() or (os.geteuid() == 0 and not shutil.which("runuser")):
        pytest.skip("needs PostgreSQL 15's initdb and pg_ctl")
    # Not under pytest's tmp_path: the server's user must be able to reach the directory.
    home = Path(tempfile.mkdtemp(prefix="freight-pg-"))
    data = home / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
        shutil.chown(data, "postgres")
    server = PrivatePostgres(data, free_port())
    server.init()
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            server.stop()
        shutil.rmtree(home, ignore_errors=True)


async def test_postgres_down_is_503_with_retry_after_and_recovers(
    private_pg: PrivatePostgres, tmp_path: Path
) -> None:
    engine = create_engine(Settings(database_url=private_pg.url))
    await runner.upgrade(engine)
    await engine.dispose()
    settings = base_settings(private_pg.url, tmp_path, redis_url=None, ready_timeout_s=2)
    app = create_app(settings)
    async with LifespanManager(app):
        transport = ASGITransport(app=app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            admin = await register(http, "Outage Haulage", "admin@outage.example")
            assert (await http.get("/api/shipments", headers=admin.auth)).status_code == 200

            await asyncio.to_thread(private_pg.stop)
            for _ in range(3):
                resp = await http.get("/api/shipments", headers=admin.auth)
                assert_problem(resp, 503, "service_unavailable")
                assert int(resp.headers["retry-after"]) >= 1
            started = time.monotonic()
            ready = await http.get("/api/ready")
            assert time.monotonic() - started < 3
            assert ready.status_code == 503 and ready.json()["checks"]["database"] == "down"

            await asyncio.to_thread(private_pg.start)
            statuses = [(await http.get("/api/shipments", headers=admin.auth)).status_code]
            while statuses[-1] != 200 and len(statuses) < 20:  # stale pooled connections go
                assert statuses[-1] == 503
                statuses.append((await http.get("/api/shipments", headers=admin.auth)).status_code)
            assert statuses[-1] == 200, statuses
            assert (await http.get("/api/ready")).status_code == 200
