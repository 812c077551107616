"""Shipments and their stops."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from freight.db import Base, IdMixin, TenantMixin, utcnow


class Shipment(TenantMixin, Base):
    __tablename__ = "shipments"
    __table_args__ = (
        Index("ix_shipments_org_created", "organization_id", "created_at", "id"),
        Index("ix_shipments_org_status_created", "organization_id", "status", "created_at"),
        Index("ix_shipments_customer_created", "customer_id", "created_at"),
        Index("ix_shipments_driver_created", "driver_id", "created_at"),
        Index("uq_shipments_org_external_ref", "organization_id", "external_ref", unique=True),
    )

    reference: Mapped[str] = mapped_column(String(16), unique=True)
    # The importing client's own key for the load (``freight.imports``), unique per tenant.
    external_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(String(16), default="PENDING")
    version: Mapped[int] = mapped_column(Integer, default=1)
    event_seq: Mapped[int] = mapped_column(Integer, default=0)
    equipment_type: Mapped[str] = mapped_column(String(16))
    weight_kg: Mapped[float] = mapped_column(Float)
    pieces: Mapped[int | None] = mapped_column(default=None)
    commodity: Mapped[str | None] = mapped_column(String(200), default=None)
    hazmat: Mapped[bool] = mapped_column(default=False)
    declared_value_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    price_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    driver_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="SET NULL"), default=None
    )
    vehicle_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vehicles.id", ondelete="SET NULL"), default=None
    )
    distance_km: Mapped[float] = mapped_column(Float, default=0.0)
    # Where distance_km came from: "estimate" or the routing provider (freight.routing).
    distance_source: Mapped[str] = mapped_column(
        String(16), default="estimate", server_default="estimate"
    )
    eta: Mapped[datetime | None] = mapped_column(default=None)
    # The ETA the shipper was last told, and whether with a late risk (tracking.slips).
    eta_told: Mapped[datetime | None] = mapped_column(default=None)
    late_told: Mapped[bool] = mapped_column(default=False, server_default=false())
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    cancel_reason: Mapped[str | None] = mapped_column(Text, default=None)
    last_lat: Mapped[float | None] = mapped_column(Float, default=None)
    last_lng: Mapped[float | None] = mapped_column(Float, default=None)
    last_position_at: Mapped[datetime | None] = mapped_column(default=None)
    # Lower-cased reference and stop places, for the ``q`` filter.
    search_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    stops: Mapped[list[Stop]] = relationship(
        back_populates="shipment",
        order_by="Stop.sequence",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    __mapper_args__ = {"version_id_col": version}


class Stop(IdMixin, Base):
    __tablename__ = "stops"
    __table_args__ = (Index("uq_stops_shipment_sequence", "shipment_id", "sequence", unique=True),)

    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    sequence: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    address: Mapped[str | None] = mapped_column(String(300), default=None)
    city: Mapped[str] = mapped_column(String(120))
    region: Mapped[str | None] = mapped_column(String(120), default=None)
    postal_code: Mapped[str | None] = mapped_column(String(20), default=None)
    country: Mapped[str] = mapped_column(String(2), default="US")
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    # The IANA zone at lat/lng: pages enter and show the stop's window in it.
    timezone: Mapped[str] = mapped_column(String(64))
    # How lat/lng were found: typed by the client, or placed by a geocoder from the address.
    geocode_source: Mapped[str] = mapped_column(
        String(32), default="client", server_default="client"
    )
    geocode_precision: Mapped[str] = mapped_column(
        String(16), default="point", server_default="point"
    )
    arrived_at: Mapped[datetime | None] = mapped_column(default=None)
    departed_at: Mapped[datetime | None] = mapped_column(default=None)
    # The road from the stop before (none on the first stop, or on rows from before it
    # was kept): the router's answer when the stops were set (``freight.routing``).
    leg_km: Mapped[float | None] = mapped_column(Float, default=None)
    leg_duration_s: Mapped[float | None] = mapped_column(Float, default=None)
    leg_source: Mapped[str | None] = mapped_column(String(16), default=None)
    leg_polyline: Mapped[str | None] = mapped_column(Text, default=None)

    shipment: Mapped[Shipment] = relationship(back_populates="stops")

    @property
    def geocode(self) -> dict[str, str]:
        return {"source": self.geocode_source, "precision": self.geocode_precision}
