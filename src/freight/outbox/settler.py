"""Writing attempts' outcomes in batches: many settles, one transaction, one commit.

A delivery's slot is free as soon as its attempt ends; its outcome waits here (a few
milliseconds under load) and is written with the others that ended meanwhile. Each
settle runs in a savepoint, so one that fails (its row changed under it) does not undo
the rest. Until its settle commits a job stays leased: if this process dies first, the
attempt is made again after the lease, as with any crash.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from freight.db import utcnow
from freight.observability import metrics
from freight.outbox import jobs
from freight.outbox.kinds import Claimed, Kind, Outcome
from freight.outbox.models import JobStatus

log = structlog.get_logger("freight.outbox")
MAX_BATCH = 200


class Settler:
    """Collects outcomes and writes them, a batch per transaction."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], owner: str, backoff: jobs.Backoff
    ) -> None:
        self.sessions = sessions
        self.owner = owner
        self.backoff = backoff
        self._queue: list[tuple[Kind, Claimed, Outcome]] = []
        self._ready = asyncio.Event()
        self._writing = asyncio.Lock()  # one write at a time; a flush waits for the current
        self._closing = False

    def add(self, kind: Kind, job: Claimed, outcome: Outcome) -> None:
        """Queue an attempt's outcome for the next write."""
        self._queue.append((kind, job, outcome))
        self._ready.set()

    async def run(self) -> None:
        """Write whatever is queued, whenever something is, until ``close`` (never cancel
        it: a write cut off would leave its jobs to be attempted again)."""
        while not self._closing or self._queue:
            await self._ready.wait()
            self._ready.clear()
            await self.flush()

    def close(self) -> None:
        """Let ``run`` end once the queue is written."""
        self._closing = True
        self._ready.set()

    async def flush(self) -> None:
        """Write everything queued now (after any write under way)."""
        async with self._writing:
            while self._queue:
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                try:
                    await self._write(batch)
                except Exception:  # the leases run out and the attempts are made again
                    log.exception("outbox.settle_failed", jobs=len(batch))

    async def _write(self, batch: list[tuple[Kind, Claimed, Outcome]]) -> None:
        try:
            done = await self._in_one_transaction(batch)
        except Exception:  # one settle failed: write each on its own, so the rest stay
            log.warning("outbox.settle_batch_failed", jobs=len(batch), exc_info=True)
            done = []
            for item in batch:
                with contextlib.suppress(Exception):
                    done += await self._in_one_transaction([item])
        for kind, job, outcome, status in done:
            metrics.OUTBOX_ATTEMPTS.labels(kind.name, "delivered" if outcome.ok else "failed").inc()
            if not outcome.ok:
                metrics.OUTBOX_FAILURES.labels(kind.name).inc()
            if status == JobStatus.DEAD:
                metrics.OUTBOX_DEAD.labels(kind.name).inc()
                log.warning("outbox.dead", kind=kind.name, job=str(job.id), error=outcome.error)

    async def _in_one_transaction(
        self, batch: list[tuple[Kind, Claimed, Outcome]]
    ) -> list[tuple[Kind, Claimed, Outcome, str]]:
        done: list[tuple[Kind, Claimed, Outcome, str]] = []
        async with self.sessions() as session:
            now = utcnow()
            for kind, job, outcome in batch:
                status = await jobs.settle(session, job, self.owner, outcome, self.backoff, now)
                if status is None:
                    log.warning("outbox.lease_lost", kind=kind.name, job=str(job.id))
                    continue
                await kind.settle(session, job, outcome, status)
                done.append((kind, job, outcome, status))
            await session.commit()
        return done
