"""Drivers can be deactivated; a vehicle out of service says why.

Revision ID: 5d2b7e90c1fa
Revises: 5b7e2c9d1f30
Create Date: 2026-12-02 07:15:00.000000

``drivers.deactivated_at`` marks a driver who no longer drives for the carrier (kept for
the history of their loads, never offered a load); ``vehicles.out_of_service_reason``
is what the dispatcher typed when taking a truck out of dispatch.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d2b7e90c1fa"
down_revision: str | None = "5b7e2c9d1f30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("drivers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("out_of_service_reason", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_column("out_of_service_reason")
    with op.batch_alter_table("drivers", schema=None) as batch_op:
        batch_op.drop_column("deactivated_at")
