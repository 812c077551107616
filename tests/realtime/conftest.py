"""A real Freight server on a local port (uvicorn in the test loop), and socket.io clients."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
import socketio
import uvicorn
from fastapi import FastAPI
from httpx import AsyncClient

from freight.app import create_app, with_socketio
from freight.context import AppContext
from freight.settings import Settings
from tests.conftest import base_settings
from tests.helpers import Session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass
class LiveServer:
    url: str
    settings: Settings
    http: AsyncClient
    app: FastAPI

    @property
    def ctx(self) -> AppContext:
        ctx: AppContext = self.app.state.ctx
        return ctx


@pytest.fixture
def live_settings(clean_db: str, tmp_path: Path) -> Settings:
    return base_settings(
        clean_db,
        tmp_path,
        ws_idle_timeout_s=30,
        ws_location_interval_ms=250,
        ws_check_interval_s=0.2,
    )


async def start_server(
    settings: Settings,
) -> tuple[uvicorn.Server, asyncio.Task[None], str, FastAPI]:
    port = free_port()
    app = create_app(settings)
    config = uvicorn.Config(
        with_socketio(app),
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        ws_per_message_deflate=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.025)
    assert server.started, "server did not start"
    return server, task, f"http://127.0.0.1:{port}", app


@pytest.fixture
async def live(live_settings: Settings) -> AsyncIterator[LiveServer]:
    server, task, url, app = await start_server(live_settings)
    try:
        async with AsyncClient(base_url=url, timeout=10) as http:
            yield LiveServer(url, live_settings, http, app)
    finally:
        server.should_exit = True
        await task


@dataclass
class Listener:
    """A python-socketio client that records what it receives."""

    client: socketio.AsyncClient
    received: list[tuple[str, Any]] = field(default_factory=list)
    disconnected: asyncio.Event = field(default_factory=asyncio.Event)

    def of(self, event: str) -> list[Any]:
        return [data for name, data in self.received if name == event]

    async def wait_closed(self, within: float = 3.0) -> None:
        """The server closed the connection."""
        await asyncio.wait_for(self.disconnected.wait(), within)

    async def wait_for(self, event: str, count: int = 1, within: float = 3.0) -> list[Any]:
        deadline = asyncio.get_running_loop().time() + within
        while len(self.of(event)) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"expected {count} {event}, got {self.received}")
            await asyncio.sleep(0.01)
        return self.of(event)


async def connect(url: str, token: str | None) -> Listener:
    client = socketio.AsyncClient(reconnection=False)
    listener = Listener(client)
    for name in (
        "shipment:updated",
        "shipment:location",
        "message:new",
        "message:read",
        "dispatch:board",
        "error",
    ):
        client.on(name, (lambda n: lambda data: listener.received.append((n, data)))(name))
    client.on("disconnect", lambda *_: listener.disconnected.set())
    refusals: list[Any] = []
    client.on("connect_error", refusals.append)
    auth = {"token": token} if token is not None else None
    try:
        await client.connect(url, auth=auth, transports=["websocket"], wait_timeout=5)
    except socketio.exceptions.ConnectionError as exc:
        raise socketio.exceptions.ConnectionError(f"{exc}: {refusals}") from None
    return listener


def short_token(settings: Settings, who: Session, seconds: int) -> str:
    """``who``'s access token (same user, role and server-side session), expiring in ``seconds``."""
    key = settings.secret_key.get_secret_value()
    claims = jwt.decode(who.access_token, key, algorithms=["HS256"], issuer="freight")
    now = datetime.now(UTC)
    claims.update(iat=now, exp=now + timedelta(seconds=seconds))
    return jwt.encode(claims, key, "HS256")
