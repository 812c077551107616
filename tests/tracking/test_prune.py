"""``freight tracking prune`` deletes fixes older than the retention, in batches."""

from __future__ import annotations

import anyio
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from freight.cli import app as cli
from freight.settings import Settings, get_settings
from freight.tracking.models import Position
from tests.shipments.direct import engine_of
from tests.tracking.conftest import CHICAGO, Road, accept, ago, fix, north_of

DAY = 24 * 60


async def _count(app: FastAPI) -> int:
    async with engine_of(app).connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(Position))).scalar_one())


def _prune(*args: str) -> str:
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["tracking", "prune", *args])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return result.output


async def test_prune_keeps_the_retention_period(
    client: AsyncClient,
    app: FastAPI,
    road: Road,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = [fix(*north_of(CHICAGO, 100 * i), ago(100 * DAY - i)) for i in range(5)]
    recent = [fix(*north_of(CHICAGO, 1000 + 100 * i), ago(89 * DAY - i)) for i in range(3)]
    await accept(client, road.driver, old + recent)
    monkeypatch.setenv("FREIGHT_DATABASE_URL", settings.database_url)
    monkeypatch.delenv("FREIGHT_GPS_RETENTION_DAYS", raising=False)

    output = await anyio.to_thread.run_sync(_prune, "--days", "365")
    assert "deleted 0 position(s)" in output and await _count(app) == 8
    output = await anyio.to_thread.run_sync(_prune, "--batch", "2")  # 90 days by default
    assert "deleted 5 position(s)" in output
    assert await _count(app) == 3
