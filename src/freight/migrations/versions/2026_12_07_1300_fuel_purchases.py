"""Fuel purchases: receipts per truck and jurisdiction for the IFTA quarterly summary.

Revision ID: d5e7f9a1b3c5
Revises: c4d6e8f0a2b4
Create Date: 2026-12-07 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d5e7f9a1b3c5"
down_revision: str | None = "c4d6e8f0a2b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fuel_purchases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("purchased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("jurisdiction", sa.String(2), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(3), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("vendor", sa.String(200), nullable=True),
        sa.Column("receipt_ref", sa.String(64), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_fuel_purchases_quantity_positive")),
        sa.CheckConstraint("unit IN ('gal', 'L')", name=op.f("ck_fuel_purchases_unit")),
        sa.CheckConstraint("amount_cents >= 0", name=op.f("ck_fuel_purchases_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_fuel_purchases_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_fuel_purchases_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fuel_purchases")),
    )
    op.create_index(
        op.f("ix_fuel_purchases_organization_id"), "fuel_purchases", ["organization_id"]
    )
    op.create_index(
        "ix_fuel_purchases_org_purchased", "fuel_purchases", ["organization_id", "purchased_at"]
    )
    op.create_index(
        "ix_fuel_purchases_vehicle_purchased", "fuel_purchases", ["vehicle_id", "purchased_at"]
    )
    op.create_index(
        "uq_fuel_purchases_receipt",
        "fuel_purchases",
        ["organization_id", "vehicle_id", "receipt_ref"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_fuel_purchases_receipt", table_name="fuel_purchases")
    op.drop_index("ix_fuel_purchases_vehicle_purchased", table_name="fuel_purchases")
    op.drop_index("ix_fuel_purchases_org_purchased", table_name="fuel_purchases")
    op.drop_index(op.f("ix_fuel_purchases_organization_id"), table_name="fuel_purchases")
    op.drop_table("fuel_purchases")
