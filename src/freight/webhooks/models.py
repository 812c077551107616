"""Webhook endpoints and the log of every delivery attempt."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from freight.db import Base, TenantMixin, utcnow
from freight.security.encryption import EncryptedString


class WebhookEndpoint(TenantMixin, Base):
    """Where an organisation wants its events: a URL, a filter and a signing secret.

    The secret is stored encrypted (the worker must sign with it). After a rotation the
    previous secret signs too, beside the new one, until ``previous_secret_expires_at``.
    Only events newer than ``from_event_id`` (the newest when it was made) reach it.
    """

    __tablename__ = "webhook_endpoints"

    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str | None] = mapped_column(String(500), default=None)
    # None: every event type Freight delivers; else exact types or "family.*".
    event_types: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    enabled: Mapped[bool] = mapped_column(default=True)
    secret: Mapped[str] = mapped_column(EncryptedString())
    previous_secret: Mapped[str | None] = mapped_column(EncryptedString(), default=None)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    from_event_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), default=0
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(default=None)
    last_failure_at: Mapped[datetime | None] = mapped_column(default=None)
    # The first failure since the last success: failing this long disables the endpoint.
    failing_since: Mapped[datetime | None] = mapped_column(default=None)
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)
    disabled_reason: Mapped[str | None] = mapped_column(String(200), default=None)


class WebhookAttempt(TenantMixin, Base):
    """One attempt to deliver one job (``outbox_jobs``) to its endpoint."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_job", "job_id", "attempt"),)

    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbox_jobs.id", ondelete="CASCADE"))
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int]
    # delivered (2xx), failed (another answer, a timeout, no connection), refused (the
    # target is not allowed), abandoned (the worker stopped during it).
    outcome: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int | None] = mapped_column(default=None)
    status_code: Mapped[int | None] = mapped_column(default=None)
    response_excerpt: Mapped[str | None] = mapped_column(Text, default=None)  # first 1 KB
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    address: Mapped[str | None] = mapped_column(String(64), default=None)
    worker: Mapped[str | None] = mapped_column(String(64), default=None)
