"""Billing tables: rates, frozen prices, invoices and lines, payments, refunds, webhook events.

Money is integer minor units (``*_cents``) beside an ISO 4217 currency, never a float.
Percentages are basis points (``*_bp``: 2450 = 24.50 %), so no float enters a total.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Literal

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from freight.billing.statuses import InvoiceStatus, PaymentStatus, RefundStatus
from freight.db import Base, IdMixin, TenantMixin, in_check, utcnow
from freight.shipments.models import Shipment

RateUnit = Literal["km", "mi"]


class RateCard(TenantMixin, Base):
    """One organisation's rates and billing settings (one row per organisation)."""

    __tablename__ = "rate_cards"
    __table_args__ = (Index("uq_rate_cards_org", "organization_id", unique=True),)

    currency: Mapped[str] = mapped_column(String(3), default="USD")
    # equipment type -> minor units per km, or per mile (a card has one or the other)
    per_km_cents: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    per_mile_cents: Mapped[dict[str, int]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'")
    )
    minimum_charge_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    fuel_surcharge_bp: Mapped[int] = mapped_column(Integer, default=0)
    detention_free_minutes: Mapped[int] = mapped_column(Integer, default=120)
    detention_hourly_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    # Accessorial charges, each fixed on the load when what it pays for happens.
    tonu_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    reattempt_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    layover_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    auto_invoice: Mapped[bool] = mapped_column(default=False)
    terms: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def rate_unit(self) -> RateUnit:
        """What the linehaul rates are per: ``"mi"`` for a per-mile card, else ``"km"``."""
        return "mi" if self.per_mile_cents else "km"

    def rate_for(self, equipment_type: str) -> int | None:
        """Minor units per ``rate_unit`` for this equipment (None when not hauled)."""
        rates = self.per_mile_cents if self.per_mile_cents else self.per_km_cents
        return rates.get(equipment_type)


class ShipmentPrice(TenantMixin, Base):
    """The quote a shipment was booked at: its price and the rates it was computed with."""

    __tablename__ = "shipment_prices"

    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), unique=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    distance_km: Mapped[float]
    distance_source: Mapped[str] = mapped_column(
        String(16), default="estimate", server_default="estimate"
    )
    rate_cents: Mapped[int] = mapped_column(BigInteger)  # minor units per rate_unit
    rate_unit: Mapped[str] = mapped_column(String(2), default="km", server_default="km")
    linehaul_cents: Mapped[int] = mapped_column(BigInteger)
    minimum_applied: Mapped[bool] = mapped_column(default=False)
    fuel_surcharge_bp: Mapped[int] = mapped_column(Integer)
    fuel_cents: Mapped[int] = mapped_column(BigInteger)
    detention_free_minutes: Mapped[int] = mapped_column(Integer)
    detention_hourly_cents: Mapped[int] = mapped_column(BigInteger)
    price_cents: Mapped[int] = mapped_column(BigInteger)
    # sha256 of what the quote was computed from (``freight.billing.basis``); NULL for
    # quotes frozen before it was recorded.
    basis: Mapped[str | None] = mapped_column(String(64), default=None)

    # Lets the price be added with a shipment not yet flushed (inserts follow the FK).
    shipment: Mapped[Shipment] = relationship(lazy="raise")


class InvoiceCounter(Base):
    """The last invoice number handed out, per organisation and year."""

    __tablename__ = "invoice_counters"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Invoice(TenantMixin, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        Index("uq_invoices_org_number", "organization_id", "number", unique=True),
        Index("ix_invoices_org_created", "organization_id", "created_at", "id"),
        Index("ix_invoices_customer_created", "customer_id", "created_at"),
        CheckConstraint(in_check("status", InvoiceStatus), name="status"),
    )

    number: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(String(16), default=InvoiceStatus.DRAFT)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    tax_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    total_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    # Net of refunds; the open balance is total - paid - pending payments.
    paid_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    terms_days: Mapped[int] = mapped_column(Integer, default=30)
    terms: Mapped[str | None] = mapped_column(Text, default=None)
    issued_at: Mapped[datetime | None] = mapped_column(default=None)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    voided_at: Mapped[datetime | None] = mapped_column(default=None)
    void_reason: Mapped[str | None] = mapped_column(Text, default=None)
    shipment_references: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    lines: Mapped[list[InvoiceLine]] = relationship(
        order_by="InvoiceLine.position", cascade="all, delete-orphan", lazy="selectin"
    )


class InvoiceLine(IdMixin, Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (Index("ix_invoice_lines_invoice", "invoice_id", "position"),)

    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    shipment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("shipments.id", ondelete="SET NULL"), default=None
    )
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(16))
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    amount_cents: Mapped[int] = mapped_column(BigInteger)


class InvoicedShipment(Base):
    """A shipment on a live invoice; the primary key makes a second invoice impossible."""

    __tablename__ = "invoiced_shipments"

    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), primary_key=True
    )
    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )


class Payment(TenantMixin, Base):
    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_org_created", "organization_id", "created_at", "id"),
        Index("ix_payments_invoice", "invoice_id", "status"),
        Index("uq_payments_provider_ref", "provider_ref", unique=True),
        CheckConstraint(in_check("status", PaymentStatus), name="status"),
    )

    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id"))
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    refunded_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=PaymentStatus.PENDING)
    reference: Mapped[str | None] = mapped_column(String(100), default=None)
    provider: Mapped[str | None] = mapped_column(String(16), default=None)
    provider_ref: Mapped[str | None] = mapped_column(String(100), default=None)
    card_brand: Mapped[str | None] = mapped_column(String(20), default=None)
    card_last4: Mapped[str | None] = mapped_column(String(4), default=None)
    failure_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    settled_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Refund(TenantMixin, Base):
    __tablename__ = "refunds"
    __table_args__ = (
        Index("uq_refunds_provider_ref", "provider_ref", unique=True),
        CheckConstraint(in_check("status", RefundStatus), name="status"),
    )

    payment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=RefundStatus.PENDING)
    reason: Mapped[str | None] = mapped_column(String(300), default=None)
    provider_ref: Mapped[str | None] = mapped_column(String(100), default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    settled_at: Mapped[datetime | None] = mapped_column(default=None)


class ProviderEvent(Base):
    """A webhook event already processed (by the provider's event id)."""

    __tablename__ = "provider_events"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccessorialKind(StrEnum):
    """Charges beyond the freight that a load earns on the road (detention is computed
    from the stops' times instead, when the invoice is made)."""

    TONU = "tonu"  # truck ordered, not used: no freight at the pickup
    REATTEMPT = "reattempt"  # a second delivery attempt
    LAYOVER = "layover"  # nights waited for the new delivery window
    LUMPER = "lumper"  # unloading paid on the carrier's behalf, billed at cost


class Accessorial(TenantMixin, Base):
    """One accessorial charge of a shipment, priced when it was earned."""

    __tablename__ = "accessorials"
    __table_args__ = (
        CheckConstraint(in_check("kind", [k.value for k in AccessorialKind]), name="kind"),
        Index("ix_accessorials_shipment", "shipment_id", "created_at"),
    )

    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[str] = mapped_column(String(16), default="1")  # a decimal, as on lines
    unit: Mapped[str] = mapped_column(String(16), default="each")
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    source_id: Mapped[uuid.UUID | None] = mapped_column(default=None)  # the exception, if any
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
