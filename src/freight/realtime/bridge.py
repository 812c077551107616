"""From committed events to socket.io: envelopes, and the hop between processes.

Every process must see every shipment and fleet event (its subscribers may be anywhere),
so with Redis the origin publishes envelopes on a channel that every process reads,
itself included; without Redis they go straight to the local gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import structlog
from redis.asyncio import Redis
from sqlalchemy.orm import object_session

from freight.events import Event
from freight.redis_guard import RedisGuard, RedisUnavailable
from freight.shipments.staff_notes import for_viewer

log = structlog.get_logger("freight.realtime")
CHANNEL = "freight:realtime"


def channel_for(redis: Redis) -> str:
    """The channel of this Redis database: pub/sub ignores database numbers, so two
    deployments sharing one server (``/1`` and ``/2``) would otherwise hear each other."""
    db = redis.connection_pool.connection_kwargs.get("db", 0)
    return f"{CHANNEL}:{db}"


Deliver = Callable[[list[dict[str, Any]]], Awaitable[None]]


def _shipment_of(event: Event) -> Any:
    """The event's shipment as committed, if its session holds it (no SQL)."""
    from freight.shipments.models import Shipment

    session = object_session(event)
    if session is None or event.shipment_id is None:
        return None
    shipment = session.identity_map.get(session.identity_key(Shipment, event.shipment_id))
    return shipment if isinstance(shipment, Shipment) else None


def access_of(shipment: Any) -> dict[str, str | None]:
    """Who may see a shipment: the facts ``shipments.queries.can_see`` decides on."""
    return {
        "org_id": str(shipment.organization_id),
        "customer_id": str(shipment.customer_id) if shipment.customer_id else None,
        "driver_id": str(shipment.driver_id) if shipment.driver_id else None,
    }


# Organisation-wide events that change what the dispatch board shows.
BOARD_EVENTS = ("driver.", "vehicle.")


def board_item(event: Event) -> dict[str, Any]:
    """A fleet change for the organisation's dispatch board: ids and statuses only."""
    data, changes = event.data, event.data.get("changes", {})
    status = data.get("status") or (changes["status"][-1] if "status" in changes else None)
    payload = {
        "event_id": event.id,
        "seq": None,
        "shipment_id": None,
        "type": event.type,
        "driver_id": data.get("driver_id"),
        "vehicle_id": data.get("vehicle_id"),
        "status": status,
        "at": event.occurred_at.isoformat(),
    }
    org = str(event.organization_id)
    return {"kind": "board", "org": org, "event": "dispatch:board", "payload": payload}


def envelope(event: Event) -> dict[str, Any] | None:
    """The socket.io form of a committed event, or None when it is not streamed.

    Every shipment payload carries the shipment's ``seq`` so a client can see a gap;
    the envelope (not the payload) carries the shipment's access facts when known, so
    each process checks every delivery against the shipment as of that event. Fleet
    events have no shipment: they go to the organisation's board only (``board_item``).
    """
    if event.shipment_id is None and event.type.startswith(BOARD_EVENTS):
        return board_item(event)
    if event.shipment_id is None or event.seq is None:
        return None
    at = event.occurred_at.isoformat()
    shipment = _shipment_of(event)
    base: dict[str, Any] = {
        "org": str(event.organization_id),
        "shipment_id": str(event.shipment_id),
        "seq": event.seq,
        "kind": "event",
    }
    if shipment is not None:
        base["access"] = access_of(shipment)
    if event.type == "message.posted":
        payload = {"event_id": event.id, "seq": event.seq, **event.data}
        return base | {"event": "message:new", "payload": payload}
    payload = {
        "event_id": event.id,
        "seq": event.seq,
        "shipment_id": str(event.shipment_id),
        "type": event.type,
        "status": shipment.status if shipment is not None else event.data.get("to"),
        "version": shipment.version if shipment is not None else None,
        # One emit reaches every role in the room: staff notes stay out (staff pages
        # re-read their timeline, which has them).
        "changes": for_viewer(event.type, event.data, staff=False),
        "at": at,
    }
    return base | {"event": "shipment:updated", "payload": payload}


def envelopes(batch: Sequence[Event]) -> list[dict[str, Any]]:
    """Envelopes of the streamed events of a batch, in order."""
    return [env for env in (envelope(e) for e in batch) if env is not None]


class LocalBridge:
    """Single process: hand envelopes straight to the gateway."""

    def __init__(self, deliver: Deliver) -> None:
        self._deliver = deliver

    async def publish(self, items: list[dict[str, Any]]) -> None:
        """Deliver now."""
        if items:
            await self._deliver(items)

    async def start(self) -> None:
        """Nothing to start."""

    async def stop(self) -> None:
        """Nothing to stop."""


class RedisBridge:
    """Several processes: publish on a Redis channel that every process (this one too) reads.

    A publish that Redis cannot take (down, frozen, breaker open) is delivered to this
    process's own subscribers at once instead, so the committing request never waits
    on Redis beyond its timeout and the local half of the fan-out keeps working; the
    other processes' subscribers get the event by replay (their clients' catch-up).
    """

    def __init__(self, redis: Redis, deliver: Deliver, guard: RedisGuard | None = None) -> None:
        self._redis = redis
        self._deliver = deliver
        self._guard = guard or RedisGuard(5.0)
        self._channel = channel_for(redis)
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def publish(self, items: list[dict[str, Any]]) -> None:
        """Send to every process, or to this one alone when Redis cannot be reached."""
        if not items:
            return
        data = json.dumps(items, default=str)
        try:
            await self._guard.call(lambda: self._redis.publish(self._channel, data))
        except RedisUnavailable:
            log.warning("realtime.publish_local_only", items=len(items))
            await self._deliver(items)

    async def start(self) -> None:
        """Start reading the channel; wait briefly for the subscription, never fail on it.

        With Redis down the app still starts (``/api/ready`` says what is wrong) and the
        listener keeps retrying.
        """
        self._task = asyncio.create_task(self._listen())
        try:
            await asyncio.wait_for(self._ready.wait(), timeout=2)
        except TimeoutError:
            log.warning("realtime.bridge_not_subscribed_yet")

    async def stop(self) -> None:
        """Stop reading."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _listen(self) -> None:
        failures = 0
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    self._ready.set()
                    if failures:
                        log.info("realtime.bridge_resubscribed", after_failures=failures)
                    failures = 0
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            await self._deliver(json.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep listening through Redis restarts
                # One traceback per outage, then a line per retry (a dead Redis is no bug).
                if failures == 0:
                    log.exception("realtime.bridge_failed")
                else:
                    log.warning("realtime.bridge_retrying", error=type(exc).__name__)
                failures += 1
                await asyncio.sleep(1)


def revoke_item(user_id: str, reason: str) -> dict[str, Any]:
    """A notice that a user's sockets must close, on every process."""
    return {"kind": "revoke", "user_id": user_id, "reason": reason}


def live_item(event: str, shipment_id: uuid.UUID, payload: dict[str, Any]) -> dict[str, Any]:
    """A non-persistent update (location, read receipt) in envelope form."""
    return {"kind": "live", "event": event, "shipment_id": str(shipment_id), "payload": payload}
