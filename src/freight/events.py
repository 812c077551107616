"""The append-only event log: the shipment timeline, the audit trail and the replay source.

``record`` writes an event in the caller's transaction. Events of one shipment carry a
gapless sequence number taken by bumping ``shipments.event_seq`` (which holds the row
until commit, so two writers never fork the chain) and are hash-chained:
``hash = sha256(prev_hash + canonical_json(content))``. After the owner commits,
``publish_pending`` hands the new events to in-process subscribers (cache
invalidation, real-time rooms, ...).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from freight.access import Actor
from freight.db import Base, utcnow

log = structlog.get_logger("freight.events")
PENDING_KEY = "freight.pending_events"
NOTICES_KEY = "freight.pending_notices"
GENESIS = ""


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("uq_events_shipment_seq", "shipment_id", "seq", unique=True),
        Index("ix_events_org_id", "organization_id", "id"),
    )

    # A global, increasing id (BigInteger on PostgreSQL, INTEGER rowid on SQLite).
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    shipment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), default=None
    )
    seq: Mapped[int | None] = mapped_column(default=None)
    type: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    actor_role: Mapped[str | None] = mapped_column(String(16), default=None)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    device_time: Mapped[datetime | None] = mapped_column(default=None)
    prev_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)
    hash: Mapped[str] = mapped_column(String(64))


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="microseconds")


def content_of(event: Event) -> dict[str, Any]:
    """The fields the hash covers."""
    return {
        "shipment_id": str(event.shipment_id) if event.shipment_id else None,
        "seq": event.seq,
        "type": event.type,
        "data": event.data,
        "actor_id": str(event.actor_id) if event.actor_id else None,
        "actor_role": event.actor_role,
        "occurred_at": _iso(event.occurred_at),
        "device_time": _iso(event.device_time),
    }


def chain_hash(prev_hash: str, content: dict[str, Any]) -> str:
    """sha256 over the previous hash and the canonical JSON of the content."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


async def record(
    session: AsyncSession,
    actor: Actor | None,
    organization_id: uuid.UUID,
    type: str,
    data: dict[str, Any],
    *,
    shipment_id: uuid.UUID | None = None,
    device_time: datetime | None = None,
) -> Event:
    """Append an event in the caller's transaction (published after the caller commits)."""
    from freight.shipments.models import Shipment  # the chain counter lives on the shipment

    seq: int | None = None
    prev_hash = GENESIS
    if shipment_id is not None:
        seq = (
            await session.execute(
                update(Shipment)
                .where(Shipment.id == shipment_id)
                .values(event_seq=Shipment.event_seq + 1)
                .returning(Shipment.event_seq)
                .execution_options(synchronize_session=False)
            )
        ).scalar_one()
        if seq > 1:
            prev_hash = (
                await session.scalar(
                    select(Event.hash).where(Event.shipment_id == shipment_id, Event.seq == seq - 1)
                )
            ) or GENESIS
    event = Event(
        organization_id=organization_id,
        shipment_id=shipment_id,
        seq=seq,
        type=type,
        data=data,
        actor_id=(actor.user_id or actor.api_key_id) if actor else None,
        actor_role=actor.role.value if actor else None,
        occurred_at=utcnow(),
        # Stored as UTC, so hash it as UTC: the chain must verify after a round trip.
        device_time=device_time.astimezone(UTC) if device_time else None,
        prev_hash=prev_hash,
    )
    event.hash = chain_hash(prev_hash, content_of(event))
    session.add(event)
    await session.flush()
    session.info.setdefault(PENDING_KEY, []).append(event)
    return event


async def timeline(
    session: AsyncSession, shipment_id: uuid.UUID, after_seq: int = 0, limit: int = 200
) -> Sequence[Event]:
    """A shipment's events in order, after a sequence number."""
    stmt = (
        select(Event)
        .where(Event.shipment_id == shipment_id, Event.seq > after_seq)
        .order_by(Event.seq)
        .limit(limit)
    )
    return (await session.execute(stmt)).scalars().all()


Subscriber = Callable[[Sequence[Event]], Awaitable[None]]


@dataclass(frozen=True)
class SessionsEnded:
    """A user's live connections must close: deactivated, role changed, password, logout."""

    user_id: uuid.UUID
    reason: str


NoticeSubscriber = Callable[[Sequence[SessionsEnded]], Awaitable[None]]


def end_live_sessions(session: AsyncSession, user_id: uuid.UUID, reason: str) -> None:
    """Close the user's real-time connections on every process once this unit of work commits.

    The identity layer calls it where a user's access changes; the owner's commit
    (``AppContext.commit``) hands the notice to the gateway, which closes the sockets
    of every process through the same bridge as events.
    """
    session.info.setdefault(NOTICES_KEY, []).append(SessionsEnded(user_id, reason))


