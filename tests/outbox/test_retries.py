"""With the default settings a failing job is retried with growing, jittered delays for at
least 72 hours, then dead-lettered; a settle from a worker that lost its lease is refused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from freight.db import utcnow
from freight.outbox import jobs
from freight.outbox.kinds import NewJob, Outcome
from freight.outbox.models import OutboxJob
from freight.settings import Settings
from tests.outbox.conftest import WINDOW, Org

FAILED = Outcome(False, error="answered 500")


async def test_a_failing_job_is_retried_for_72_hours_then_dead_lettered(org: Org) -> None:
    defaults = Settings()
    backoff = jobs.Backoff(defaults.outbox_backoff_base_s, defaults.outbox_backoff_max_s)
    window = timedelta(hours=defaults.outbox_retry_hours)
    start = utcnow()
    async with org.sessions() as session:
        [event] = await org.record(session)
        await jobs.enqueue(
            session, "webhook", [NewJob(org.id, event, org.endpoint_id)], start, window
        )
        await session.commit()
    now, waits, status = start, [], "pending"
    while status == "pending":
        async with org.sessions() as session:
            claimed = await jobs.claim(session, ["webhook"], "w1", 10, timedelta(minutes=1), now)
            assert len(claimed) == 1, f"the job is not due at {now - start}"
            status = await jobs.settle(session, claimed[0], "w1", FAILED, backoff, now) or "lost"
            due = await session.scalar(select(OutboxJob.run_at))
            await session.commit()
        assert due is not None
        if status == "pending":
            waits.append((due - now).total_seconds())
            now = due
    assert status == "dead"
    assert now - start >= timedelta(hours=72)  # the last attempt came after the window
    assert now - start - timedelta(seconds=waits[-1]) < timedelta(hours=72)
    assert 15 <= waits[0] <= 30 and 30 <= waits[1] <= 60  # 30 s x 2^(n-1), times 0.5-1
    assert max(waits) <= 6 * 3600 and max(waits) >= 3 * 3600  # capped at 6 h
    assert 15 <= len(waits) + 1 <= 40


async def test_a_worker_that_lost_its_lease_cannot_settle(org: Org) -> None:
    backoff, now = jobs.Backoff(0.05, 0.2), utcnow()
    async with org.sessions() as session:
        [event] = await org.record(session)
        await jobs.enqueue(
            session, "webhook", [NewJob(org.id, event, org.endpoint_id)], now, WINDOW
        )
        [first] = await jobs.claim(session, ["webhook"], "slow", 1, timedelta(seconds=1), now)
        await session.commit()
    later = now + timedelta(seconds=2)  # the lease ran out: another worker takes the job
    async with org.sessions() as session:
        [second] = await jobs.claim(session, ["webhook"], "quick", 1, timedelta(seconds=1), later)
        await session.commit()
    assert (second.id, second.attempt, second.reclaimed) == (first.id, 2, True)
    async with org.sessions() as session:
        late = await jobs.settle(session, first, "slow", Outcome(True), backoff, later)
        mine = await jobs.settle(session, second, "quick", Outcome(True), backoff, later)
        await session.commit()
    assert (late, mine) == (None, "delivered")
