"""Reading the event log in order, once per job kind, without losing late commits.

Event ids come from one increasing sequence, but on PostgreSQL they are taken when a
transaction records the event and become visible when it commits, so a reader can see
id 12 before id 11; and an id taken by a transaction that rolls back never appears.
A cursor that simply moved past 11 would lose it if it commits later.

So the cursor keeps two things: ``position``, the highest id expanded, and ``gaps``,
the ids below it that were missing when it passed them, each with when that was noticed.
Every step expands what is new after ``position`` *and* whatever gap ids have appeared
since; a gap id still missing after ``FREIGHT_OUTBOX_GAP_WAIT_S`` (5 minutes by default)
is taken for a rolled-back id (a permanent hole) and dropped. Events past a gap are
expanded at once (no waiting behind a hole), which is safe because expansion is
idempotent: a job's id is derived from its event, kind and target. The one thing this
cannot see is a transaction that holds an event id uncommitted for longer than the gap
wait; keep PostgreSQL's ``idle_in_transaction_session_timeout`` and statement timeouts
below it. On SQLite one writer at a time takes ids in commit order, so gaps only come
from deleted rows and expire harmlessly.

A kind may also say that events at or below some id cannot concern it (``horizon``:
webhook endpoints only receive events newer than themselves), which lets a new cursor
start at once instead of reading the whole history.

Only one worker advances a kind's cursor at a time: the row is locked
``FOR UPDATE SKIP LOCKED``, and a worker that finds it taken just claims jobs instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from freight.events import Event
from freight.outbox.jobs import enqueue
from freight.outbox.kinds import EventRef, Kind
from freight.outbox.models import OutboxCursor

log = structlog.get_logger("freight.outbox")
MAX_GAP_SPAN = 1000  # ids missing in one stretch beyond this are a sequence jump, not gaps
MAX_GAPS = 10_000


@dataclass(frozen=True)
class Step:
    """What one step of a cursor did."""

    events: int  # events read (new ones and late gap fillers)
    jobs: int  # jobs that did not exist before
    position: int
    gaps: int


async def _lock(session: AsyncSession, name: str) -> OutboxCursor | None:
    query = (
        select(OutboxCursor)
        .where(OutboxCursor.name == name)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    cursor = await session.scalar(query)
    if cursor is not None:
        return cursor
    # Skipped: locked by another worker, or not made yet. Only insert in the second case:
    # an INSERT that meets the other worker's uncommitted update would wait for it.
    if await session.scalar(select(OutboxCursor.name).where(OutboxCursor.name == name)):
        return None
    dialect = session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(OutboxCursor)
    await session.execute(
        insert.values(name=name, position=0, gaps=[]).on_conflict_do_nothing(
            index_elements=["name"]
        )
    )
    return await session.scalar(query)  # None: another worker holds it


def _refs(rows: list[tuple[int, object, str]]) -> list[EventRef]:
    return [EventRef(id=i, organization_id=o, type=t) for i, o, t in rows]  # type: ignore[arg-type]


async def advance(
    session: AsyncSession,
    kind: Kind,
    *,
    batch: int,
    gap_wait_s: float,
    now: datetime,
    window: timedelta,
) -> Step | None:
    """Expand the next events for ``kind`` into jobs; None when another worker holds
    the cursor. The caller commits (the jobs and the cursor move together)."""
    cursor = await _lock(session, kind.name)
    if cursor is None:
        return None
    position = cursor.position
    gaps = {int(ident): float(seen) for ident, seen in cursor.gaps}
    horizon = await kind.horizon(session)
    if horizon is not None and horizon > position:
        position = horizon
        gaps = {i: seen for i, seen in gaps.items() if i > horizon}
    columns = (Event.id, Event.organization_id, Event.type)
    fresh = _refs(
        list(
            (
                await session.execute(
                    select(*columns).where(Event.id > position).order_by(Event.id).limit(batch)
                )
            ).all()
        )
    )
    late: list[EventRef] = []
    if gaps:
        found = select(*columns).where(Event.id.in_(list(gaps)))
        late = _refs(list((await session.execute(found)).all()))
    clock = now.timestamp()
    expected = position + 1
    for event in fresh:
        span = event.id - expected
        if 0 < span <= MAX_GAP_SPAN and len(gaps) + span <= MAX_GAPS:
            gaps.update((missing, clock) for missing in range(expected, event.id))
        elif span > 0:
            log.warning("outbox.gap_not_watched", kind=kind.name, after=expected, ids=span)
        expected = event.id + 1
    for event in late:
        gaps.pop(event.id, None)
    gaps = {i: seen for i, seen in gaps.items() if clock - seen < gap_wait_s}
    wanted = [e for e in (*late, *fresh) if kind.wants(e.type)]
    added = await enqueue(session, kind.name, await kind.expand(session, wanted), now, window)
    cursor.position = fresh[-1].id if fresh else position
    cursor.gaps = sorted([i, seen] for i, seen in gaps.items())
    cursor.updated_at = now
    await session.flush()
    return Step(len(fresh) + len(late), added, cursor.position, len(gaps))


async def start_at_newest(session: AsyncSession, name: str) -> None:
    """Move ``name``'s cursor to the newest event: what came before makes no jobs (the
    demo's made-up history is not mailed). The caller commits."""
    newest = int(await session.scalar(select(func.max(Event.id))) or 0)
    cursor = await session.get(OutboxCursor, name)
    if cursor is None:
        session.add(OutboxCursor(name=name, position=newest, gaps=[]))
    else:
        cursor.position, cursor.gaps = max(cursor.position, newest), []
    await session.flush()
