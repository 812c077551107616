"""The door other domains use for live, non-persistent updates (positions, read receipts).

Persistent changes go through the event log and reach clients after commit on their
own; ``LiveHub`` carries what is not worth a row in the log. The socket.io gateway
attaches itself as the sink when the app starts.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

Sink = Callable[[str, uuid.UUID, dict[str, Any]], Awaitable[None]]


class LiveHub:
    """Routes ``emit(event, shipment_id, payload)`` to the attached sink, if any."""

    def __init__(self) -> None:
        self._sink: Sink | None = None

    def attach(self, sink: Sink) -> None:
        """Send live updates to ``sink`` from now on."""
        self._sink = sink

    async def emit(self, event: str, shipment_id: uuid.UUID, payload: dict[str, Any]) -> None:
        """Deliver a live update about a shipment, e.g. ``shipment:location``, ``message:read``."""
        if self._sink is not None:
            await self._sink(event, shipment_id, payload)
