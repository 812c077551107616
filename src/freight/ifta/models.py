"""Fuel purchases: the receipts a quarter's IFTA return sets against the gallons burned."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from freight.db import Base, TenantMixin

LITRES_PER_GALLON = 3.785411784  # the US gallon IFTA reports in


class FuelPurchase(TenantMixin, Base):
    """One fuel receipt of one truck: where and when it was bought, how much, for what."""

    __tablename__ = "fuel_purchases"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit IN ('gal', 'L')", name="unit"),
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        Index("ix_fuel_purchases_org_purchased", "organization_id", "purchased_at"),
        Index("ix_fuel_purchases_vehicle_purchased", "vehicle_id", "purchased_at"),
        # A receipt is entered once per truck (an import of the same file again skips it).
        Index(
            "uq_fuel_purchases_receipt",
            "organization_id",
            "vehicle_id",
            "receipt_ref",
            unique=True,
        ),
    )

    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    purchased_at: Mapped[datetime]
    jurisdiction: Mapped[str] = mapped_column(String(2))
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(3), default="gal")
    amount_cents: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    vendor: Mapped[str | None] = mapped_column(String(200), default=None)
    receipt_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)

    @property
    def gallons(self) -> float:
        """The quantity in US gallons."""
        return self.quantity if self.unit == "gal" else self.quantity / LITRES_PER_GALLON
