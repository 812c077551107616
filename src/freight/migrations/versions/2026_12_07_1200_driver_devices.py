"""Driver devices: phone apps (Traccar Client) that post positions by a hashed identifier.

Revision ID: c4d6e8f0a2b4
Revises: a2b4c6d8e0f1
Create Date: 2026-12-07 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4d6e8f0a2b4"
down_revision: str | None = "a2b4c6d8e0f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "driver_devices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("driver_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("token_hint", sa.String(8), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_battery_pct", sa.Float(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_driver_devices_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_driver_devices_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_driver_devices")),
    )
    op.create_index(
        op.f("ix_driver_devices_organization_id"), "driver_devices", ["organization_id"]
    )
    op.create_index("uq_driver_devices_token", "driver_devices", ["token_sha256"], unique=True)
    op.create_index("ix_driver_devices_driver", "driver_devices", ["driver_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_driver_devices_driver", table_name="driver_devices")
    op.drop_index("uq_driver_devices_token", table_name="driver_devices")
    op.drop_index(op.f("ix_driver_devices_organization_id"), table_name="driver_devices")
    op.drop_table("driver_devices")
