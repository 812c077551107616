"""Invoices, payments and refunds keep to their status vocabularies, like drivers and vehicles.

Revision ID: a006b350d756
Revises: 8c41d7a2e9b0
Create Date: 2026-12-02 03:30:00.000000

The values are ``freight.billing.statuses``' enums as of this revision, spelled out: a
migration never follows the code. Upgrading fails if a row holds any other status.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a006b350d756"
down_revision: str | None = "8c41d7a2e9b0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKS = {
    "invoices": "status IN ('draft', 'issued', 'partially_paid', 'paid', 'void')",
    "payments": "status IN ('pending', 'succeeded', 'failed', 'refunded')",
    "refunds": "status IN ('pending', 'succeeded', 'failed')",
}


def upgrade() -> None:
    for table, condition in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(op.f(f"ck_{table}_status"), condition)


def downgrade() -> None:
    for table in reversed(CHECKS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_status"), type_="check")
