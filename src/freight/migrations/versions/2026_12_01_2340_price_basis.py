"""Frozen quotes remember what they were computed from: the price basis fingerprint.

Revision ID: 3f0a9c1e7d42
Revises: 3b5e8d21c7f4
Create Date: 2026-12-01 23:00:00.000000

Quotes frozen before this revision keep a NULL basis; invoicing checks those on the
distance and currency they stored (see ``freight.billing.basis``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3f0a9c1e7d42"
down_revision: str | None = "3b5e8d21c7f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("shipment_prices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("basis", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shipment_prices", schema=None) as batch_op:
        batch_op.drop_column("basis")
