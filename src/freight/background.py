"""The background work of one process: the outbox worker, its job kinds, its wake-ups.

The composition root of the outbox: the kinds that exist are listed here (webhook
deliveries and mail). ``freight serve`` builds one per process
(running the worker unless ``FREIGHT_WORKER_IN_PROCESS`` is off, and waking workers on
each commit of events they want); ``freight worker`` builds one that only works.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from freight.events import Event
from freight.mail.kind import MailDeliveries
from freight.outbox.kinds import Kind
from freight.outbox.wakeup import RedisWakeups
from freight.outbox.worker import Worker
from freight.redis_guard import RedisGuard
from freight.settings import Settings
from freight.webhooks.delivery import WebhookDeliveries


def job_kinds(settings: Settings, read_sessions: async_sessionmaker[AsyncSession]) -> list[Kind]:
    """Every job kind of this deployment."""
    return [WebhookDeliveries(read_sessions, settings), MailDeliveries(read_sessions, settings)]


class Background:
    """One process's outbox worker (or none) and the notices that wake workers."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        read_sessions: async_sessionmaker[AsyncSession],
        *,
        run_worker: bool,
        redis: Redis | None = None,
        guard: RedisGuard | None = None,
        kinds: Sequence[Kind] | None = None,
    ) -> None:
        self.kinds = list(kinds) if kinds is not None else job_kinds(settings, read_sessions)
        self.wakeups = RedisWakeups(redis, guard or RedisGuard(5.0), self._woken) if redis else None
        announce = self.wakeups.publish if self.wakeups else None
        self.worker = (
            Worker(sessions, read_sessions, settings, self.kinds, announce=announce)
            if run_worker
            else None
        )
        self._task: asyncio.Task[None] | None = None

    def _woken(self) -> None:
        if self.worker is not None:
            self.worker.wake()

    async def start(self) -> None:
        """Start the worker and, if it has one, its wake-up listener."""
        if self.worker is None:
            return
        if self.wakeups is not None:
            self.wakeups.listen()
        self._task = asyncio.create_task(self.worker.run(), name="outbox-worker")

    async def stop(self, grace_s: float = 10.0) -> None:
        """Stop the worker (running jobs get ``grace_s``), the listener and the kinds."""
        if self.worker is not None:
            await self.worker.stop(grace_s)
        if self._task is not None:
            done, _ = await asyncio.wait({self._task}, timeout=5)
            if not done:
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.wakeups is not None:
            await self.wakeups.stop()
        for kind in self.kinds:
            await kind.close()

    async def poke(self) -> None:
        """Jobs may be due: wake this process's worker and every other."""
        self._woken()
        if self.wakeups is not None:
            await self.wakeups.publish()

    async def on_commit(self, batch: Sequence[Event]) -> None:
        """An ``EventBus`` subscriber: wake workers when a kind wants one of these events."""
        if any(kind.wants(e.type) for e in batch for kind in self.kinds):
            await self.poke()


async def run_worker_process(settings: Settings, stop: asyncio.Event) -> None:
    """``freight worker``: a process that only works the outbox, until ``stop`` is set.

    It connects like the app (and, on the embedded default, migrates like it), listens
    for wake-ups on Redis when configured, and on stop lets running jobs finish for half
    of ``FREIGHT_SHUTDOWN_GRACE_S``; what is cut off is attempted again after its lease.
    """
    from freight.db import create_engine, create_session_factory
    from freight.migrations.runner import ensure_schema
    from freight.redis_guard import redis_client

    engine = create_engine(settings)
    redis = redis_client(settings, settings.redis_url) if settings.redis_url else None
    try:
        await ensure_schema(engine, settings.should_auto_migrate)
        background = Background(
            settings,
            create_session_factory(engine),
            create_session_factory(engine, read_only=True),
            run_worker=True,
            redis=redis,
            guard=RedisGuard(settings.redis_breaker_cooldown_s),
        )
        await background.start()
        await stop.wait()
        await background.stop(settings.shutdown_grace_s / 2)
    finally:
        if redis is not None:
            await redis.aclose()
        await engine.dispose()
