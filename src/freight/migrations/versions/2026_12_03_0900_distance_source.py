"""Every stored distance says where it came from: the estimate or a routing provider.

Revision ID: 1f0173bf2037
Revises: 7c41e2a9b5d3
Create Date: 2026-12-03 09:00:00.000000

``shipments.distance_source`` and ``shipment_prices.distance_source`` are ``estimate``
(great-circle km x road factor), ``osrm``, ``valhalla`` or ``graphhopper``. Rows from
before were all estimated, which is what the default says.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1f0173bf2037"
down_revision: str | None = "7c41e2a9b5d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("shipments", "shipment_prices")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    "distance_source", sa.String(16), nullable=False, server_default="estimate"
                )
            )


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("distance_source")
