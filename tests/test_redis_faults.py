"""Fault runs against a private Redis (killed, frozen, restarted): only the cache, the
limits and the fan-out between processes degrade; the API keeps answering.

Each test starts its own ``redis-server`` on a free port (never the shared one) and two
Freight processes' worth of apps on real ports, sharing the test database.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from redis.asyncio import Redis

from freight.redis_guard import OPEN
from freight.settings import Settings
from tests.conftest import base_settings
from tests.fleet_helpers import book_load
from tests.helpers import PASSWORD, Session, add_customer, add_user, assert_problem, register
from tests.realtime.conftest import Listener, LiveServer, connect, free_port, start_server

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="needs a redis-server binary")

# Generous: the breaker makes a request with Redis away cost microseconds more; without
# it every Redis call waits for a timeout (redis-py's default is none at all).
SLOW_S = 2.0


class PrivateRedis:
    """A redis-server of this test's own, without persistence, that can be killed and frozen."""

    def __init__(self, workdir: Path, appendonly: bool = False) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.appendonly = appendonly
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        assert REDIS_SERVER is not None
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "yes" if self.appendonly else "no"]
        command += ["--dir", str(self.workdir)]
        # The binary found on PATH, our own arguments; started once, then polled below.
        self.proc = subprocess.Popen(  # noqa: S603, ASYNC220
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        probe = Redis.from_url(self.url, socket_timeout=0.5, socket_connect_timeout=0.5)
        try:
            for _ in range(200):
                try:
                    if await probe.ping():
                        return
                except Exception:  # not up yet
                    await asyncio.sleep(0.025)
            raise AssertionError("private redis-server did not start")
        finally:
            await probe.aclose()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)  # a frozen process must die too
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        """A clean shutdown (SIGTERM), as a restart by the operator or the orchestrator."""
        assert self.proc is not None
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc = None

    def freeze(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)


