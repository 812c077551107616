"""Releasing shipment events to this process's subscribers: in order, per cursor, allowed.

Each arriving event is offered to every cursor of its shipment; a cursor releases it
only when it is the next one it owes (``streams``). The usual case, every subscriber
in step, is one room emit. Each delivery is checked against the shipment's access
facts as of that event with ``can_see`` (the rule of ``GET /api/shipments/{id}``): a
subscriber who may no longer see the shipment (the driver unassigned or replaced) is
dropped from it. Gaps are filled from the database for the cursors that have them,
and a periodic catch-up against the shipment's committed event counter delivers
events that were committed but never published (a process killed in between).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import socketio
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from freight.access import Actor
from freight.events import Event
from freight.realtime.bridge import access_of, envelopes
from freight.realtime.streams import Cursor, Envelope, Stream
from freight.settings import Settings
from freight.shipments.models import Shipment
from freight.shipments.queries import can_see

log = structlog.get_logger("freight.realtime")
FILL_DELAY_S = 0.2  # let an out-of-order neighbour arrive before reading the database
CHUNK = 500


class Delivery:
    """This process's shipment streams and what each subscriber has been sent."""

    def __init__(
        self,
        sio: socketio.AsyncServer,
        settings: Settings,
        actors: dict[str, Actor],
        sessions: Callable[[], async_sessionmaker[AsyncSession]],
    ) -> None:
        self.sio = sio
        self.settings = settings
        self.actors = actors
        self._sessions = sessions
        self.streams: dict[uuid.UUID, Stream] = {}
        self.subscriptions: dict[str, set[uuid.UUID]] = {}
        self._suspects: dict[tuple[uuid.UUID, str], int] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # --- subscriptions -----------------------------------------------------------------

    def join(self, sid: str, shipment: Shipment, last_seq: int) -> Cursor:
        """A new cursor for ``sid`` at ``last_seq``, buffering live events until synced."""
        stream = self.streams.get(shipment.id)
        if stream is None:
            stream = self.streams[shipment.id] = Stream(access_of(shipment), shipment.event_seq)
        elif shipment.event_seq >= stream.access_seq:
            stream.access, stream.access_seq = access_of(shipment), shipment.event_seq
        cursor = stream.cursors[sid] = Cursor(last_seq=last_seq)
        self.subscriptions.setdefault(sid, set()).add(shipment.id)
        return cursor

    def forget(self, sid: str, shipment_id: uuid.UUID) -> None:
        """Remove one cursor (and the stream when it was the last)."""
        self.subscriptions.get(sid, set()).discard(shipment_id)
        self._suspects.pop((shipment_id, sid), None)
        stream = self.streams.get(shipment_id)
        if stream is not None:
            stream.cursors.pop(sid, None)
            if not stream.cursors:
                del self.streams[shipment_id]

    def forget_all(self, sid: str) -> None:
        """A disconnected socket: every cursor of it."""
        for shipment_id in list(self.subscriptions.pop(sid, set())):
            self.forget(sid, shipment_id)

    async def deny(self, sid: str, shipment_id: uuid.UUID) -> None:
        """End a subscription the caller may no longer have, and say so."""
        self.forget(sid, shipment_id)
        await self.sio.leave_room(sid, f"shipment:{shipment_id}")
        notice = {"error": "not allowed", "shipment_id": str(shipment_id)}
        await self.sio.emit("error", notice, to=sid, ignore_queue=True)

    def allowed(self, sid: str, stream: Stream) -> bool:
        """May this socket's caller see the stream's shipment now (``can_see``)?"""
        actor = self.actors.get(sid)
        facts = stream.access
        return actor is not None and can_see(
            actor, str(facts["org_id"]), facts["customer_id"], facts["driver_id"]
        )

    # --- releasing -----------------------------------------------------------------------

    async def release(self, shipment_id: uuid.UUID, env: Envelope) -> None:
        """A live event from the bridge: send it to every cursor that owes it now."""
        stream = self.streams.get(shipment_id)
        if stream is None:
            return
        stream.learn(env)
        in_step: list[str] = []
        others: dict[str, list[Envelope]] = {}
        denied: list[str] = []
        for sid, cursor in stream.cursors.items():
            if not self.allowed(sid, stream):
                denied.append(sid)
                continue
            out = cursor.offer(env)
            if len(out) == 1 and out[0] is env:
                in_step.append(sid)
            elif out:
                others[sid] = out
        for sid in denied:
            await self.deny(sid, shipment_id)
        if in_step:
            # One emit to the room; the few not in step (syncing, behind a gap) skipped.
            chosen = set(in_step)
            skip = [sid for sid in stream.cursors if sid not in chosen] + denied
            room = f"shipment:{shipment_id}"
            await self.sio.emit(
                env["event"], env["payload"], room=room, skip_sid=skip or None, ignore_queue=True
            )
        for sid, out in others.items():
            await self.send(sid, out)
        if stream.fill_from() is not None:
            self._fill_soon(shipment_id)

    async def send(self, sid: str, items: Sequence[Envelope]) -> None:
        """Events to one socket, in order."""
        for env in items:
            await self.sio.emit(env["event"], env["payload"], to=sid, ignore_queue=True)

    # --- filling gaps and catching up ------------------------------------------------------

    def _fill_soon(self, shipment_id: uuid.UUID) -> None:
        stream = self.streams.get(shipment_id)
        if stream is None or stream.filling:
            return
        stream.filling = True
        task = asyncio.create_task(self._fill_gaps(shipment_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fill_gaps(self, shipment_id: uuid.UUID) -> None:
        """Events held behind a gap: wait briefly, then read the missing ones."""
        try:
            await asyncio.sleep(FILL_DELAY_S)
            stream = self.streams.get(shipment_id)
            if stream is not None:
                sids = [sid for sid, cursor in stream.cursors.items() if cursor.gap]
                await self.fill(shipment_id, sids)
        except Exception:  # the periodic catch-up retries
            log.exception("realtime.fill_failed", shipment_id=str(shipment_id))
        finally:
            stream = self.streams.get(shipment_id)
            if stream is not None:
                stream.filling = False

    async def fill(self, shipment_id: uuid.UUID, sids: Sequence[str]) -> None:
        """Read from the database what these cursors (only these) were not sent."""
        stream = self.streams.get(shipment_id)
        if stream is None or not sids:
            return
        after = min(stream.cursors[sid].last_seq for sid in sids if sid in stream.cursors)
        async with self._sessions()() as session:
            shipment = await session.get(Shipment, shipment_id)  # in the identity map: access
            rows = await events_after(session, shipment_id, after, self.settings.ws_replay_limit)
        if shipment is None:
            return
        items = envelopes(rows)
        stream = self.streams.get(shipment_id)
        if stream is None:
            return
        for env in items:
            stream.learn(env)
        for sid in sids:
            cursor = stream.cursors.get(sid)
            if cursor is None:
                continue
            if not self.allowed(sid, stream):
                await self.deny(sid, shipment_id)
                continue
            out = [released for env in items for released in cursor.offer(env)]
            await self.send(sid, out)

    async def catch_up(self) -> None:
        """Compare every cursor with its shipment's committed counter; fill the ones that
        stayed behind since the previous sweep (so events in flight are not read twice)."""
        suspects: dict[tuple[uuid.UUID, str], int] = {}
        due: dict[uuid.UUID, list[str]] = {}
        ids = list(self.streams)
        for start in range(0, len(ids), CHUNK):
            async with self._sessions()() as session:
                rows = await session.execute(
                    select(Shipment.id, Shipment.event_seq).where(
                        Shipment.id.in_(ids[start : start + CHUNK])
                    )
                )
                counters = {row[0]: int(row[1]) for row in rows}
            for shipment_id, committed in counters.items():
                stream = self.streams.get(shipment_id)
                for sid, cursor in (stream.cursors if stream else {}).items():
                    if cursor.behind(committed):
                        key = (shipment_id, sid)
                        suspects[key] = cursor.last_seq
                        if self._suspects.get(key) == cursor.last_seq:
                            due.setdefault(shipment_id, []).append(sid)
        self._suspects = suspects
        for shipment_id, sids in due.items():
            await self.fill(shipment_id, sids)

    async def stop(self) -> None:
        """Cancel fills in flight."""
        for task in list(self._tasks):
            task.cancel()


async def events_after(
    session: AsyncSession, shipment_id: uuid.UUID, seq: int, limit: int
) -> Sequence[Event]:
    """A shipment's events after a sequence number, in order, at most ``limit``."""
    stmt = (
        select(Event)
        .where(Event.shipment_id == shipment_id, Event.seq > seq)
        .order_by(Event.seq)
        .limit(limit)
    )
    return (await session.execute(stmt)).scalars().all()


def item_shipment(item: dict[str, Any]) -> uuid.UUID:
    """The shipment an envelope is about."""
    return uuid.UUID(item["shipment_id"])
