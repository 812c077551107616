"""Two workers on PostgreSQL, a process of their own each, share 500 deliveries: every
delivery arrives exactly once, and both took part."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from freight.background import Background
from freight.webhooks.models import WebhookAttempt
from tests.conftest import PG_URL
from tests.outbox.conftest import Org, worker_process
from tests.webhooks.conftest import eventually
from tests.webhooks.receiver import Receiver

DELIVERIES = 500

pytestmark = pytest.mark.skipif(
    not PG_URL,
    reason="SQLite has one writer at a time; runs in the PostgreSQL + Redis pass",
)


async def test_two_workers_never_deliver_the_same_attempt_twice(org: Org, tmp_path: Path) -> None:
    receiver = Receiver()
    await receiver.start()
    await org.point_at(receiver.url)
    here = Background(org.settings, org.sessions, org.read_sessions, run_worker=True)
    try:
        async with worker_process(org.settings, tmp_path) as other:
            await here.start()
            async with org.sessions() as session:
                await org.record(session, DELIVERIES)
                await session.commit()
            await here.poke()
            await receiver.wait_for(DELIVERIES, within=60)

            async def settled() -> bool:
                async with org.sessions() as session:
                    done = select(func.count()).select_from(WebhookAttempt)
                    return (await session.scalar(done) or 0) >= DELIVERIES

            await eventually(settled, within=20)
            await asyncio.sleep(0.5)  # a double delivery would arrive meanwhile
            assert other.process.returncode is None
    finally:
        await here.stop()
        await receiver.stop()
    counts = receiver.ids()
    assert len(receiver.received) == DELIVERIES and len(counts) == DELIVERIES
    assert set(counts.values()) == {1}
    async with org.sessions() as session:
        by_worker = dict(
            (
                await session.execute(
                    select(WebhookAttempt.worker, func.count()).group_by(WebhookAttempt.worker)
                )
            ).all()
        )
        outcomes = set(await session.scalars(select(WebhookAttempt.outcome).distinct()))
    assert outcomes == {"delivered"} and sum(by_worker.values()) == DELIVERIES
    assert len(by_worker) == 2, by_worker  # both workers delivered some
