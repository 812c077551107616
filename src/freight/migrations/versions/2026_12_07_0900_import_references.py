"""Client references for CSV imports: ``external_ref`` on shipments, drivers, customers.

Revision ID: 9a1c3e5f7b20
Revises: 8d5f2b0e3c69
Create Date: 2026-12-07 09:00:00.000000

``external_ref`` is the importing client's own key for a row (its TMS load number, its
driver or account code). It is optional, unique within an organisation when given, and
makes a re-imported row a no-op (``freight.imports``). Vehicles need none: their
``number`` is already unique within an organisation.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9a1c3e5f7b20"
down_revision: str | None = "8d5f2b0e3c69"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("shipments", "drivers", "customers")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("external_ref", sa.String(64), nullable=True))
        op.create_index(
            f"uq_{table}_org_external_ref", table, ["organization_id", "external_ref"], unique=True
        )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_index(f"uq_{table}_org_external_ref", table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("external_ref")
