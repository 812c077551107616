"""Rates per mile: a rate card prices the linehaul per km or per mile.

Revision ID: 5d2e8b1c7f63
Revises: 9b3d5f7a2c41
Create Date: 2026-12-05 10:00:00.000000

``rate_cards.per_mile_cents`` (equipment type -> minor units per mile) is set instead of
``per_km_cents`` by a carrier that prices by the mile. A frozen quote keeps the rate it
was priced at and its unit: ``shipment_prices.per_km_cents`` becomes ``rate_cents`` with
``rate_unit`` (``km`` for every quote frozen before).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d2e8b1c7f63"
down_revision: str | None = "9b3d5f7a2c41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rate_cards", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("per_mile_cents", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
    with op.batch_alter_table("shipment_prices", schema=None) as batch_op:
        batch_op.alter_column("per_km_cents", new_column_name="rate_cents")
        batch_op.add_column(
            sa.Column("rate_unit", sa.String(2), nullable=False, server_default="km")
        )


def downgrade() -> None:
    with op.batch_alter_table("shipment_prices", schema=None) as batch_op:
        batch_op.drop_column("rate_unit")
        batch_op.alter_column("rate_cents", new_column_name="per_km_cents")
    with op.batch_alter_table("rate_cards", schema=None) as batch_op:
        batch_op.drop_column("per_mile_cents")
