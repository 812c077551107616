"""The queue in /api/ready and /metrics: the age of the oldest due job, depth, lag."""

from __future__ import annotations

from datetime import timedelta

from freight.db import utcnow
from freight.outbox import jobs
from freight.outbox.kinds import NewJob
from tests.helpers import running_client
from tests.outbox.conftest import WINDOW, Org


async def test_ready_and_metrics_report_a_stuck_queue(org: Org) -> None:
    async with running_client(org.settings) as http:
        calm = (await http.get("/api/ready")).json()
        assert calm["checks"]["outbox"] == "ok" and calm["outbox"] == {"oldest_due_age_s": 0.0}
        async with org.sessions() as session:  # due ten minutes ago, and no worker running
            [event] = await org.record(session)
            job = NewJob(org.id, event, org.endpoint_id)
            await jobs.enqueue(session, "webhook", [job], utcnow() - timedelta(minutes=10), WINDOW)
            await session.commit()
        resp = await http.get("/api/ready")
        metrics = (await http.get("/metrics")).text
    body = resp.json()
    assert resp.status_code == 200  # the API still works: degraded, not out of rotation
    assert (body["status"], body["degraded"], body["checks"]["outbox"]) == (
        "degraded",
        ["outbox"],
        "stuck",
    )
    assert 590 < body["outbox"]["oldest_due_age_s"] < 700
    assert 'freight_outbox_jobs{status="pending"} 1.0' in metrics
    assert "freight_outbox_due_jobs 1.0" in metrics
    age = next(ln for ln in metrics.splitlines() if ln.startswith("freight_outbox_oldest_due_age"))
    assert 590 < float(age.split()[-1]) < 700
    assert 'freight_outbox_attempts_total{kind="webhook",outcome="delivered"}' in metrics
