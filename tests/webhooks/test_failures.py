"""Giving up: a job dead-letters after its retry window; an endpoint that fails every
delivery for the disable period is disabled, and says so in the event log."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from prometheus_client import REGISTRY
from sqlalchemy import select

from freight.db import create_engine, create_session_factory
from freight.events import Event
from freight.settings import Settings
from tests.helpers import register, running_client
from tests.webhooks.conftest import add_endpoint, book, deliveries, eventually, hook_settings
from tests.webhooks.receiver import Receiver


async def _recorded(database_url: str, kind: str) -> list[dict[str, Any]]:
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with create_session_factory(engine)() as session:
            found = await session.scalars(select(Event).where(Event.type == kind))
            return [e.data for e in found]
    finally:
        await engine.dispose()


async def test_a_delivery_failing_past_its_retry_window_is_dead_lettered(
    clean_db: str, tmp_path: Path, receiver: Receiver
) -> None:
    receiver.then = 500
    # A retry window of 1.8 s instead of 72 h; backoff 50-200 ms.
    settings = hook_settings(clean_db, tmp_path, outbox_retry_hours=0.0005)
    dead_before = _dead_count()
    async with running_client(settings) as http:
        admin = await register(http, "Acme Haulage", "admin@acme.example")
        endpoint_id, _ = await add_endpoint(http, admin, receiver.url)
        await book(http, admin)

        async def dead() -> list[dict[str, Any]]:
            return [d for d in await deliveries(http, admin, endpoint_id) if d["status"] == "dead"]

        [delivery] = await eventually(dead, within=8)
        metrics = (await http.get("/metrics")).text
    assert delivery["attempt_count"] >= 3 and delivery["last_error"] == "answered 500"
    assert delivery["next_attempt_at"] is None and delivery["finished_at"]
    assert len(receiver.received) == delivery["attempt_count"]
    assert len(receiver.ids()) == 1
    assert _dead_count() == dead_before + 1
    assert 'freight_outbox_jobs{status="dead"} 1.0' in metrics


async def test_an_endpoint_failing_for_the_whole_period_is_disabled(
    clean_db: str, tmp_path: Path, receiver: Receiver
) -> None:
    receiver.then = 503
    # "5 days" shortened to 1.3 s, so that the test can wait for it.
    settings = hook_settings(clean_db, tmp_path, webhook_disable_after_days=0.000015)
    async with running_client(settings) as http:
        admin = await register(http, "Acme Haulage", "admin@acme.example")
        endpoint_id, _ = await add_endpoint(http, admin, receiver.url)
        await book(http, admin)

        async def disabled() -> dict[str, Any] | None:
            resp = await http.get(f"/api/webhooks/endpoints/{endpoint_id}", headers=admin.auth)
            body: dict[str, Any] = resp.json()
            return None if body["enabled"] else body

        endpoint = await eventually(disabled, within=8)
        [delivery] = await eventually(lambda: _dead(http, admin.auth, endpoint_id), within=5)
        sent = len(receiver.received)
        await book(http, admin)  # a disabled endpoint gets nothing new
        await asyncio.sleep(0.5)
        assert await _count(http, admin.auth, endpoint_id) == 1
    assert endpoint is not None
    assert endpoint["failing_since"] and endpoint["disabled_reason"].startswith("every delivery")
    assert delivery["last_error"] == "endpoint disabled"
    assert len(receiver.received) == sent
    [notice] = await _recorded(clean_db, "webhook.endpoint_disabled")
    assert notice["endpoint_id"] == endpoint_id


def _dead_count() -> float:
    return REGISTRY.get_sample_value("freight_outbox_dead_total", {"kind": "webhook"}) or 0.0


async def _dead(http: AsyncClient, auth: dict[str, str], endpoint_id: str) -> list[Any]:
    resp = await http.get(
        f"/api/webhooks/endpoints/{endpoint_id}/deliveries?status=dead", headers=auth
    )
    items: list[Any] = resp.json()["items"]
    return items


async def _count(http: AsyncClient, auth: dict[str, str], endpoint_id: str) -> int:
    resp = await http.get(f"/api/webhooks/endpoints/{endpoint_id}/deliveries", headers=auth)
    return len(resp.json()["items"])
