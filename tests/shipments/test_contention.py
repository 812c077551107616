"""One tenant cannot stall the others: a stalled export and a login storm leave the rest working.

On the embedded SQLite default every unit of work used to take the database's single
write lock (``BEGIN IMMEDIATE``) and keep it across slow work: a streamed export whose
client stopped reading, and every password verification. These tests run a real server
on a local port, because only a real socket lets a client stop reading.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import Table, insert, select

from freight.settings import Settings
from freight.shipments.models import Shipment, Stop
from tests.conftest import base_settings
from tests.helpers import Session, add_customer, register
from tests.realtime.conftest import LiveServer, start_server
from tests.shipments.conftest import book
from tests.shipments.direct import engine_of

EXPORT_ROWS = 3000  # megabytes of JSON: far more than the socket buffers hold


@pytest.fixture
def stall_settings(clean_db: str, tmp_path: Path) -> Settings:
    # Real-cost password hashing (the defaults), so a login spends real time verifying.
    return base_settings(
        clean_db,
        tmp_path,
        argon2_time_cost=3,
        argon2_memory_kib=65536,
        argon2_parallelism=2,
        rate_limit_login="100000/minute",
        export_send_timeout_s=60,
    )


@pytest.fixture
async def server(stall_settings: Settings) -> AsyncIterator[LiveServer]:
    srv, task, url, app = await start_server(stall_settings)
    try:
        async with AsyncClient(base_url=url, timeout=30) as http:
            yield LiveServer(url, stall_settings, http, app)
    finally:
        srv.should_exit = True
        await task


async def clone_shipments(app: FastAPI, shipment_id: str, count: int) -> None:
    """Copy one booked shipment ``count`` times behind the API's back (fast bulk data)."""
    shipments, stops = Shipment.__table__, Stop.__table__
    assert isinstance(shipments, Table) and isinstance(stops, Table)  # each maps one table
    async with engine_of(app).begin() as conn:
        row = (
            (await conn.execute(select(shipments).where(shipments.c.id == uuid.UUID(shipment_id))))
            .mappings()
            .one()
        )
        stop_rows = (
            (await conn.execute(select(stops).where(stops.c.shipment_id == row["id"])))
            .mappings()
            .all()
        )
        new_shipments: list[dict[str, Any]] = []
        new_stops: list[dict[str, Any]] = []
        for n in range(count):
            sid = uuid.uuid4()
            new_shipments.append(
                {
                    **row,
                    "id": sid,
                    "reference": f"FRT-X{n:07d}",
                    "created_at": row["created_at"] - timedelta(seconds=n + 1),
                }
            )
            new_stops.extend({**s, "id": uuid.uuid4(), "shipment_id": sid} for s in stop_rows)
        await conn.execute(insert(shipments), new_shipments)
        await conn.execute(insert(stops), new_stops)


def stalled_export(url: str, token: str) -> socket.socket:
    """Start a JSON export on a raw socket with a tiny receive window, and never read it."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    sock.connect((host, int(port)))
    request = (
        "GET /api/shipments/export?format=json HTTP/1.1\r\n"
        f"Host: {host}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    sock.sendall(request.encode())
    return sock


async def login_storm(http: AsyncClient, email: str, stop: asyncio.Event) -> list[int]:
    """Wrong passwords for one account, as fast as one client can send them."""
    statuses: list[int] = []
    while not stop.is_set():
        resp = await http.post("/api/auth/login", json={"email": email, "password": "wrong-guess!"})
        statuses.append(resp.status_code)
    return statuses


async def other_tenant_works(http: AsyncClient, who: Session, account: str) -> None:
    """Tenant B lists, books and reads shipments; every call must succeed."""
    for _ in range(4):
        listed = await http.get("/api/shipments", headers=who.auth)
        assert listed.status_code == 200, listed.text
        created = await book(http, who, customer_id=account)
        read = await http.get(f"/api/shipments/{created['id']}", headers=who.auth)
        assert read.status_code == 200, read.text


async def test_stalled_export_and_login_storm_do_not_block_another_tenant(
    server: LiveServer,
) -> None:
    http = server.http
    tenant_a = await register(http, "Stalled Exports Inc", "admin@stalled.example")
    account_a = await add_customer(http, tenant_a, "Slow Reader")
    first = await book(http, tenant_a, customer_id=account_a)
    await clone_shipments(server.app, first["id"], EXPORT_ROWS)
    tenant_b = await register(http, "Busy Freight", "admin@busy.example")
    account_b = await add_customer(http, tenant_b, "Steady Shipper")

    sock = stalled_export(server.url, tenant_a.access_token)
    stop = asyncio.Event()
    try:
        await asyncio.sleep(0.5)  # the export has started and filled the socket buffers
        storm = [
            asyncio.create_task(login_storm(http, "admin@stalled.example", stop)) for _ in range(8)
        ]
        await asyncio.sleep(0.5)
        await asyncio.wait_for(other_tenant_works(http, tenant_b, account_b), timeout=60)
        # The export was stuck on its unread socket the whole time (it holds its slot).
        assert server.ctx.exports.free == server.settings.export_concurrency - 1
        stop.set()
        statuses = [s for task in storm for s in await task]
        assert statuses and set(statuses) == {401}, set(statuses)
    finally:
        stop.set()
        with contextlib.suppress(OSError):
            sock.close()


@pytest.fixture
def impatient_settings(clean_db: str, tmp_path: Path) -> Settings:
    return base_settings(clean_db, tmp_path, export_send_timeout_s=1)


async def test_an_export_whose_client_stops_reading_is_cut_and_frees_its_slot(
    impatient_settings: Settings,
) -> None:
    srv, task, url, app = await start_server(impatient_settings)
    try:
        async with AsyncClient(base_url=url, timeout=30) as http:
            admin = await register(http, "Stalled Exports Inc", "admin@stalled.example")
            account = await add_customer(http, admin, "Slow Reader")
            first = await book(http, admin, customer_id=account)
            await clone_shipments(app, first["id"], EXPORT_ROWS)
            slots = app.state.ctx.exports
            sock = stalled_export(url, admin.access_token)
            try:
                for _ in range(100):  # the export starts, stalls, and is cut after 1 s
                    await asyncio.sleep(0.1)
                    if slots.free == impatient_settings.export_concurrency:
                        break
                assert slots.free == impatient_settings.export_concurrency
                # The client got a cut transfer: the server closed the connection early.
                sock.settimeout(10)
                received = b""
                while chunk := await asyncio.to_thread(sock.recv, 65536):
                    received += chunk
                assert received.startswith(b"HTTP/1.1 200")
                assert b"transfer-encoding: chunked" in received.lower()
                assert not received.endswith(b"\r\n0\r\n\r\n")  # no final chunk: cut
            finally:
                sock.close()
    finally:
        srv.should_exit = True
        await task
