"""Stored dispatch plans and proofs of delivery."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from freight.db import Base, TenantMixin


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
