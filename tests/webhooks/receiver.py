"""A webhook receiver on a local port, as an integrator would run one (aiohttp).

It records every request, answers from a script of statuses (then 200), can hold a
request unanswered (to kill the worker mid-delivery), and checks signatures with the
``standardwebhooks`` package, as the integrator's own code would.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from standardwebhooks.webhooks import Webhook

from tests.realtime.conftest import free_port


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    path: str

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    def verified(self, secret: str) -> dict[str, Any]:
        """The payload, once ``standardwebhooks`` accepted the signature (else it raises)."""
        payload: dict[str, Any] = Webhook(secret).verify(self.body, self.headers)
        return payload

    def json(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded


@dataclass
class Receiver:
    """Answers ``script`` in order (then ``then``); ``hold_first`` never answers the first."""

    script: list[int] = field(default_factory=list)
    then: int = 200
    hold_first: bool = False
    received: list[Received] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = field(default_factory=free_port)
    _runner: web.AppRunner | None = None
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/freight"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.received.append(Received(dict(request.headers.items()), body, request.path))
        first = len(self.received) == 1
        self.arrived.set()
        if first and self.hold_first:
            await self._release.wait()  # never set: the worker is killed meanwhile
        status = self.script.pop(0) if self.script else self.then
        if 300 <= status < 400:
            return web.Response(status=status, headers={"Location": "http://127.0.0.1:1/x"})
        return web.Response(status=status, text=f"answered {status} " + "x" * 2000)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, count: int, within: float = 10.0) -> Sequence[Received]:
        """Until ``count`` requests arrived (or fail after ``within`` seconds)."""
        deadline = asyncio.get_running_loop().time() + within
        while len(self.received) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{len(self.received)} of {count} deliveries arrived")
            await asyncio.sleep(0.02)
        return self.received

    def ids(self) -> Counter[str]:
        return Counter(r.webhook_id for r in self.received)
