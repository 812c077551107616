"""Stored dispatch plans, load offers and proofs of delivery."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from freight.db import Base, TenantMixin, in_check, utcnow
from freight.shipments.models import Shipment


class DispatchPlan(TenantMixin, Base):
    """A proposal from the optimiser, kept so it can be reviewed and applied later."""

    __tablename__ = "dispatch_plans"

    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    applied_at: Mapped[datetime | None] = mapped_column(default=None)
    applied_by: Mapped[uuid.UUID | None] = mapped_column(default=None)


class ProofOfDelivery(TenantMixin, Base):
    """Who received the load, their signature and photos (files by sha256), where and when."""

    __tablename__ = "proofs_of_delivery"

    shipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), unique=True
    )
    recipient_name: Mapped[str] = mapped_column(String(200))
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    lng: Mapped[float | None] = mapped_column(Float, default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)  # the device's clock
    received_at: Mapped[datetime]  # the server's clock
    captured_by: Mapped[uuid.UUID | None] = mapped_column(default=None)


class OfferStatus(StrEnum):
    """Where an offer stands: ``queued`` waits its turn in a waterfall, ``open`` is with
    the driver until ``expires_at``; the rest are final."""

    QUEUED = "queued"
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


LIVE_OFFERS = (OfferStatus.QUEUED, OfferStatus.OPEN)


class Offer(TenantMixin, Base):
    """A load offered to one driver, alone or as one step (``rank``) of a waterfall."""

    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint(in_check("status", [s.value for s in OfferStatus]), name="status"),
        Index("ix_offers_shipment", "shipment_id", "rank"),
        Index("ix_offers_driver", "driver_id", "status"),
        Index("ix_offers_due", "status", "expires_at"),
    )

    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    driver_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=OfferStatus.OPEN)
    waterfall_id: Mapped[uuid.UUID | None] = mapped_column(default=None)  # None: a single offer
    rank: Mapped[int] = mapped_column(default=1)
    expires_in_s: Mapped[int]
    # The optimiser's view when the offer was made: empty km to the pickup, its reasons.
    deadhead_km: Mapped[float | None] = mapped_column(Float, default=None)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    offered_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    opened_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    reason: Mapped[str | None] = mapped_column(String(500), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Read with the offer only when asked for (the driver's view of an offered load).
    shipment: Mapped[Shipment] = relationship(lazy="raise")


class ExceptionKind(StrEnum):
    """What went wrong, and the reasons each kind may give."""

    PICKUP_FAILED = "pickup_failed"  # at the shipper: not ready, no freight
    DELIVERY_FAILED = "delivery_failed"  # at the consignee: the attempt failed
    OSD = "osd"  # over, short or damaged pieces (or refused ones at a partial delivery)
    LUMPER = "lumper"  # unloading paid to a lumper, with the receipt


EXCEPTION_REASONS: dict[str, tuple[str, ...]] = {
    ExceptionKind.PICKUP_FAILED: ("not_ready", "no_freight", "other"),
    ExceptionKind.DELIVERY_FAILED: (
        "refused",
        "damaged",
        "closed",
        "no_access",
        "wrong_address",
        "other",
    ),
    ExceptionKind.OSD: ("over", "short", "damaged", "refused"),
    ExceptionKind.LUMPER: ("unloading", "loading"),
}


class ShipmentException(TenantMixin, Base):
    """One problem on the road, reported by the driver or the office, with its photos."""

    __tablename__ = "shipment_exceptions"
    __table_args__ = (
        CheckConstraint(in_check("kind", [k.value for k in ExceptionKind]), name="kind"),
        Index("ix_shipment_exceptions_shipment", "shipment_id", "created_at"),
    )

    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(32))
    pieces_affected: Mapped[int | None] = mapped_column(default=None)
    note: Mapped[str | None] = mapped_column(String(1000), default=None)
    amount_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)  # a lumper's fee
    # Photos (and a lumper's receipt) by stored name and sha256, like a proof's files.
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status_before: Mapped[str] = mapped_column(String(16))
    status_after: Mapped[str] = mapped_column(String(16))
    stop_sequence: Mapped[int | None] = mapped_column(default=None)
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    lng: Mapped[float | None] = mapped_column(Float, default=None)
    reported_at: Mapped[datetime | None] = mapped_column(default=None)  # the device's clock
    reported_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    reported_role: Mapped[str | None] = mapped_column(String(16), default=None)
