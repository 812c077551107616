"""The cursor over the event log: late commits below it are still expanded, holes are
forgotten after the gap wait, expanding twice makes nothing twice."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import delete, update

from freight.db import utcnow
from freight.events import Event
from freight.outbox import cursor
from freight.outbox.models import OutboxCursor
from tests.conftest import PG_URL
from tests.outbox.conftest import WINDOW, Org


async def _step(org: Org, gap_wait_s: float = 300.0) -> cursor.Step:
    kind = org.kind()
    try:
        async with org.sessions() as session:
            step = await cursor.advance(
                session, kind, batch=100, gap_wait_s=gap_wait_s, now=utcnow(), window=WINDOW
            )
            await session.commit()
    finally:
        await kind.close()
    assert step is not None
    return step


@pytest.mark.skipif(
    not PG_URL, reason="needs concurrent writers; runs in the PostgreSQL + Redis pass"
)
async def test_an_event_committed_after_a_newer_one_is_still_delivered(org: Org) -> None:
    await _step(org)  # the cursor starts after the endpoint's creation
    async with org.sessions() as slow, org.sessions() as fast:
        [early] = await org.record(slow)  # takes its id first, commits last
        [late] = await org.record(fast)
        await fast.commit()
        assert late > early
        step = await _step(org)
        assert await org.jobs() == [late]
        assert step.position == late and step.gaps == 1
        await slow.commit()
    step = await _step(org)
    assert await org.jobs() == [early, late]
    assert step.gaps == 0


async def test_a_hole_that_never_fills_is_forgotten_after_the_gap_wait(org: Org) -> None:
    await _step(org)
    async with org.sessions() as session:
        if PG_URL:  # a rolled-back transaction leaves its id unused for ever
            await org.record(session)
            await session.rollback()
            [kept] = await org.record(session)
        else:  # SQLite reuses a rolled-back id: a deleted row makes the hole instead
            [lost, kept] = await org.record(session, 2)
            await session.execute(delete(Event).where(Event.id == lost))
        await session.commit()
    assert (await _step(org, gap_wait_s=0.3)).gaps == 1
    await asyncio.sleep(0.35)
    step = await _step(org, gap_wait_s=0.3)
    assert step.gaps == 0 and step.position == kept
    assert await org.jobs() == [kept]


async def test_expanding_the_same_events_again_makes_no_new_jobs(org: Org) -> None:
    await _step(org)
    async with org.sessions() as session:
        made = await org.record(session, 5)
        await session.commit()
    assert (await _step(org)).jobs == 5
    async with org.sessions() as session:  # as if a worker crashed before moving the cursor
        await session.execute(update(OutboxCursor).values(position=made[0] - 1, gaps=[]))
        await session.commit()
    again = await _step(org)
    assert (again.events, again.jobs) == (5, 0)
    assert await org.jobs() == made


async def test_a_new_cursor_skips_the_history_no_endpoint_can_want(org: Org) -> None:
    async with org.sessions() as session:
        await session.execute(delete(OutboxCursor))
        await session.commit()
    step = await _step(org)
    # Everything but the endpoint's own creation predates it: jumped over, not read.
    assert (step.events, step.jobs) == (1, 0)
    async with org.sessions() as session:
        [fresh] = await org.record(session)
        await session.commit()
    assert (await _step(org)).jobs == 1 and await org.jobs() == [fresh]
