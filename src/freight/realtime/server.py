"""This process's socket.io server, counting the messages it sends and receives."""

from __future__ import annotations

from typing import Any

import socketio

from freight.observability.metrics import WS_MESSAGES
from freight.settings import Settings


class CountingServer(socketio.AsyncServer):  # type: ignore[misc]
    """The socket.io server, counting what it emits (one per emit, to a room or a client)."""

    async def emit(self, event: str, *args: Any, **kwargs: Any) -> None:
        WS_MESSAGES.labels(event, "out").inc()
        await super().emit(event, *args, **kwargs)


def counted(event: str, handler: Any) -> Any:
    """``handler`` counting each message it receives."""

    async def handle(*args: Any) -> Any:
        WS_MESSAGES.labels(event, "in").inc()
        return await handler(*args)

    return handle


def create_server(settings: Settings) -> socketio.AsyncServer:
    """The socket.io server of this process.

    Its rooms are local: what must reach every process travels on ``bridge``'s Redis
    channel, and each process then releases it to its own clients in order.
    """
    return CountingServer(
        async_mode="asgi",
        cors_allowed_origins=settings.cors_origins or None,
        max_http_buffer_size=settings.ws_max_payload_bytes,
        ping_interval=settings.ws_ping_interval_s,
        ping_timeout=settings.ws_ping_timeout_s,
        http_compression=False,
        compression_threshold=10**9,
    )
