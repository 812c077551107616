"""The mail tables: each message as rendered and its fate, who wants which mails, and
password resets."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from freight.db import Base, TenantMixin, in_check, utcnow


class MailStatus(StrEnum):
    SENT = "sent"  # the SMTP server accepted it
    KEPT = "kept"  # no SMTP host: kept here for the Outbox page (the embedded default)
    FAILED = "failed"  # the last attempt failed; the outbox retries it
    SKIPPED = "skipped"  # nothing to send (the recipient unsubscribed, the load is gone)


class MailMessage(TenantMixin, Base):
    """One mail to one recipient, as last rendered; ``id`` is its outbox job's id."""

    __tablename__ = "mail_messages"
    __table_args__ = (
        CheckConstraint(in_check("status", [s.value for s in MailStatus]), name="status"),
        Index("ix_mail_messages_org_created", "organization_id", "created_at"),
    )

    template: Mapped[str] = mapped_column(String(32))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300), default="")
    text_body: Mapped[str] = mapped_column(Text, default="")
    html_body: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    event_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), default=None
    )
    shipment_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=1)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MailPreference(TenantMixin, Base):
    """The mails an address of an organisation does not want (a user's choices, or an
    unsubscribe link followed by a contact who has no account)."""

    __tablename__ = "mail_preferences"
    __table_args__ = (UniqueConstraint("organization_id", "email", name="uq_mail_preferences"),)

    email: Mapped[str] = mapped_column(String(320))
    muted: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PasswordReset(TenantMixin, Base):
    """One "forgot password" request: its link is signed over this id, valid until
    ``expires_at`` and only until it is used."""

    __tablename__ = "password_resets"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
