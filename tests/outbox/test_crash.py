"""A worker killed in the middle of a delivery: after its lease, exactly one more attempt,
with the same webhook-id, by another worker."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from sqlalchemy import select

from freight.background import Background
from freight.db import utcnow
from freight.webhooks.models import WebhookAttempt
from tests.outbox.conftest import Org, worker_process
from tests.webhooks.conftest import eventually
from tests.webhooks.receiver import Receiver

LEASE_S = 3.0


async def test_a_worker_killed_mid_delivery_leaves_one_more_attempt_with_the_same_id(
    org: Org, tmp_path: Path
) -> None:
    receiver = Receiver(hold_first=True)  # the first request is never answered
    await receiver.start()
    await org.point_at(receiver.url)
    lease = {"FREIGHT_OUTBOX_LEASE_S": str(LEASE_S), "FREIGHT_WEBHOOK_TIMEOUT_S": "2.5"}
    try:
        async with worker_process(org.settings, tmp_path, **lease) as worker:
            async with org.sessions() as session:
                await org.record(session)
                await session.commit()
            await asyncio.wait_for(receiver.arrived.wait(), timeout=20)
            worker.process.send_signal(signal.SIGKILL)
            assert await worker.process.wait() == -signal.SIGKILL
        job = await org.job()
        assert (job.status, job.attempts) == ("pending", 1)
        assert job.locked_until is not None and job.locked_until > utcnow()

        settings = org.settings.model_copy(update={"outbox_lease_s": LEASE_S})
        rescuer = Background(settings, org.sessions, org.read_sessions, run_worker=True)
        await rescuer.start()
        try:
            await receiver.wait_for(2, within=LEASE_S + 10)

            async def delivered() -> bool:
                return (await org.job()).status == "delivered"

            await eventually(delivered)
            await asyncio.sleep(0.3)  # room for a wrong extra attempt to show
        finally:
            await rescuer.stop()
    finally:
        await receiver.stop()
    first, second = receiver.received
    assert len(receiver.received) == 2 and first.webhook_id == second.webhook_id
    second.verified(org.secret)
    job = await org.job()
    assert (job.status, job.attempts, job.message_id) == ("delivered", 2, first.webhook_id)
    async with org.sessions() as session:
        log = await session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.attempt))
        assert [(a.attempt, a.outcome) for a in log] == [(1, "abandoned"), (2, "delivered")]
