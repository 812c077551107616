"""Two processes sharing PostgreSQL and Redis: a change via one reaches the other's clients."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import PG_URL, REDIS_URL
from tests.fleet_helpers import add_driver, book_load
from tests.helpers import add_customer, add_user, assert_problem, register
from tests.realtime.conftest import connect, free_port

pytestmark = pytest.mark.skipif(
    not (PG_URL and REDIS_URL), reason="needs PostgreSQL and Redis; runs in that pass of the suite"
)


async def _serve(port: int, tmp_path: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "FREIGHT_DATABASE_URL": PG_URL or "",
        "FREIGHT_REDIS_URL": REDIS_URL or "",
        "FREIGHT_AUTO_MIGRATE": "false",
        "FREIGHT_LOG_FILE": str(tmp_path / f"server-{port}.log"),
        "FREIGHT_LOG_LEVEL": "WARNING",
        "FREIGHT_ARGON2_TIME_COST": "1",
        "FREIGHT_ARGON2_MEMORY_KIB": "8192",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "freight.cli",
        "serve",
        "--port",
        str(port),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        start_new_session=True,
    )


@pytest.fixture
async def two_servers(clean_db: str, tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    ports = [free_port(), free_port()]
    procs = [await _serve(port, tmp_path) for port in ports]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        async with httpx.AsyncClient() as http:
            for url in urls:
                for _ in range(1200):  # up to a minute: start-up is slow on a loaded machine
                    try:
                        if (await http.get(f"{url}/api/ready")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.05)
                else:
                    raise AssertionError(f"{url} did not become ready")
        yield urls[0], urls[1]
    finally:
        for proc in procs:
            if proc.returncode is None:
                os.killpg(proc.pid, signal.SIGTERM)
            await proc.wait()


async def test_a_change_through_one_process_reaches_a_client_of_the_other(
    two_servers: tuple[str, str],
) -> None:
    first, second = two_servers
    async with httpx.AsyncClient(base_url=second, timeout=10) as http:
        admin = await register(http, "Acme", "admin@acme.example")
        account = await add_customer(http, admin)
        buyer = await add_user(http, admin, "customer", "buyer@globex.example", account)
        load = await book_load(http, admin, account)
        listener = await connect(first, buyer.access_token)
        try:
            ack = await listener.client.call("subscribe", {"shipment_id": load["id"]}, timeout=5)
            assert ack["ok"] is True
            await http.patch(
                f"/api/shipments/{load['id']}", headers=buyer.auth, json={"notes": "via 2"}
            )
            [update] = await listener.wait_for("shipment:updated", within=2.0)
            assert update["shipment_id"] == load["id"] and update["version"] == 2
        finally:
            await listener.client.disconnect()


async def test_deactivation_through_one_process_closes_the_users_socket_on_the_other(
    two_servers: tuple[str, str],
) -> None:
    first, second = two_servers
    async with httpx.AsyncClient(base_url=second, timeout=10) as http:
        admin = await register(http, "Acme", "admin@acme.example")
        account = await add_customer(http, admin)
        buyer = await add_user(http, admin, "customer", "buyer@globex.example", account)
        load = await book_load(http, admin, account)
        listener = await connect(first, buyer.access_token)
        try:
            ack = await listener.client.call("subscribe", {"shipment_id": load["id"]}, timeout=5)
            assert ack["ok"] is True
            resp = await http.patch(
                f"/api/users/{buyer.id}", headers=admin.auth, json={"is_active": False}
            )
            assert resp.status_code == 200, resp.text
            await listener.wait_closed(within=3.0)
            assert any("session ended" in e["error"] for e in listener.of("error"))
        finally:
            await listener.client.disconnect()


async def test_a_driver_availability_change_through_one_process_reaches_the_board_on_the_other(
    two_servers: tuple[str, str],
) -> None:
    first, second = two_servers
    async with httpx.AsyncClient(base_url=second, timeout=10) as http:
        admin = await register(http, "Acme", "admin@acme.example")
        dee = await add_driver(http, admin, "dee@acme.example")
        board = await connect(first, admin.access_token)
        try:
            assert await board.client.call("subscribe_dispatch", {}, timeout=5) == {"ok": True}
            url = f"/api/drivers/{dee.id}/availability"
            resp = await http.put(url, headers=dee.auth, json={"status": "off_duty"})
            assert resp.status_code == 200, resp.text
            [update] = await board.wait_for("dispatch:board", within=2.0)
            assert (update["type"], update["driver_id"]) == ("driver.availability_changed", dee.id)
        finally:
            await board.client.disconnect()


async def test_a_role_change_through_one_process_applies_at_once_on_the_other(
    two_servers: tuple[str, str],
) -> None:
    first, second = two_servers
    async with (
        httpx.AsyncClient(base_url=first, timeout=10) as one,
        httpx.AsyncClient(base_url=second, timeout=10) as two,
    ):
        admin = await register(two, "Acme", "admin@acme.example")
        user = await add_user(two, admin, "dispatcher", "disp@acme.example")
        assert_problem(await one.get("/api/users", headers=user.auth), 403)  # cached by one
        resp = await two.patch(f"/api/users/{user.id}", headers=admin.auth, json={"role": "admin"})
        assert resp.status_code == 200, resp.text
        assert (await one.get("/api/users", headers=user.auth)).status_code == 200
