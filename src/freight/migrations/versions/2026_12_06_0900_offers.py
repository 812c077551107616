"""Load offers: a load offered to one driver, or down a ranked list (a waterfall).

Revision ID: 7c4e1a9d2b58
Revises: 5d2e8b1c7f63
Create Date: 2026-12-06 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c4e1a9d2b58"
down_revision: str | None = "5d2e8b1c7f63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("queued", "open", "accepted", "declined", "expired", "withdrawn")


def upgrade() -> None:
    op.create_table(
        "offers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column("driver_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("waterfall_id", sa.Uuid(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("expires_in_s", sa.Integer(), nullable=False),
        sa.Column("deadhead_km", sa.Float(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("offered_by", sa.Uuid(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")",
            name=op.f("ck_offers_status"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_offers_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_offers_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_offers_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
    )
    op.create_index(op.f("ix_offers_organization_id"), "offers", ["organization_id"])
    op.create_index("ix_offers_shipment", "offers", ["shipment_id", "rank"])
    op.create_index("ix_offers_driver", "offers", ["driver_id", "status"])
    op.create_index("ix_offers_due", "offers", ["status", "expires_at"])


def downgrade() -> None:
    op.drop_index("ix_offers_due", table_name="offers")
    op.drop_index("ix_offers_driver", table_name="offers")
    op.drop_index("ix_offers_shipment", table_name="offers")
    op.drop_index(op.f("ix_offers_organization_id"), table_name="offers")
    op.drop_table("offers")
