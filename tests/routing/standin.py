"""What the routing stand-ins share: a made-up road network, failure modes, a real server.

The "road" between two points is the great-circle distance x 1.3 driven at 80 km/h, so
a distance from a stand-in is never the estimate (x 1.2 at 65 km/h). Points south of
60 degrees S have no road to anywhere. ``status`` answers every call with that HTTP
status (and the provider's error body), ``delay_s`` holds each answer back (a timeout),
``garbage`` answers 200 with a body that is not JSON, ``wrong_shape`` 200 with JSON that
is not the documented answer.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from freight.geo import haversine_km
from freight.routing import polyline

ROAD_FACTOR = 1.3
SPEED_KMH = 80.0


def road_km(a: tuple[float, float], b: tuple[float, float]) -> float | None:
    """The stand-in network's distance from ``a`` to ``b`` (lat, lng), None with no road."""
    if a[0] < -60 or b[0] < -60:
        return None
    return haversine_km(a[0], a[1], b[0], b[1]) * ROAD_FACTOR


def drive_s(km: float) -> float:
    return km / SPEED_KMH * 3600


def shape(a: tuple[float, float], b: tuple[float, float], precision: int) -> str:
    """A three-point line from ``a`` to ``b``, encoded as the provider does."""
    middle = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    return polyline.encode([a, middle, b], precision)


@dataclass
class Behaviour:
    """How a stand-in answers, and what it was asked."""

    url: str = ""
    status: int | None = None
    retry_after: str | None = None
    delay_s: float = 0.0
    garbage: bool = False
    wrong_shape: bool = False
    key: str | None = None  # GraphHopper: the API key it requires
    calls: list[dict[str, Any]] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [call["path"] for call in self.calls]


Answer = Callable[[Request, Behaviour], Any]


def endpoint(behaviour: Behaviour, answer: Answer, error: Callable[[int], Any]) -> Any:
    """A Starlette endpoint: record the call, misbehave as told, else answer."""

    async def handle(request: Request) -> Response:
        body = await request.body()
        behaviour.calls.append(
            {
                "path": request.url.path,
                "params": list(request.query_params.multi_items()),
                "body": body.decode() if body else None,
                "user_agent": request.headers.get("user-agent"),
            }
        )
        if behaviour.delay_s:
            await asyncio.sleep(behaviour.delay_s)
        if behaviour.status is not None:
            headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else {}
            status = behaviour.status
            return JSONResponse(error(status), status_code=status, headers=headers)
        if behaviour.garbage:
            return PlainTextResponse("<html>502 Bad Gateway</html>", status_code=200)
        if behaviour.wrong_shape:
            return JSONResponse({"unexpected": True})
        result = await answer(request, behaviour)
        if isinstance(result, Response):
            return result
        return JSONResponse(result)

    return handle


class Served:
    """A stand-in app served by uvicorn on a free port, in a background thread."""

    def __init__(self, app: Starlette, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        behaviour.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Behaviour:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the routing stand-in did not start")
            time.sleep(0.01)
        return self.behaviour

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
