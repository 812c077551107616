"""Stored documents of a shipment."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from freight.db import Base, TenantMixin, in_check


class DocumentKind(StrEnum):
    BOL = "bol"
    RATE_CONFIRMATION = "rate_confirmation"
    POD_CERTIFICATE = "pod_certificate"
    INVOICE_PACKET = "invoice_packet"
    UPLOAD = "upload"


class Document(TenantMixin, Base):
    """A generated (or uploaded) file of a shipment, by its sha256.

    ``basis`` says what it was made from (``v3``: the shipment at version 3; ``pod``: the
    proof of delivery), so the same facts make one document and changed facts a new one.
    """

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint(in_check("kind", [k.value for k in DocumentKind]), name="kind"),
        Index("uq_documents_basis", "shipment_id", "kind", "basis", unique=True),
    )

    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    basis: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(80))  # the file store's name
    filename: Mapped[str] = mapped_column(String(200))  # what a download is called
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    # A rate confirmation the driver accepted: who, when (the hash is the document's).
    accepted_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
