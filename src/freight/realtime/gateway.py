"""The socket.io gateway: authenticated connections, subscriptions with replay, fan-out.

Clients connect with ``auth: {token}``, then ``subscribe`` to shipments they may see
(``since_event_id`` replays what they missed), or ``subscribe_dispatch`` for the
board (shipment changes, and the fleet's ``driver.*`` and ``vehicle.*`` events).
Events arrive from ``bridge`` in every process; shipment events are released per
subscriber in sequence order (``delivery``); positions are coalesced per shipment.
Access is not only checked once: ``subscribe`` re-resolves the caller as REST does, a
periodic sweep closes connections whose credential expired (unless the client sent
``reauth`` with a fresh token), and a ``SessionsEnded`` notice (deactivation, role or
password change, logout) closes the user's sockets on every process.
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
from freight.events import Event, SessionsEnded
from freight.identity import sessions
from freight.observability.instrumentation import observe_delivery_lag
from freight.observability.metrics import WS_CONNECTIONS, WS_CONNECTS, WS_DISCONNECTS
from freight.realtime import auth
from freight.realtime.bridge import LocalBridge, RedisBridge, envelopes, live_item, revoke_item
from freight.realtime.delivery import Delivery, events_after
from freight.realtime.payloads import parse_reauth, parse_shipment_ref, parse_subscribe
from freight.realtime.server import counted, create_server
from freight.realtime.streams import Envelope
from freight.settings import Settings
from freight.shipments import service as shipments

log = structlog.get_logger("freight.realtime")
STAFF = (Role.ADMIN, Role.DISPATCHER)


class Gateway:
    """Owns the socket.io handlers, this process's connections and their credentials."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sio = create_server(settings)
        self.actors: dict[str, Actor] = {}
        self.credentials: dict[str, auth.Credential] = {}
        self.per_user: Counter[str] = Counter()
        self.delivery = Delivery(self.sio, settings, self.actors, lambda: self.ctx.sessions)
        self.locations: dict[uuid.UUID, dict[str, Any]] = {}
        self._ended: Counter[str] = Counter()  # SessionsEnded notices seen, per user
        self._doomed: dict[str, str] = {}  # refused on re-resolution: close on the next sweep
        self._ctx: AppContext | None = None
        self._bridge: LocalBridge | RedisBridge | None = None
        self._tasks: list[asyncio.Task[None]] = []  # the background loops
        self._idle_checks: set[asyncio.Task[None]] = set()  # one per connection, until it runs
        for name in ("connect", "disconnect"):
            self.sio.on(name, getattr(self, f"on_{name}"))
        for name in ("subscribe", "unsubscribe", "subscribe_dispatch", "reauth"):
            self.sio.on(name, counted(name, getattr(self, f"on_{name}")))

    @property
    def ctx(self) -> AppContext:
        assert self._ctx is not None, "gateway used before start()"
        return self._ctx

    @property
    def streams(self) -> dict[uuid.UUID, Any]:
        """This process's shipment streams (for tests and metrics)."""
        return self.delivery.streams

    async def start(self, ctx: AppContext) -> None:
        """Wire into the app: committed events and notices, live updates, background loops."""
        self._ctx = ctx
        self._bridge = (
            RedisBridge(ctx.redis, self.deliver, ctx.redis_guard)
            if ctx.redis
            else LocalBridge(self.deliver)
        )
        await self._bridge.start()
        ctx.bus.subscribe(self.on_committed)
        ctx.bus.subscribe_notices(self.on_sessions_ended)
        ctx.live.attach(self.on_live)
        self._tasks.append(asyncio.create_task(self._flush_locations()))
        self._tasks.append(asyncio.create_task(self._sweep()))

    async def stop(self) -> None:
        """Stop background work."""
        for task in [*self._tasks, *self._idle_checks]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.delivery.stop()
        if self._bridge is not None:
            await self._bridge.stop()
        await self.sio.shutdown()

    # --- connections -----------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict[str, Any], auth_: Any = None) -> None:
        try:
            credential = auth.from_handshake(self.ctx, environ, auth_)
            ended_before = self._ended[str(credential.user_id)]
            async with self.ctx.sessions() as session:
                actor = await credential.resolve(self.ctx, session)
        except DomainError as exc:
            raise socketio.exceptions.ConnectionRefusedError(
                f"unauthorized: {exc.detail}"
            ) from None
        key = str(actor.user_id)
        if self._ended[key] != ended_before:  # their sessions ended while we looked them up
            raise socketio.exceptions.ConnectionRefusedError("unauthorized: session ended")
        if len(self.actors) >= self.settings.ws_max_connections:
            raise socketio.exceptions.ConnectionRefusedError("server busy: too many connections")
        if self.per_user[key] >= self.settings.ws_max_connections_per_user:
            raise socketio.exceptions.ConnectionRefusedError("too many connections for this user")
        self.per_user[key] += 1
        self.actors[sid] = actor
        self.credentials[sid] = credential
        self.delivery.subscriptions[sid] = set()
        await self.sio.enter_room(sid, f"user:{actor.user_id}")
        WS_CONNECTIONS.inc()
        WS_CONNECTS.inc()
        check = asyncio.create_task(self._idle_check(sid))
        self._idle_checks.add(check)
        check.add_done_callback(self._idle_checks.discard)

    async def on_disconnect(self, sid: str, *_: Any) -> None:
        actor = self.actors.pop(sid, None)
        self.credentials.pop(sid, None)
        self._doomed.pop(sid, None)
        if actor is not None:
            WS_CONNECTIONS.dec()
            WS_DISCONNECTS.inc()
        if actor is not None and actor.user_id is not None:
            key = str(actor.user_id)
            self.per_user[key] -= 1
            if self.per_user[key] <= 0:
                del self.per_user[key]
        self.delivery.forget_all(sid)

    async def close(self, sid: str, reason: str) -> None:
        """Tell the client why, then disconnect it."""
        await self.sio.emit("error", {"error": reason}, to=sid, ignore_queue=True)
        await self.sio.disconnect(sid, ignore_queue=True)

    async def _idle_check(self, sid: str) -> None:
        await asyncio.sleep(self.settings.ws_idle_timeout_s)
        rooms = self.sio.rooms(sid) if sid in self.actors else []
        if (
            sid in self.actors
            and not self.delivery.subscriptions.get(sid)
            and not any(r.startswith("dispatch:") for r in rooms)
        ):
            await self.close(sid, "idle: no subscription")

    async def on_reauth(self, sid: str, data: Any) -> dict[str, Any]:
        """A fresh access token for the same user keeps the connection open past the old
        token's expiry; the caller is resolved again as on connect."""
        current = self.credentials.get(sid)
        if current is None:
            return {"ok": False, "error": "not connected"}
        try:
            credential = auth.from_token(self.ctx, parse_reauth(data))
            if (credential.user_id, credential.organization_id) != (
                current.user_id,
                current.organization_id,
            ):
                return {"ok": False, "error": "not allowed: a token of another user"}
            async with self.ctx.sessions() as session:
                actor = await credential.resolve(self.ctx, session)
        except ValueError as exc:
            return {"ok": False, "error": str(exc)}
        except DomainError as exc:
            return {"ok": False, "error": f"unauthorized: {exc.detail}"}
        if sid not in self.actors:
            return {"ok": False, "error": "not connected"}
        self.credentials[sid], self.actors[sid] = credential, actor
        return {"ok": True}

    async def _reresolve(self, sid: str) -> Actor | None:
        """The caller now, exactly as REST resolves it; None (and closed) when no longer valid."""
        credential = self.credentials.get(sid)
        if credential is None:
            return None
        try:
            async with self.ctx.sessions() as session:
                actor = await credential.resolve(self.ctx, session)
        except Unauthorized as exc:
            # Stop every delivery now; the sweep closes it once this answer is sent.
            self.delivery.forget_all(sid)
            for room in self.sio.rooms(sid):
                if room.startswith(("shipment:", "dispatch:")):
                    await self.sio.leave_room(sid, room)
            self._doomed[sid] = f"unauthorized: {exc.detail}"
            return None
        if sid not in self.actors:
            return None
        self.actors[sid] = actor
        if actor.role not in STAFF:
            await self.sio.leave_room(sid, f"dispatch:{actor.organization_id}")
        return actor

    # --- subscriptions ---------------------------------------------------------------

    async def on_subscribe(self, sid: str, data: Any) -> dict[str, Any]:
        try:
            shipment_id, since = parse_subscribe(data)
        except ValueError as exc:
            return {"ok": False, "error": str(exc)}
        if sid not in self.actors:
            return {"ok": False, "error": "not connected"}
        actor = await self._reresolve(sid)
        if actor is None:
            return {"ok": False, "error": self._doomed.get(sid, "unauthorized")}
        try:
            async with self.ctx.sessions() as session:
                shipment = await shipments.get_visible(session, actor, shipment_id)
                # Without since_event_id the client starts from now.
                since_seq = (
                    await self._seq_of(session, shipment_id, since) if since else shipment.event_seq
                )
                if sid not in self.actors:  # disconnected while we read
                    return {"ok": False, "error": "not connected"}
                # From here live events are buffered for this cursor (and only it).
                cursor = self.delivery.join(sid, shipment, since_seq)
                await self.sio.enter_room(sid, f"shipment:{shipment_id}")
                limit = self.settings.ws_replay_limit
                rows = await events_after(session, shipment_id, since_seq, limit) if since else []
        except NotFound:
            return {"ok": False, "error": "not allowed"}
        if sid not in self.actors or shipment_id not in self.delivery.subscriptions.get(sid, ()):
            return {"ok": False, "error": "not connected"}
        replay = envelopes(rows)
        for env in replay:
            cursor.offer(env)
        out = cursor.finish_sync()
        await self.delivery.send(sid, out)
        last_replayed = replay[-1]["seq"] if replay else 0
        return {"ok": True, "replayed": sum(1 for env in out if env["seq"] <= last_replayed)}

    async def on_unsubscribe(self, sid: str, data: Any) -> dict[str, Any]:
        try:
            shipment_id = parse_shipment_ref(data)
        except ValueError as exc:
            return {"ok": False, "error": str(exc)}
        self.delivery.forget(sid, shipment_id)
        await self.sio.leave_room(sid, f"shipment:{shipment_id}")
        return {"ok": True}

    async def on_subscribe_dispatch(self, sid: str, *_: Any) -> dict[str, Any]:
        if sid not in self.actors:
            return {"ok": False, "error": "not allowed"}
        actor = await self._reresolve(sid)
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

    # --- delivery ----------------------------------------------------------------------

    async def on_committed(self, batch: Sequence[Event]) -> None:
        """Event-bus subscriber (origin process): send the events to every process."""
        assert self._bridge is not None
        await self._bridge.publish(envelopes(batch))

    async def on_sessions_ended(self, notices: Sequence[SessionsEnded]) -> None:
        """Event-bus notice subscriber: close these users' sockets on every process."""
        assert self._bridge is not None
        items = [revoke_item(str(n.user_id), n.reason) for n in notices]
        try:
            await self._bridge.publish(items)
        except Exception:  # the bridge is down: at least this process closes them
            log.exception("realtime.notice_publish_failed")
            await self.deliver(items)

    async def on_live(self, event: str, shipment_id: uuid.UUID, payload: dict[str, Any]) -> None:
        """LiveHub sink: non-persistent updates go to every process too."""
        assert self._bridge is not None
        await self._bridge.publish([live_item(event, shipment_id, payload)])

    async def deliver(self, items: list[dict[str, Any]]) -> None:
        """Bridge callback in every process: release events to local subscribers."""
        for item in items:
            try:
                await self._deliver_one(item)
            except Exception:  # one malformed item (another version's) must not stop the rest
                log.exception("realtime.delivery_failed", kind=item.get("kind"))

    async def _deliver_one(self, item: dict[str, Any]) -> None:
        """One item from the bridge: a notice, an event or a live update."""
        if item.get("kind") == "revoke":
            await self._end_sessions(str(item["user_id"]), str(item["reason"]))
            return
        if item.get("kind") == "board":  # a fleet change: no shipment, the board only
            room = f"dispatch:{item['org']}"
            await self.sio.emit("dispatch:board", item["payload"], room=room, ignore_queue=True)
            return
        observe_delivery_lag(item)
        if item.get("event") in ("shipment:updated", "message:new"):
            await self._tell_board(item)
        shipment_id = uuid.UUID(item["shipment_id"])
        if shipment_id not in self.delivery.streams:
            return
        if item["kind"] == "live":
            if item["event"] == "shipment:location":
                self.locations[shipment_id] = item["payload"]
            else:
                room = f"shipment:{shipment_id}"
                await self.sio.emit(item["event"], item["payload"], room=room, ignore_queue=True)
            return
        await self.delivery.release(shipment_id, item)

    async def _end_sessions(self, user_id: str, reason: str) -> None:
        self._ended[user_id] += 1
        for sid in [sid for sid, actor in self.actors.items() if str(actor.user_id) == user_id]:
            await self.close(sid, f"session ended: {reason}")

    async def _tell_board(self, env: Envelope) -> None:
        payload = env["payload"]
        if env["event"] == "message:new":  # the board counts unread messages: ids only
            keys: tuple[str, ...] = ("event_id", "seq", "shipment_id")
            board = {k: payload[k] for k in keys} | {"type": "message.posted", "status": None}
            board["at"] = payload.get("created_at")
        else:
            keys = ("event_id", "seq", "shipment_id", "type", "status", "at")
            board = {k: payload[k] for k in keys}
        room = f"dispatch:{env['org']}"
        await self.sio.emit("dispatch:board", board, room=room, ignore_queue=True)

    async def _sweep(self) -> None:
        """Close connections whose credential expired; catch subscribers up with the database."""
        while True:
            await asyncio.sleep(self.settings.ws_check_interval_s)
            try:
                for sid, reason in list(self._doomed.items()):
                    await self.close(sid, reason)
                for sid, credential in list(self.credentials.items()):
                    if credential.expired():
                        await self.close(sid, "unauthorized: token expired; reconnect or reauth")
                await self._close_ended_sessions()
                await self.delivery.catch_up()
            except Exception:  # a database hiccup must not end the loop
                log.exception("realtime.sweep_failed")

    async def _close_ended_sessions(self) -> None:
        """Close sockets whose server-side session ended where no notice reaches this
        process (``freight users set-password`` from a shell, with no Redis between)."""
        held = list(self.credentials.items())
        if not held:
            return
        async with self.ctx.read_sessions() as session:
            live = await sessions.live_ids(session, list({c.session_id for _, c in held}))
        for sid, credential in held:
            if credential.session_id not in live:
                await self.close(sid, "session ended; sign in again")

    async def _flush_locations(self) -> None:
        interval = self.settings.ws_location_interval_ms / 1000
        while True:
            await asyncio.sleep(interval)
            pending, self.locations = self.locations, {}
            for shipment_id, payload in pending.items():
                await self.sio.emit(
                    "shipment:location", payload, room=f"shipment:{shipment_id}", ignore_queue=True
                )
