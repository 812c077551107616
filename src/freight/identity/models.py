"""Identity tables: organisations, their users, keys and sessions, and shipper accounts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from freight.access import Role
from freight.db import Base, IdMixin, TenantMixin, in_check, utcnow
from freight.security.encryption import EncryptedString

ROLE_CHECK = in_check("role", Role)


UNITS = ("imperial", "metric")
PAPER_SIZES = ("letter", "a4")


class Organization(IdMixin, Base):
    """A carrier; its settings say how pages show units, money, times and paper."""

    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint(in_check("units", UNITS), name="units"),
        CheckConstraint(in_check("paper_size", PAPER_SIZES), name="paper_size"),
    )

    name: Mapped[str] = mapped_column(String(200))
    # Presentation only: the API stays metric and UTC whatever these say.
    units: Mapped[str] = mapped_column(String(8), default="imperial", server_default="imperial")
    locale: Mapped[str] = mapped_column(String(16), default="en-US", server_default="en-US")
    paper_size: Mapped[str] = mapped_column(String(8), default="letter", server_default="letter")
    timezone: Mapped[str] = mapped_column(
        String(64), default="America/Chicago", server_default="America/Chicago"
    )
    country: Mapped[str] = mapped_column(String(2), default="US", server_default="US")


class User(TenantMixin, Base):
    __tablename__ = "users"
    # An email is unique within an organisation, not across them: one person can be a
    # user of two carriers on the same Freight, and no carrier learns of another's users.
    __table_args__ = (
        CheckConstraint(ROLE_CHECK, name="role"),
        UniqueConstraint("organization_id", "email", name="uq_users_organization_email"),
    )

    email: Mapped[str] = mapped_column(String(320), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(EncryptedString(), default=None)
    # The shipper account a customer user belongs to (customers only).
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT"), default=None, index=True
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)


class RefreshToken(IdMixin, Base):
    """One refresh token; tokens rotated from the same login share a ``family_id``."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_family", "family_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[uuid.UUID]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class ApiKey(TenantMixin, Base):
    """An integration credential acting with a role; only its SHA-256 is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint(ROLE_CHECK, name="role"),)

    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    # None: the key does not expire.
    expires_at: Mapped[datetime | None] = mapped_column(default=None)


class UserSession(IdMixin, Base):
    """One sign-in (a web session or an API login); the id travels in its cookie or tokens.

    A token or cookie is honoured only while its row is live, so ending the row (logout,
    password change, deactivation, idle timeout) ends the credential at once.
    """

    __tablename__ = "user_sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # "web" or "api"
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)


class Customer(TenantMixin, Base):
    """A shipper account; its customer users book and track its shipments."""

    __tablename__ = "customers"
    __table_args__ = (
        Index("uq_customers_org_external_ref", "organization_id", "external_ref", unique=True),
    )

    name: Mapped[str] = mapped_column(String(200))
    # The importing client's own key for the account (``freight.imports``), unique per tenant.
    external_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    billing_email: Mapped[str] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(EncryptedString(), default=None)
    billing_address: Mapped[str | None] = mapped_column(EncryptedString(), default=None)
    payment_terms_days: Mapped[int] = mapped_column(default=30)
    credit_limit_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # Addresses mailed about the account's loads, besides the user who booked each one.
    notification_emails: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
