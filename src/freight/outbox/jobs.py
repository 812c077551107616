"""Job rows: idempotent enqueue, claims under a lease, fenced settles, replays, stats.

PostgreSQL claims with ``FOR UPDATE SKIP LOCKED``, so workers on any number of hosts
take disjoint jobs; SQLite has one writer at a time (its write transactions begin
IMMEDIATE), so the same select-then-update is serialised there. A claim bumps
``attempts`` and sets the lease; a settle must name that attempt and owner, so a worker
that outlived its lease cannot overwrite the attempt that replaced it.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from freight.events import Event
from freight.outbox.kinds import Claimed, NewJob, Outcome
from freight.outbox.models import JobStatus, OutboxCursor, OutboxJob, job_id

CHUNK = 500  # rows per INSERT (SQLite caps the bound parameters of one statement)
_random = secrets.SystemRandom()


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: attempt n waits base * 2^(n-1), capped, times
    a random factor in [0.5, 1] so failed jobs do not come back in lockstep."""

    base_s: float
    max_s: float

    def delay_s(self, attempt: int) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based)."""
        ceiling = min(self.max_s, self.base_s * 2 ** min(max(attempt - 1, 0), 40))
        return float(ceiling * _random.uniform(0.5, 1.0))


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(OutboxJob)


def _row(kind: str, job: NewJob, now: datetime, window: timedelta) -> dict[str, Any]:
    return {
        "id": job_id(job.event_id, kind, job.target),
        "kind": kind,
        "organization_id": job.organization_id,
        "event_id": job.event_id,
        "target": job.target,
        "status": JobStatus.PENDING.value,
        "attempts": 0,
        "run_at": now,
        "expires_at": now + window,
        "created_at": now,
        "updated_at": now,
    }


async def enqueue(
    session: AsyncSession, kind: str, jobs: Sequence[NewJob], now: datetime, window: timedelta
) -> int:
    """Insert the jobs that do not exist yet; returns how many were new."""
    added = 0
    for start in range(0, len(jobs), CHUNK):
        rows = [_row(kind, job, now, window) for job in jobs[start : start + CHUNK]]
        stmt = _insert(session).values(rows).on_conflict_do_nothing(index_elements=["id"])
        added += int(getattr(await session.execute(stmt), "rowcount", 0) or 0)
    return added


async def requeue(
    session: AsyncSession, kind: str, jobs: Sequence[NewJob], now: datetime, window: timedelta
) -> int:
    """Replay: insert missing jobs and make finished ones pending again (due now, a fresh
    retry window, the same id). Jobs still pending are left alone; returns the count."""
    touched = 0
    for start in range(0, len(jobs), CHUNK):
        rows = [_row(kind, job, now, window) for job in jobs[start : start + CHUNK]]
        stmt = _insert(session).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=["id"],
            set_={
                "status": JobStatus.PENDING.value,
                "run_at": now,
                "expires_at": now + window,
                "locked_until": None,
                "locked_by": None,
                "finished_at": None,
                "updated_at": now,
            },
            where=OutboxJob.status != JobStatus.PENDING.value,
        )
        touched += int(getattr(await session.execute(stmt), "rowcount", 0) or 0)
    return touched


async def claim(
    session: AsyncSession,
    kinds: Collection[str],
    owner: str,
    limit: int,
    lease: timedelta,
    now: datetime,
) -> list[Claimed]:
    """Take up to ``limit`` due jobs for ``owner``: one more attempt each, under a lease."""
    if limit <= 0 or not kinds:
        return []
    stmt = (
        select(
            OutboxJob.id,
            OutboxJob.kind,
            OutboxJob.organization_id,
            OutboxJob.event_id,
            OutboxJob.target,
            OutboxJob.attempts,
            OutboxJob.expires_at,
            OutboxJob.locked_until,
        )
        .where(
            OutboxJob.status == JobStatus.PENDING.value,
            OutboxJob.run_at <= now,
            OutboxJob.kind.in_(list(kinds)),
            or_(OutboxJob.locked_until.is_(None), OutboxJob.locked_until <= now),
        )
        .order_by(OutboxJob.run_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = (await session.execute(stmt)).all()
    if not rows:
        return []
    await session.execute(
        update(OutboxJob)
        .where(OutboxJob.id.in_([r.id for r in rows]))
        .values(
            attempts=OutboxJob.attempts + 1,
            locked_until=now + lease,
            locked_by=owner,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return [
        Claimed(
            id=r.id,
            kind=r.kind,
            organization_id=r.organization_id,
            event_id=r.event_id,
            target=r.target,
            attempt=r.attempts + 1,
            expires_at=r.expires_at,
            owner=owner,
            reclaimed=r.locked_until is not None,
        )
        for r in rows
    ]


async def settle(
    session: AsyncSession,
    job: Claimed,
    owner: str,
    outcome: Outcome,
    backoff: Backoff,
    now: datetime,
) -> str | None:
    """Record the attempt's end: delivered, dead, or pending again after a backoff.

    Returns the new status, or None when this attempt no longer holds the job (its lease
    ran out and another worker took it): then nothing is written.
    """
    values: dict[str, Any] = {"locked_until": None, "locked_by": None, "updated_at": now}
    if outcome.ok:
        status = JobStatus.DELIVERED
        values.update(finished_at=now, last_error=None)
    elif outcome.permanent or now >= job.expires_at:
        status = JobStatus.DEAD
        values.update(finished_at=now, last_error=(outcome.error or "failed")[:500])
    else:
        status = JobStatus.PENDING
        delay = timedelta(seconds=backoff.delay_s(job.attempt))
        values.update(run_at=now + delay, last_error=(outcome.error or "failed")[:500])
    result = await session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.id == job.id,
            OutboxJob.attempts == job.attempt,
            OutboxJob.locked_by == owner,
            OutboxJob.status == JobStatus.PENDING.value,
        )
        .values(status=status.value, **values)
        .execution_options(synchronize_session=False)
    )
    return status.value if getattr(result, "rowcount", 0) == 1 else None


async def forget(session: AsyncSession, kind: str, target: str) -> None:
    """Delete every job of a target that no longer exists."""
    await session.execute(
        delete(OutboxJob).where(OutboxJob.kind == kind, OutboxJob.target == target)
    )


async def prune(session: AsyncSession, before: datetime, batch: int = 1000) -> int:
    """Delete up to ``batch`` jobs that finished before ``before``; returns how many."""
    ids = select(OutboxJob.id).where(
        OutboxJob.status != JobStatus.PENDING.value, OutboxJob.finished_at < before
    )
    doomed = list((await session.scalars(ids.limit(batch))).all())
    if doomed:
        await session.execute(delete(OutboxJob).where(OutboxJob.id.in_(doomed)))
    return len(doomed)


def _due(now: datetime) -> Any:
    return (
        (OutboxJob.status == JobStatus.PENDING.value)
        & (OutboxJob.run_at <= now)
        & or_(OutboxJob.locked_until.is_(None), OutboxJob.locked_until <= now)
    )


async def oldest_due_age_s(db: AsyncSession | AsyncConnection, now: datetime) -> float:
    """How long the oldest job that is due and unclaimed has waited (0 when none)."""
    oldest = await db.scalar(select(func.min(OutboxJob.run_at)).where(_due(now)))
    if oldest is None:
        return 0.0
    return max(0.0, (now - oldest).total_seconds())


@dataclass(frozen=True)
class QueueStats:
    """What the queue holds now (read at scrape time)."""

    pending: int
    due: int
    dead: int
    oldest_due_age_s: float
    oldest_pending_age_s: float
    cursor_lag: dict[str, int]


async def stats(session: AsyncSession, now: datetime) -> QueueStats:
    """Counts by status, the due backlog and its age, and each cursor's lag in events."""
    by_status = select(OutboxJob.status, func.count()).group_by(OutboxJob.status)
    counts = {status: n for status, n in (await session.execute(by_status)).all()}
    due = await session.scalar(select(func.count()).select_from(OutboxJob).where(_due(now)))
    oldest = await session.scalar(
        select(func.min(OutboxJob.created_at)).where(OutboxJob.status == JobStatus.PENDING.value)
    )
    newest = int(await session.scalar(select(func.max(Event.id))) or 0)
    lag = {
        name: max(0, newest - position)
        for name, position in (
            await session.execute(select(OutboxCursor.name, OutboxCursor.position))
        ).all()
    }
    return QueueStats(
        pending=int(counts.get(JobStatus.PENDING.value, 0)),
        due=int(due or 0),
        dead=int(counts.get(JobStatus.DEAD.value, 0)),
        oldest_due_age_s=await oldest_due_age_s(session, now),
        oldest_pending_age_s=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        cursor_lag=lag,
    )


def owner_id() -> str:
    """A name for this worker in leases: host, process, and a random part."""
    import os
    import socket

    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
