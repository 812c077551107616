"""An organisation with one webhook endpoint, sessions on the test database, and ways to
record events directly (as a service would, in a transaction of their own)."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from freight import events
from freight.db import create_engine, create_session_factory
from freight.outbox.models import OutboxJob
from freight.settings import Settings
from freight.webhooks.delivery import WebhookDeliveries
from freight.webhooks.models import WebhookEndpoint
from tests.helpers import register, running_client
from tests.webhooks.conftest import add_endpoint, hook_settings

WINDOW = timedelta(hours=72)


@dataclass
class Org:
    id: uuid.UUID
    endpoint_id: str
    secret: str
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    read_sessions: async_sessionmaker[AsyncSession]

    def kind(self) -> WebhookDeliveries:
        return WebhookDeliveries(self.read_sessions, self.settings)

    async def record(self, session: AsyncSession, n: int = 1) -> list[int]:
        """``n`` public events (invoices issued) in the session's transaction."""
        made = []
        for i in range(n):
            data = {"invoice_id": str(uuid.uuid4()), "number": f"INV-{i}", "due_at": "2027-01-01"}
            made.append((await events.record(session, None, self.id, "invoice.issued", data)).id)
        return made

    async def point_at(self, url: str) -> None:
        """Send the endpoint's deliveries to ``url`` (a receiver the test started)."""
        async with self.sessions() as session:
            await session.execute(
                update(WebhookEndpoint)
                .where(WebhookEndpoint.id == uuid.UUID(self.endpoint_id))
                .values(url=url)
            )
            await session.commit()

    async def job(self) -> OutboxJob:
        """The one job there is."""
        async with self.sessions() as session:
            return (await session.scalars(select(OutboxJob))).one()

    async def jobs(self) -> list[int | None]:
        async with self.sessions() as session:
            found = await session.scalars(select(OutboxJob.event_id).order_by(OutboxJob.event_id))
            return list(found)

    async def job_count(self) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(OutboxJob)) or 0)


@pytest.fixture
async def org(clean_db: str, tmp_path: Path) -> AsyncIterator[Org]:
    """Acme with an endpoint at a local address nothing listens on (unless a test starts
    its receiver there), and no worker running: the tests drive the outbox themselves."""
    settings = hook_settings(clean_db, tmp_path, worker_in_process=False)
    async with running_client(settings) as http:
        admin = await register(http, "Acme Haulage", "admin@acme.example")
        endpoint_id, secret = await add_endpoint(http, admin, "http://127.0.0.1:9/unused")
    engine = create_engine(settings)
    try:
        yield Org(
            admin.organization_id,
            endpoint_id,
            secret,
            settings,
            engine,
            create_session_factory(engine),
            create_session_factory(engine, read_only=True),
        )
    finally:
        await engine.dispose()


@dataclass
class WorkerProcess:
    """``freight worker`` in a process of its own, with its log lines collected."""

    process: asyncio.subprocess.Process
    lines: list[str]


def worker_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a ``freight worker`` for the test database (no other FREIGHT_)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FREIGHT_")}
    env.update(
        FREIGHT_ENV="test",
        FREIGHT_DATABASE_URL=settings.database_url,
        FREIGHT_AUTO_MIGRATE="false",
        FREIGHT_LOG_FILE="off",
        FREIGHT_WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
        FREIGHT_OUTBOX_POLL_S="0.05",
        **extra,
    )
    if settings.redis_url:
        env["FREIGHT_REDIS_URL"] = settings.redis_url
    return env


@asynccontextmanager
async def worker_process(
    settings: Settings, cwd: Path, **extra: str
) -> AsyncIterator[WorkerProcess]:
    """Start ``freight worker``, wait until it works, and make sure it is gone afterwards."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "freight.cli", "worker",
        env=worker_env(settings, **extra),
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    lines: list[str] = []
    started = asyncio.Event()

    async def read() -> None:
        assert process.stdout is not None
        async for raw in process.stdout:
            lines.append(raw.decode(errors="replace"))
            if "outbox.worker_started" in lines[-1]:
                started.set()

    reader = asyncio.create_task(read())
    try:
        try:
            await asyncio.wait_for(started.wait(), timeout=60)
        except TimeoutError:
            raise AssertionError("the worker did not start:\n" + "".join(lines[-30:])) from None
        yield WorkerProcess(process, lines)
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
        await reader