@pytest.fixture
async def redis_server(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    await server.start()
    try:
        yield server
    finally:
        if server.proc is not None:
            server.kill()


def fault_settings(clean_db: str, tmp_path: Path, redis_url: str, **extra: Any) -> Settings:
    """Short Redis timeouts and cool-down so the test runs in seconds."""
    values: dict[str, Any] = {
        "redis_url": redis_url,
        "redis_timeout_s": 0.25,
        "redis_breaker_cooldown_s": 0.5,
        "redis_health_check_interval_s": 1,
    }
    values.update(extra)
    return base_settings(clean_db, tmp_path, **values)


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[LiveServer]:
    """One Freight process on a real port (uvicorn in the test loop)."""
    server, task, url, app = await start_server(settings)
    try:
        async with AsyncClient(base_url=url, timeout=30) as http:
            yield LiveServer(url, settings, http, app)
    finally:
        server.should_exit = True
        await task


@dataclass
class World:
    admin: Session
    buyer: Session
    load_id: str
    reference: str


async def world(http: AsyncClient) -> World:
    admin = await register(http, "Acme", "admin@acme.example")
    account = await add_customer(http, admin)
    buyer = await add_user(http, admin, "customer", "buyer@globex.example", account)
    load = await book_load(http, admin, account)
    return World(admin, buyer, load["id"], load["reference"])


async def subscribed(server: LiveServer, who: Session, load_id: str) -> Listener:
    listener = await connect(server.url, who.access_token)
    ack = await listener.client.call("subscribe", {"shipment_id": load_id}, timeout=5)
    assert ack["ok"] is True, ack
    return listener


async def timed(coro: Any) -> tuple[Any, float]:
    started = time.monotonic()
    result = await coro
    return result, time.monotonic() - started


async def assert_api_keeps_working(server: LiveServer, w: World, note: str) -> None:
    """Authenticated reads and writes, login and public tracking while Redis is away."""
    http = server.http
    for i in range(10):
        read, spent = await timed(http.get(f"/api/shipments/{w.load_id}", headers=w.admin.auth))
        assert read.status_code == 200, read.text
        assert spent < SLOW_S, f"read {i} took {spent:.2f}s"
        me, spent = await timed(http.get("/api/auth/me", headers=w.buyer.auth))
        assert me.status_code == 200 and spent < SLOW_S, (me.text, spent)
        track, spent = await timed(http.get(f"/api/track/{w.reference}"))
        assert track.status_code == 200 and spent < SLOW_S, (track.text, spent)
    edit, spent = await timed(
        http.patch(f"/api/shipments/{w.load_id}", headers=w.buyer.auth, json={"notes": note})
    )
    assert edit.status_code == 200, edit.text
    assert spent < SLOW_S, f"a commit took {spent:.2f}s"
    # Lockouts cannot be checked without Redis: refused, never unlimited guessing.
    login, spent = await timed(
        http.post("/api/auth/login", json={"email": "admin@acme.example", "password": PASSWORD})
    )
    body = assert_problem(login, 503, "service_unavailable")
    assert "retry-after" in login.headers and "redis" not in str(body).lower()
    assert spent < SLOW_S


async def fan_out_resumes(origin: LiveServer, w: World, remote: Listener, within: float) -> None:
    """Commits on one process reach a subscriber of the other once Redis is back."""
    seen = len(remote.of("shipment:updated"))
    deadline = time.monotonic() + within
    n = 0
    while len(remote.of("shipment:updated")) == seen:
        assert time.monotonic() < deadline, "fan-out between processes did not resume"
        n += 1
        edit = await origin.http.patch(
            f"/api/shipments/{w.load_id}", headers=w.buyer.auth, json={"notes": f"back {n}"}
        )
        assert edit.status_code == 200, edit.text
        await asyncio.sleep(0.3)


async def test_with_redis_killed_and_restarted_the_api_keeps_answering(
    clean_db: str, tmp_path: Path, redis_server: PrivateRedis
) -> None:
    settings = fault_settings(clean_db, tmp_path, redis_server.url)
    async with serving(settings) as a, serving(settings) as b:
        w = await world(a.http)
        local = await subscribed(a, w.buyer, w.load_id)
        remote = await subscribed(b, w.buyer, w.load_id)
        try:
            redis_server.kill()
            await assert_api_keeps_working(a, w, "while redis is down")
            assert a.ctx.redis_guard.state == OPEN
            # The committing process's own subscribers still get the event.
            [update] = await local.wait_for("shipment:updated", within=3.0)
            assert update["changes"]["changes"]["notes"][1] == "while redis is down"

            await redis_server.start()  # empty: no persistence
            await asyncio.sleep(settings.redis_breaker_cooldown_s)
            # Pooled connections to the dead server are replaced, not answered with 500s.
            for _ in range(10):
                read = await a.http.get(f"/api/shipments/{w.load_id}", headers=w.admin.auth)
                assert read.status_code == 200, read.text
            await fan_out_resumes(a, w, remote, within=10.0)
            ok = await a.http.post(
                "/api/auth/login", json={"email": "admin@acme.example", "password": PASSWORD}
            )
            assert ok.status_code == 200, ok.text
        finally:
            await local.client.disconnect()
            await remote.client.disconnect()


async def test_with_redis_frozen_requests_do_not_wait_on_it(
    clean_db: str, tmp_path: Path, redis_server: PrivateRedis
) -> None:
    settings = fault_settings(clean_db, tmp_path, redis_server.url)
    async with serving(settings) as a, serving(settings) as b:
        w = await world(a.http)
        local = await subscribed(a, w.buyer, w.load_id)
        remote = await subscribed(b, w.buyer, w.load_id)
        try:
            redis_server.freeze()
            await assert_api_keeps_working(a, w, "while redis is frozen")
            [update] = await local.wait_for("shipment:updated", within=3.0)
            assert update["changes"]["changes"]["notes"][1] == "while redis is frozen"

            redis_server.thaw()
            await asyncio.sleep(settings.redis_breaker_cooldown_s)
            await fan_out_resumes(a, w, remote, within=10.0)
        finally:
            await local.client.disconnect()
            await remote.client.disconnect()


async def test_without_redis_the_api_limit_counts_in_each_process(
    clean_db: str, tmp_path: Path
) -> None:
    redis_server = PrivateRedis(tmp_path)
    await redis_server.start()
    settings = fault_settings(clean_db, tmp_path, redis_server.url, rate_limit_api="5/minute")
    try:
        async with serving(settings) as a:
            # Signing in needs the shared lockouts; the calls after it do not need Redis.
            admin = await register(a.http, "Acme", "admin@acme.example")
            redis_server.stop()
            codes = [
                (await a.http.get("/api/auth/me", headers=admin.auth)).status_code for _ in range(7)
            ]
            assert codes == [200] * 5 + [429] * 2
    finally:
        if redis_server.proc is not None:
            redis_server.stop()


async def test_lockouts_survive_a_restart_of_a_redis_with_append_only_persistence(
    clean_db: str, tmp_path: Path
) -> None:
    """The configuration docs/operations.md asks for (and compose.yaml uses)."""
    redis_server = PrivateRedis(tmp_path, appendonly=True)
    await redis_server.start()
    try:
        settings = fault_settings(clean_db, tmp_path, redis_server.url)
        async with serving(settings) as a:
            await register(a.http, "Acme", "admin@acme.example")
            wrong = {"email": "admin@acme.example", "password": "wrong-password"}
            for _ in range(5):
                assert (await a.http.post("/api/auth/login", json=wrong)).status_code == 401
            redis_server.stop()
            await redis_server.start()
            await asyncio.sleep(settings.redis_breaker_cooldown_s)
            right = {"email": "admin@acme.example", "password": PASSWORD}
            assert_problem(await a.http.post("/api/auth/login", json=right), 429, "rate_limited")
    finally:
        if redis_server.proc is not None:
            redis_server.kill()


async def test_an_invalidation_redis_missed_is_not_served_once_it_is_back(
    clean_db: str, tmp_path: Path, redis_server: PrivateRedis
) -> None:
    """A user deactivated while Redis was frozen stays out after it thaws (no stale entry)."""
    settings = fault_settings(clean_db, tmp_path, redis_server.url)
    async with serving(settings) as a:
        w = await world(a.http)
        assert (await a.http.get("/api/auth/me", headers=w.buyer.auth)).status_code == 200
        redis_server.freeze()
        off = await a.http.patch(
            f"/api/users/{w.buyer.id}", headers=w.admin.auth, json={"is_active": False}
        )
        assert off.status_code == 200, off.text
        assert (await a.http.get("/api/auth/me", headers=w.buyer.auth)).status_code == 401
        redis_server.thaw()
        await asyncio.sleep(settings.redis_breaker_cooldown_s)
        for _ in range(3):
            me = await a.http.get("/api/auth/me", headers=w.buyer.auth)
            assert me.status_code == 401, me.text
