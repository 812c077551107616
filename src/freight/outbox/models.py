"""The outbox's tables: a cursor per job kind over the event log, and the jobs."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from freight.db import Base, TenantMixin, in_check, utcnow


class JobStatus(StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt (or being attempted)
    DELIVERED = "delivered"  # done: the target took it
    DEAD = "dead"  # given up after the retry window, or its target is gone


class OutboxCursor(Base):
    """How far one job kind has read the event log.

    ``position`` is the highest event id expanded; ``gaps`` lists ids below it that were
    missing when the cursor passed them, with when that was noticed (``[id, epoch_s]``):
    a transaction may still commit them, so they are looked for again until they are
    older than the gap wait.
    """

    __tablename__ = "outbox_cursors"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    gaps: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxJob(TenantMixin, Base):
    """One piece of work for one target (a webhook endpoint, a mail recipient).

    ``id`` is ``uuid5(event id, kind, target)``: expanding the same event twice inserts
    nothing new. ``attempts`` counts attempts started; a claim sets ``locked_until`` and
    ``locked_by`` and the settle that follows must name the same attempt.
    """

    __tablename__ = "outbox_jobs"
    __table_args__ = (
        CheckConstraint(in_check("status", [s.value for s in JobStatus]), name="status"),
        Index("ix_outbox_jobs_due", "status", "run_at"),
        Index("ix_outbox_jobs_target", "kind", "target", "created_at"),
        Index("ix_outbox_jobs_event", "event_id"),
    )

    kind: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), default=None
    )
    target: Mapped[str] = mapped_column(String(320))  # an endpoint id, a mail address
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The retry window ends here: a failure after it dead-letters the job.
    expires_at: Mapped[datetime]
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    locked_by: Mapped[str | None] = mapped_column(String(64), default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def message_id(self) -> str:
        """The stable id receivers see (``webhook-id``): the same on every attempt."""
        return f"msg_{self.id.hex}"


def job_id(event_id: int, kind: str, target: str) -> uuid.UUID:
    """The deterministic id of the job of ``kind`` for ``target`` caused by an event."""
    return uuid.uuid5(OUTBOX_NAMESPACE, f"{event_id}:{kind}:{target}")


OUTBOX_NAMESPACE = uuid.UUID("6f1d7c1e-2b7a-5b54-9a53-0c1f4e7f0b1d")
