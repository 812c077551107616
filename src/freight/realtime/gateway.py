"""The socket.io gateway: authenticated connections, subscriptions with replay, fan-out.

Clients connect with ``auth: {token}``, then ``subscribe`` to shipments they may see
(``since_event_id`` replays what they missed), or ``subscribe_dispatch`` for the
board. Shipment events arrive from ``bridge`` in every process and are released per
shipment in sequence order (``streams``); positions are coalesced per shipment.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

import socketio
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, Role
from freight.context import AppContext
from freight.errors import DomainError, NotFound, Unauthorized
from freight.events import Event
from freight.fleet import service as fleet
from freight.identity import service as identity
from freight.identity import sessions
from freight.observability.instrumentation import observe_delivery_lag
from freight.observability.metrics import WS_CONNECTIONS, WS_CONNECTS, WS_DISCONNECTS, WS_MESSAGES
from freight.realtime.bridge import LocalBridge, RedisBridge, envelopes, live_item
from freight.realtime.streams import Cursor, Envelope, Stream
from freight.security.web_sessions import cookies_from_environ
from freight.settings import Settings
from freight.shipments import service as shipments

log = structlog.get_logger("freight.realtime")
STAFF = (Role.ADMIN, Role.DISPATCHER)


class CountingServer(socketio.AsyncServer):  # type: ignore[misc]
    """The socket.io server, counting what it emits (one per emit, to a room or a client)."""

    async def emit(self, event: str, *args: Any, **kwargs: Any) -> None:
        WS_MESSAGES.labels(event, "out").inc()
        await super().emit(event, *args, **kwargs)


def _counted(event: str, handler: Any) -> Any:
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


class Gateway:
    """Owns the socket.io handlers and this process's subscriptions."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sio = create_server(settings)
        self.actors: dict[str, Actor] = {}
        self.per_user: Counter[str] = Counter()
        self.subscriptions: dict[str, set[uuid.UUID]] = {}
        self.streams: dict[uuid.UUID, Stream] = {}
        self.locations: dict[uuid.UUID, dict[str, Any]] = {}
        self._ctx: AppContext | None = None
        self._bridge: LocalBridge | RedisBridge | None = None
        self._tasks: list[asyncio.Task[None]] = []
        for name in ("connect", "disconnect"):
            self.sio.on(name, getattr(self, f"on_{name}"))
        for name in ("subscribe", "unsubscribe", "subscribe_dispatch"):
            self.sio.on(name, _counted(name, getattr(self, f"on_{name}")))

    @property
    def ctx(self) -> AppContext:
        assert self._ctx is not None, "gateway used before start()"
        return self._ctx

    async def start(self, ctx: AppContext) -> None:
        """Wire into the app: committed events, live updates, the coalescing loop."""
        self._ctx = ctx
        self._bridge = (
            RedisBridge(ctx.redis, self.deliver, ctx.redis_guard)
            if ctx.redis
            else LocalBridge(self.deliver)
        )
        await self._bridge.start()
        ctx.bus.subscribe(self.on_committed)
        ctx.live.attach(self.on_live)
        self._tasks.append(asyncio.create_task(self._flush_locations()))

    async def stop(self) -> None:
        """Stop background work."""
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._bridge is not None:
            await self._bridge.stop()
        await self.sio.shutdown()

    # --- connections -----------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        try:
            user_id, org_id, session_id = self._authenticate(environ, auth)
            async with self.ctx.sessions() as session:
                # An ended, timed-out or foreign session cannot open a socket.
                if await sessions.check(session, session_id, user_id, self.ctx.web.idle):
                    await session.commit()
                user = await identity.active_user(session, user_id, org_id)
                role = Role(user.role)
                driver_id = (
                    await fleet.driver_id_for_user(session, user.id)
                    if role == Role.DRIVER
                    else None
                )
        except DomainError as exc:
            raise socketio.exceptions.ConnectionRefusedError(
                f"unauthorized: {exc.detail}"
            ) from None
        if len(self.actors) >= self.settings.ws_max_connections:
            raise socketio.exceptions.ConnectionRefusedError("server busy: too many connections")
        key = str(user.id)
        if self.per_user[key] >= self.settings.ws_max_connections_per_user:
            raise socketio.exceptions.ConnectionRefusedError("too many connections for this user")
        self.per_user[key] += 1
        self.actors[sid] = Actor(
            organization_id=user.organization_id,
            role=role,
            user_id=user.id,
            customer_id=user.customer_id,
            driver_id=driver_id,
        )
        self.subscriptions[sid] = set()
        await self.sio.enter_room(sid, f"user:{user.id}")
        WS_CONNECTIONS.inc()
        WS_CONNECTS.inc()
        self._tasks.append(asyncio.create_task(self._idle_check(sid)))

    def _authenticate(
        self, environ: dict[str, Any], auth: Any
    ) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
        """User, organisation and session from ``auth.token``, or from the web app's session
        cookie with ``auth.csrf`` (so another site's page cannot ride a signed-in browser)."""
        auth = auth if isinstance(auth, dict) else {}
        token = auth.get("token")
        if isinstance(token, str) and token:
            claims = self.ctx.tokens.verify_access(token)
            return claims.user_id, claims.organization_id, claims.session_id
        cookies = cookies_from_environ(environ)
        if not cookies.get(self.ctx.web.session_cookie):
            raise Unauthorized("no token")
        web = self.ctx.web.claims_in(cookies)
        csrf = auth.get("csrf")
        if not self.ctx.web.csrf_ok(cookies, csrf if isinstance(csrf, str) else None):
            raise Unauthorized("a session cookie needs the CSRF token")
        return web.user_id, web.organization_id, web.session_id

    async def on_disconnect(self, sid: str, *_: Any) -> None:
        actor = self.actors.pop(sid, None)
        if actor is not None:
            WS_CONNECTIONS.dec()
            WS_DISCONNECTS.inc()
        if actor is not None and actor.user_id is not None:
            self.per_user[str(actor.user_id)] -= 1
        for shipment_id in self.subscriptions.pop(sid, set()):
            self._drop_cursor(shipment_id, sid)

    async def _idle_check(self, sid: str) -> None:
        await asyncio.sleep(self.settings.ws_idle_timeout_s)
        rooms = self.sio.rooms(sid) if sid in self.actors else []
        if (
            sid in self.actors
            and not self.subscriptions.get(sid)
            and not any(r.startswith("dispatch:") for r in rooms)
        ):
            await self.sio.emit(
                "error", {"error": "idle: no subscription"}, to=sid, ignore_queue=True
            )
            await self.sio.disconnect(sid, ignore_queue=True)

    # --- subscriptions ---------------------------------------------------------------

    async def on_subscribe(self, sid: str, data: Any) -> dict[str, Any]:
        actor = self.actors.get(sid)
        try:
            shipment_id = uuid.UUID(str(data["shipment_id"]))
            since = int(data.get("since_event_id") or 0)
        except (TypeError, KeyError, ValueError, AttributeError):
            return {"ok": False, "error": "invalid: expected {shipment_id, since_event_id?}"}
        if actor is None:
            return {"ok": False, "error": "not connected"}
        try:
            async with self.ctx.sessions() as session:
                shipment = await shipments.get_visible(session, actor, shipment_id)
                # Without since_event_id the client starts from now.
                since_seq = (
                    await self._seq_of(session, shipment_id, since) if since else shipment.event_seq
                )
                if sid not in self.subscriptions:  # disconnected while we read
                    return {"ok": False, "error": "not connected"}
                # Take the stream only now, with no await before the cursor joins it: a
                # concurrent refused subscriber drops a stream it finds empty.
                stream = self.streams.setdefault(shipment_id, Stream())
                cursor = Cursor(last_seq=since_seq)
                stream.cursors[sid] = cursor  # from here live events are buffered for us
                self.subscriptions[sid].add(shipment_id)
                await self.sio.enter_room(sid, f"shipment:{shipment_id}")
                rows = await self._events_after(session, shipment_id, since_seq) if since else []
                stream.known_up_to(shipment.event_seq)
        except NotFound:
            self._drop_cursor(shipment_id, sid)
            return {"ok": False, "error": "not allowed"}
        replayed = 0
        for env in envelopes(rows):
            if cursor.replayed(env):
                await self._send(env, sid)
                replayed += 1
        for env in cursor.finish_sync():
            await self._send(env, sid)
        return {"ok": True, "replayed": replayed}

    async def on_unsubscribe(self, sid: str, data: Any) -> dict[str, Any]:
        try:
            shipment_id = uuid.UUID(str(data["shipment_id"]))
        except (TypeError, KeyError, ValueError):
            return {"ok": False, "error": "invalid: expected {shipment_id}"}
        self.subscriptions.get(sid, set()).discard(shipment_id)
        self._drop_cursor(shipment_id, sid)
        await self.sio.leave_room(sid, f"shipment:{shipment_id}")
        return {"ok": True}

    async def on_subscribe_dispatch(self, sid: str, *_: Any) -> dict[str, Any]:
        actor = self.actors.get(sid)
        if actor is None or actor.role not in STAFF:
            return {"ok": False, "error": "not allowed"}
        await self.sio.enter_room(sid, f"dispatch:{actor.organization_id}")
        return {"ok": True}

    async def _seq_of(self, session: AsyncSession, shipment_id: uuid.UUID, event_id: int) -> int:
        if event_id <= 0:
            return 0
        seq = await session.scalar(
            select(Event.seq)
            .where(Event.id <= event_id, Event.shipment_id == shipment_id)
            .order_by(Event.id.desc())
            .limit(1)
        )
        return int(seq or 0)

    async def _events_after(
        self, session: AsyncSession, shipment_id: uuid.UUID, seq: int
    ) -> Sequence[Event]:
        stmt = (
            select(Event)
            .where(Event.shipment_id == shipment_id, Event.seq > seq)
            .order_by(Event.seq)
            .limit(self.settings.ws_replay_limit)
        )
        return (await session.execute(stmt)).scalars().all()

    def _drop_cursor(self, shipment_id: uuid.UUID, sid: str) -> None:
        stream = self.streams.get(shipment_id)
        if stream is not None:
            stream.cursors.pop(sid, None)
            if not stream.cursors:
                del self.streams[shipment_id]

    # --- delivery ----------------------------------------------------------------------

    async def on_committed(self, batch: Sequence[Event]) -> None:
        """Event-bus subscriber (origin process): send the events to every process."""
        assert self._bridge is not None
        await self._bridge.publish(envelopes(batch))

    async def on_live(self, event: str, shipment_id: uuid.UUID, payload: dict[str, Any]) -> None:
        """LiveHub sink: non-persistent updates go to every process too."""
        assert self._bridge is not None
        await self._bridge.publish([live_item(event, shipment_id, payload)])

    async def deliver(self, items: list[dict[str, Any]]) -> None:
        """Bridge callback in every process: release events to local subscribers."""
        for item in items:
            observe_delivery_lag(item)
            if item.get("event") == "shipment:updated":
                await self._tell_board(item)
            shipment_id = uuid.UUID(item["shipment_id"])
            stream = self.streams.get(shipment_id)
            if stream is None:
                continue
            if item["kind"] == "live":
                if item["event"] == "shipment:location":
                    self.locations[shipment_id] = item["payload"]
                else:
                    await self.sio.emit(
                        item["event"],
                        item["payload"],
                        room=f"shipment:{shipment_id}",
                        ignore_queue=True,
                    )
                continue
            for env in stream.accept(item):
                await self._fan_out(stream, env)
            if stream.gap is not None:
                self._tasks.append(asyncio.create_task(self._fill_gap(shipment_id)))

    async def _tell_board(self, env: Envelope) -> None:
        keys = ("event_id", "shipment_id", "type", "status", "at")
        board = {k: env["payload"][k] for k in keys}
        room = f"dispatch:{env['org']}"
        await self.sio.emit("dispatch:board", board, room=room, ignore_queue=True)

    async def _fan_out(self, stream: Stream, env: Envelope) -> None:
        ready = [sid for sid, cursor in stream.cursors.items() if cursor.offer(env)]
        skip = [sid for sid in stream.cursors if sid not in ready]
        if ready:
            room = f"shipment:{env['shipment_id']}"
            await self.sio.emit(
                env["event"], env["payload"], room=room, skip_sid=skip, ignore_queue=True
            )

    async def _send(self, env: Envelope, sid: str) -> None:
        await self.sio.emit(env["event"], env["payload"], to=sid, ignore_queue=True)

    async def _fill_gap(self, shipment_id: uuid.UUID) -> None:
        """Events published out of order: wait briefly, then read the missing ones."""
        await asyncio.sleep(0.2)
        stream = self.streams.get(shipment_id)
        if stream is None or stream.gap is None:
            return
        first, _ = stream.gap
        async with self.ctx.sessions() as session:
            rows = await self._events_after(session, shipment_id, first - 1)
        for env in envelopes(rows):
            for ready in stream.accept(env):
                await self._fan_out(stream, ready)

    async def _flush_locations(self) -> None:
        interval = self.settings.ws_location_interval_ms / 1000
        while True:
            await asyncio.sleep(interval)
            pending, self.locations = self.locations, {}
            for shipment_id, payload in pending.items():
                await self.sio.emit(
                    "shipment:location", payload, room=f"shipment:{shipment_id}", ignore_queue=True
                )
