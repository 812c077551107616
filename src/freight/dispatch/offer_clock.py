"""The periodic sweep of load offers: each server, every ``FREIGHT_OFFER_SWEEP_S``,
expires the offers whose time ran out and asks their waterfalls' next drivers.

The offers' state (``expires_at``) is in the database, so a restarted server picks up
where any other left off, and the sweep skips rows another server holds: every server
can run one. It commits through the app context, so each step reaches the board live.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from freight.context import AppContext
from freight.db import utcnow
from freight.dispatch import offers

log = structlog.get_logger("freight.offers")


class OfferClock:
    """One server's offer sweep, as a background task."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start sweeping."""
        self._task = asyncio.create_task(self._run(), name="offer-clock")

    async def tick(self) -> int:
        """One sweep in its own transaction; how many offers it settled."""
        async with self.ctx.sessions() as session:
            settled = await offers.sweep(session, utcnow())
            await self.ctx.commit(session)
        if settled:
            log.info("offers.swept", settled=settled)
        return settled

    async def _run(self) -> None:
        while True:
            try:
                # A full batch means more are due: sweep again at once.
                while await self.tick() >= offers.SWEEP_BATCH:
                    pass
            except Exception:  # the database is down, say: try again next time
                log.warning("offers.sweep_failed", exc_info=True)
            await asyncio.sleep(self.ctx.settings.offer_sweep_s)

    async def stop(self) -> None:
        """Stop sweeping (a sweep in progress is rolled back)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