class EventBus:
    """In-process fan-out of committed events (and access notices) to subscribers."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._notice_subscribers: list[NoticeSubscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        """Call ``subscriber`` with every batch of committed events."""
        self._subscribers.append(subscriber)

    def subscribe_notices(self, subscriber: NoticeSubscriber) -> None:
        """Call ``subscriber`` with every batch of committed ``SessionsEnded`` notices."""
        self._notice_subscribers.append(subscriber)

    async def publish_pending(self, session: AsyncSession) -> None:
        """Hand the events recorded in this (now committed) session to every subscriber."""
        notices: list[SessionsEnded] = session.info.pop(NOTICES_KEY, [])
        pending: list[Event] = session.info.pop(PENDING_KEY, [])
        if notices:
            await self.notify(notices)
        if not pending:
            return
        for subscriber in self._subscribers:
            try:
                await subscriber(pending)
            except Exception:  # one failing subscriber must not lose the others' delivery
                log.exception("event.subscriber_failed", subscriber=repr(subscriber))

    async def notify(self, notices: Sequence[SessionsEnded]) -> None:
        """Send access notices now (for callers with nothing to commit, like a web logout)."""
        for subscriber in self._notice_subscribers:
            try:
                await subscriber(notices)
            except Exception:
                log.exception("event.notice_subscriber_failed", subscriber=repr(subscriber))


def discard_pending(session: AsyncSession) -> None:
    """Forget events and notices of a rolled-back unit of work."""
    session.info.pop(PENDING_KEY, None)
    session.info.pop(NOTICES_KEY, None)


@asynccontextmanager
async def savepoint(session: AsyncSession) -> AsyncIterator[None]:
    """A nested transaction: if it raises, its rows roll back and so do the events and
    notices recorded in it (they are never published); if not, they stay pending."""
    marks = {key: len(session.info.get(key, [])) for key in (PENDING_KEY, NOTICES_KEY)}
    try:
        async with session.begin_nested():
            yield
    except BaseException:
        for key, mark in marks.items():
            del session.info.setdefault(key, [])[mark:]
        raise


@dataclass(frozen=True)
class ChainProblem:
    event_id: int | None  # None: the events at the end of a chain are missing
    shipment_id: uuid.UUID | None
    seq: int | None
    problem: str


async def verify_chains(session: AsyncSession, batch: int = 1000) -> AsyncIterator[ChainProblem]:
    """Walk every shipment's chain and yield each event whose content or order was altered."""
    stmt = select(Event).order_by(Event.shipment_id, Event.seq, Event.id)
    result = await session.stream(stmt.execution_options(yield_per=batch))
    current: uuid.UUID | None = None
    prev_hash, expected_seq = GENESIS, 1
    async for event in result.scalars():
        if event.shipment_id is None:
            if chain_hash(event.prev_hash, content_of(event)) != event.hash:
                yield ChainProblem(event.id, None, None, "content altered")
            continue
        if event.shipment_id != current:
            current, prev_hash, expected_seq = event.shipment_id, GENESIS, 1
        if event.seq != expected_seq:
            yield ChainProblem(event.id, current, event.seq, f"expected seq {expected_seq}")
        if event.prev_hash != prev_hash:
            yield ChainProblem(event.id, current, event.seq, "chain broken (order or deletion)")
        if chain_hash(event.prev_hash, content_of(event)) != event.hash:
            yield ChainProblem(event.id, current, event.seq, "content altered")
        prev_hash, expected_seq = event.hash, (event.seq or 0) + 1
    async for problem in _cut_chains(session):
        yield problem


async def _cut_chains(session: AsyncSession) -> AsyncIterator[ChainProblem]:
    # The walk cannot see events missing after the last one left; the shipment's counter
    # says how many were recorded, so a chain cut short (or removed whole) still shows.
    from freight.shipments.models import Shipment

    last = (
        select(Event.shipment_id, func.max(Event.seq).label("seq"))
        .where(Event.shipment_id.is_not(None))
        .group_by(Event.shipment_id)
        .subquery()
    )
    stmt = (
        select(Shipment.id, Shipment.event_seq, last.c.seq)
        .outerjoin(last, last.c.shipment_id == Shipment.id)
        .where(func.coalesce(last.c.seq, 0) != Shipment.event_seq)
        .order_by(Shipment.id)
    )
    for shipment_id, recorded, found in (await session.execute(stmt)).all():
        ends = found or 0
        yield ChainProblem(
            None,
            shipment_id,
            ends + 1 if ends < recorded else ends,
            f"the shipment counted {recorded} event(s) but its chain ends at seq {ends}",
        )
