"""GPS fixes: one row per accepted position, linked to the load the driver held."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from freight.db import Base, utcnow


class Position(Base):
    """An accepted fix. Rows are only inserted (in batches) and pruned, never updated."""

    __tablename__ = "positions"
    __table_args__ = (
        Index("ix_positions_driver_recorded", "driver_id", "recorded_at"),
        Index("ix_positions_shipment_recorded", "shipment_id", "recorded_at", "id"),
        Index("ix_positions_recorded_at", "recorded_at"),
    )

    # An increasing integer key: cheap to insert by the hundred and to page through.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    driver_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"))
    shipment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("shipments.id", ondelete="SET NULL"), default=None
    )
    # True once the load is on board (PICKED_UP, IN_TRANSIT); False for the deadhead leg
    # to the pickup, which only staff and the driver see.
    loaded: Mapped[bool] = mapped_column(default=False)
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    speed_kmh: Mapped[float | None] = mapped_column(Float, default=None)
    heading: Mapped[float | None] = mapped_column(Float, default=None)
    accuracy_m: Mapped[float | None] = mapped_column(Float, default=None)
