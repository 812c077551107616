"""Each stop keeps the road that reaches it: the leg from the stop before.

Revision ID: 9b3d5f7a2c41
Revises: 4e8a2c6f1b90
Create Date: 2026-12-05 09:00:00.000000

``stops.leg_km``, ``leg_duration_s``, ``leg_source`` and ``leg_polyline`` are the router's
answer for the leg from the previous stop (empty on the first stop), stored when the stops
are set, so the ETA drives the road's time on the GPS path without asking the router, and
the maps draw the road's shape. Only a router's answers are kept; rows from before, and
estimated legs, have none: the estimate is recomputed where it is needed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b3d5f7a2c41"
down_revision: str | None = "4e8a2c6f1b90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leg_km", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("leg_duration_s", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("leg_source", sa.String(16), nullable=True))
        batch_op.add_column(sa.Column("leg_polyline", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stops", schema=None) as batch_op:
        for column in ("leg_polyline", "leg_source", "leg_duration_s", "leg_km"):
            batch_op.drop_column(column)
