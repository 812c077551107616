"""A stop remembers how its coordinates were found.

Revision ID: 7c41e2a9b5d3
Revises: 5d2b7e90c1fa
Create Date: 2026-12-02 15:00:00.000000

``stops.geocode_source`` is ``client`` for coordinates typed with the booking, else the
geocoder that placed the stop from its address; ``stops.geocode_precision`` says how
close that is (``point``, ``street``, ``postal_code``, ``city``). Existing stops were all
booked with coordinates: ``client`` / ``point``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c41e2a9b5d3"
down_revision: str | None = "5d2b7e90c1fa"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stops", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("geocode_source", sa.String(32), nullable=False, server_default="client")
        )
        batch_op.add_column(
            sa.Column("geocode_precision", sa.String(16), nullable=False, server_default="point")
        )


def downgrade() -> None:
    with op.batch_alter_table("stops", schema=None) as batch_op:
        batch_op.drop_column("geocode_precision")
        batch_op.drop_column("geocode_source")
