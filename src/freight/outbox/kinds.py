"""What a job kind supplies to the outbox: which events it wants, the jobs they make, how
one job is run and what its outcome writes.

A kind (webhook deliveries; mail later) is built by the composition root
(``freight.background``) and handed to the worker; the outbox itself knows no kind.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class EventRef:
    """The facts of an event that decide which jobs it makes."""

    id: int
    organization_id: uuid.UUID
    type: str


@dataclass(frozen=True, slots=True)
class NewJob:
    """A job an event makes for one target."""

    organization_id: uuid.UUID
    event_id: int
    target: str


@dataclass(frozen=True, slots=True)
class Claimed:
    """A job as this worker claimed it: ``attempt`` is the attempt being made now."""

    id: uuid.UUID
    kind: str
    organization_id: uuid.UUID
    event_id: int | None
    target: str
    attempt: int
    expires_at: datetime
    owner: str  # the worker making this attempt
    # The previous attempt's lease ran out unsettled: that worker died or hung.
    reclaimed: bool = False

    @property
    def message_id(self) -> str:
        """The id receivers see on every attempt of this job."""
        return f"msg_{self.id.hex}"


@dataclass(frozen=True)
class Outcome:
    """How an attempt ended. ``permanent``: retrying cannot help (the target is gone)."""

    ok: bool
    permanent: bool = False
    error: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class Kind(Protocol):
    """One kind of job."""

    name: str

    def wants(self, event_type: str) -> bool:
        """Whether events of this type may make jobs of this kind."""
        ...

    async def horizon(self, session: AsyncSession) -> int | None:
        """An event id at or below which no event can make a job of this kind (or None)."""
        ...

    async def expand(self, session: AsyncSession, events: Sequence[EventRef]) -> list[NewJob]:
        """The jobs these events make (they are of wanted types)."""
        ...

    async def perform(self, job: Claimed) -> Outcome:
        """Make one attempt; runs outside any transaction and must not raise."""
        ...

    async def settle(
        self, session: AsyncSession, job: Claimed, outcome: Outcome, status: str
    ) -> None:
        """Write what the attempt's outcome means for this kind, in the settling transaction."""
        ...

    async def close(self) -> None:
        """Release what the kind holds (HTTP clients)."""
        ...
