"""Users' emails are unique within an organisation, not across all of them.

Revision ID: 8c41d7a2e9b0
Revises: 3f0a9c1e7d42
Create Date: 2026-12-02 02:00:00.000000

Sign-in looks an email up across organisations (``ix_users_email``) and checks the
password against each account it names; see ``freight.identity.service.authenticate``.
Downgrading fails if two organisations by then share an email.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8c41d7a2e9b0"
down_revision: str | None = "3f0a9c1e7d42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("uq_users_email", type_="unique")
        batch_op.create_unique_constraint(
            "uq_users_organization_email", ["organization_id", "email"]
        )
        batch_op.create_index("ix_users_email", ["email"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_email")
        batch_op.drop_constraint("uq_users_organization_email", type_="unique")
        batch_op.create_unique_constraint("uq_users_email", ["email"])
