"""The worker loop: advance each kind's cursor, claim due jobs, run them, settle them.

Any number of workers may run (``freight worker`` processes on any hosts, and one inside
each ``freight serve`` process unless ``FREIGHT_WORKER_IN_PROCESS`` is off). Each round
first peeks with a read-only session (no write lock on SQLite when there is nothing to
do), then advances the cursors and claims up to its free slots in short write
transactions. Jobs run as tasks outside any transaction; each one's outcome is settled
in a transaction of its own, fenced by the attempt it claimed. A worker sleeps until
woken (a commit in this process, a notice from another over Redis, a finished job) or
for ``FREIGHT_OUTBOX_POLL_S`` at most.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from freight.db import utcnow
from freight.events import Event
from freight.observability import metrics
from freight.outbox import cursor, jobs
from freight.outbox.kinds import Claimed, Kind, Outcome
from freight.outbox.models import JobStatus, OutboxCursor, OutboxJob
from freight.outbox.settler import Settler
from freight.settings import Settings

log = structlog.get_logger("freight.outbox")
PRUNE_EVERY_S = 600.0
CATCH_UP_BATCHES = 20  # cursor steps in one round while far behind


class Worker:
    """One process's outbox worker."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        read_sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        kinds: Sequence[Kind],
        *,
        owner: str | None = None,
        announce: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.sessions = sessions
        self.read_sessions = read_sessions
        self.settings = settings
        self.kinds = {kind.name: kind for kind in kinds}
        self.owner = owner or jobs.owner_id()
        self.backoff = jobs.Backoff(settings.outbox_backoff_base_s, settings.outbox_backoff_max_s)
        self.window = timedelta(hours=settings.outbox_retry_hours)
        self._announce = announce
        self._wake = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._seen: dict[str, tuple[int, bool]] = {}  # kind -> (position, has gaps)
        self._pruned_at = 0.0
        self.settler = Settler(sessions, self.owner, self.backoff)
        # Claim when this many slots are free (or none is busy): claims come in batches.
        self._claim_at = max(1, settings.outbox_concurrency // 4)

    def wake(self) -> None:
        """Run a round now (new events were committed, or jobs became due)."""
        self._wake.set()

    async def run(self) -> None:
        """Work until ``stop``; a failing round (database down) is logged and retried."""
        log.info("outbox.worker_started", owner=self.owner, kinds=sorted(self.kinds))
        settling = asyncio.create_task(self.settler.run(), name="outbox-settler")
        try:
            while not self._stopping:
                self._wake.clear()
                try:
                    busy = await self.round()
                except Exception:
                    log.exception("outbox.round_failed")
                    busy = False
                if not busy and not self._stopping:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.settings.outbox_poll_s)
        finally:
            self.settler.close()
            await settling

    async def stop(self, grace_s: float = 10.0) -> None:
        """Stop claiming, let running jobs finish for ``grace_s``, then cancel the rest
        (their leases run out and another worker makes the attempt again)."""
        self._stopping = True
        self._wake.set()
        if self._running:
            _, late = await asyncio.wait(set(self._running), timeout=grace_s)
            for task in late:
                task.cancel()
            for task in late:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.settler.flush()

    async def idle(self) -> None:
        """Wait until no job of this worker is running or unsettled (tests, benchmarks)."""
        while self._running:
            await asyncio.wait(set(self._running))
        await self.settler.flush()

    async def round(self) -> bool:
        """One round; True when it found work (so the next one starts at once)."""
        free = self.settings.outbox_concurrency - len(self._running)
        can_claim = not self._stopping and (free >= self._claim_at or not self._running)
        newest, due = await self._peek(can_claim)
        expanded = await self._advance(newest)
        started = await self._claim() if can_claim and (due or expanded) else 0
        await self._prune()
        return expanded or started > 0

    async def _peek(self, for_claim: bool) -> tuple[int, bool]:
        now = utcnow()
        async with self.read_sessions() as session:
            newest = int(await session.scalar(select(func.max(Event.id))) or 0)
            due = for_claim and await session.scalar(
                select(OutboxJob.id)
                .where(
                    OutboxJob.status == JobStatus.PENDING.value,
                    OutboxJob.run_at <= now,
                    (OutboxJob.locked_until.is_(None)) | (OutboxJob.locked_until <= now),
                )
                .limit(1)
            )
            if not self._seen:
                rows = await session.execute(select(OutboxCursor.name, OutboxCursor.position))
                for name, position in rows.all():
                    self._seen[name] = (position, True)
        return newest, bool(due)

    async def _advance(self, newest: int) -> bool:
        moved = False
        for kind in self.kinds.values():
            position, gaps = self._seen.get(kind.name, (-1, True))
            for _ in range(CATCH_UP_BATCHES):
                if position >= newest and not gaps:
                    break
                async with self.sessions() as session:
                    step = await cursor.advance(
                        session,
                        kind,
                        batch=self.settings.outbox_batch,
                        gap_wait_s=self.settings.outbox_gap_wait_s,
                        now=utcnow(),
                        window=self.window,
                    )
                    await session.commit()
                if step is None:  # another worker is advancing this cursor
                    break
                position, gaps = step.position, step.gaps > 0
                self._seen[kind.name] = (position, gaps)
                moved = moved or step.events > 0
                if step.jobs:
                    metrics.OUTBOX_JOBS_CREATED.labels(kind.name).inc(step.jobs)
                    if self._announce is not None:
                        await self._announce()
                if step.events < self.settings.outbox_batch:
                    break
        return moved

    async def _claim(self) -> int:
        free = self.settings.outbox_concurrency - len(self._running)
        if free <= 0:
            return 0
        async with self.sessions() as session:
            claimed = await jobs.claim(
                session,
                self.kinds,
                self.owner,
                free,
                timedelta(seconds=self.settings.outbox_lease_s),
                utcnow(),
            )
            await session.commit()
        for job in claimed:
            task = asyncio.create_task(self._attempt(job), name=f"outbox-{job.id}")
            self._running.add(task)
            task.add_done_callback(self._finished)
        return len(claimed)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        free = self.settings.outbox_concurrency - len(self._running)
        if free >= self._claim_at or not self._running:
            self._wake.set()  # enough slots are free for a claim

    async def _attempt(self, job: Claimed) -> None:
        kind = self.kinds[job.kind]
        if job.reclaimed:
            metrics.OUTBOX_ATTEMPTS.labels(kind.name, "abandoned").inc()
        started = time.perf_counter()
        try:
            outcome = await kind.perform(job)
        except Exception as exc:  # a bug in a kind must not kill the worker
            log.exception("outbox.perform_failed", kind=kind.name, job=str(job.id))
            outcome = Outcome(ok=False, error=f"internal error ({type(exc).__name__})")
        metrics.OUTBOX_ATTEMPT_DURATION.labels(kind.name).observe(time.perf_counter() - started)
        self.settler.add(kind, job, outcome)

    async def _prune(self) -> None:
        if time.monotonic() - self._pruned_at < PRUNE_EVERY_S:
            return
        self._pruned_at = time.monotonic()
        before = utcnow() - timedelta(days=self.settings.outbox_retention_days)
        while True:
            async with self.sessions() as session:
                done = await jobs.prune(session, before)
                await session.commit()
            if done < 1000:
                return
