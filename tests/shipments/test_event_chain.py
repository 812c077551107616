"""The event log's hash chain: gapless per shipment, tampering found, ``freight audit verify``."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from typer.testing import CliRunner

from freight.cli import app as cli
from freight.events import chain_hash, content_of
from freight.settings import get_settings
from tests.shipments.conftest import World
from tests.shipments.direct import delete_event, events_of, set_event
from tests.shipments.history import problems, shipment_with_history


async def test_each_shipment_has_a_gapless_hash_chain(
    client: AsyncClient, app: FastAPI, world: World
) -> None:
    first = await shipment_with_history(client, world, edits=3)
    second = await shipment_with_history(client, world, edits=2)
    for sid, count in ((first, 4), (second, 3)):
        rows = await events_of(app, sid)
        assert [r.seq for r in rows] == list(range(1, count + 1))
        assert rows[0].prev_hash == ""
        for before, after in itertools.pairwise(rows):
            assert after.prev_hash == before.hash
        for row in rows:
            assert len(row.hash) == 64
            assert row.hash == chain_hash(row.prev_hash, content_of(row))
    assert await problems(app) == []


async def test_verify_reports_an_altered_payload(
    client: AsyncClient, app: FastAPI, world: World
) -> None:
    sid = await shipment_with_history(client, world)
    untouched = await shipment_with_history(client, world)
    victim = (await events_of(app, sid))[1]
    await set_event(app, victim.id, data={"changes": {"notes": [None, "nothing to see"]}})

    found = await problems(app)
    assert [(p.event_id, p.problem) for p in found] == [(victim.id, "content altered")]
    assert all(p.shipment_id != uuid.UUID(untouched) for p in found)


async def test_verify_reports_an_altered_row_whose_hash_was_recomputed(
    client: AsyncClient, app: FastAPI, world: World
) -> None:
    sid = await shipment_with_history(client, world)
    rows = await events_of(app, sid)
    victim = rows[1]
    forged = {"changes": {"notes": [None, "forged"]}}
    content = content_of(victim) | {"data": forged}
    await set_event(app, victim.id, data=forged, hash=chain_hash(victim.prev_hash, content))

    found = await problems(app)
    assert rows[2].id in {p.event_id for p in found}
    assert victim.id not in {p.event_id for p in found}


async def test_verify_reports_swapped_events(
    client: AsyncClient, app: FastAPI, world: World
) -> None:
    sid = await shipment_with_history(client, world)
    rows = await events_of(app, sid)
    a, b = rows[1], rows[2]
    await set_event(app, a.id, seq=-1)  # (shipment_id, seq) is unique: swap through a spare
    await set_event(app, b.id, seq=a.seq)
    await set_event(app, a.id, seq=b.seq)

    found = await problems(app)
    assert {a.id, b.id} <= {p.event_id for p in found}
    assert {p.shipment_id for p in found} == {uuid.UUID(sid)}


async def test_verify_reports_a_deleted_middle_event(
    client: AsyncClient, app: FastAPI, world: World
) -> None:
    sid = await shipment_with_history(client, world)
    rows = await events_of(app, sid)
    await delete_event(app, rows[1].id)

    found = await problems(app)
    assert found, "a deleted event went unnoticed"
    assert {p.event_id for p in found} == {rows[2].id}
    assert {p.seq for p in found} == {3}


async def test_verify_reports_a_deleted_newest_event(
    client: AsyncClient, app: FastAPI, world: World
) -> None:
    sid = await shipment_with_history(client, world)
    rows = await events_of(app, sid)
    await delete_event(app, rows[-1].id)

    found = await problems(app)
    assert [(p.shipment_id, p.seq) for p in found] == [(uuid.UUID(sid), rows[-1].seq)]


async def test_verify_reports_a_shipment_whose_events_were_all_deleted(
    client: AsyncClient, app: FastAPI, world: World
) -> None:
    sid = await shipment_with_history(client, world, edits=1)
    for row in await events_of(app, sid):
        await delete_event(app, row.id)
    found = await problems(app)
    assert [p.shipment_id for p in found] == [uuid.UUID(sid)]


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """The CLI pointed at the test database."""
    monkeypatch.setenv("FREIGHT_DATABASE_URL", database_url)
    monkeypatch.delenv("FREIGHT_REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


async def test_audit_verify_command(
    client: AsyncClient, app: FastAPI, world: World, cli_env: CliRunner
) -> None:
    sid = await shipment_with_history(client, world)

    # The command runs its own event loop, so it gets a thread of its own.
    intact = await asyncio.to_thread(cli_env.invoke, cli, ["audit", "verify"])
    assert intact.exit_code == 0, intact.output
    assert "event log intact" in intact.output

    victim = (await events_of(app, sid))[2]
    await set_event(app, victim.id, data={"changes": {}})
    broken = await asyncio.to_thread(cli_env.invoke, cli, ["audit", "verify"])
    assert broken.exit_code == 1, broken.output
    assert f"event {victim.id} " in broken.output
    assert "content altered" in broken.output
    assert "1 problem(s) found" in broken.output
