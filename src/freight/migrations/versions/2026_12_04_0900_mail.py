"""Mail: each message sent or kept, who turned which mails off, password resets; the
shipper account's notification addresses; the ETA a load last told (for "running late"); a mail cursor that starts at the newest event.

Revision ID: 4e8a2c6f1b90
Revises: 0c7b5e3a9d21
Create Date: 2026-12-04 09:00:00.000000

The mail cursor is made here, at the newest event, so an existing database does not
mail its whole history the first time the worker runs. ``outbox_jobs.target`` grows to
hold an email address (a mail job's target).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4e8a2c6f1b90"
down_revision: str | None = "0c7b5e3a9d21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tenant_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _tenant_keys(table: str) -> list[sa.Constraint]:
    return [
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f(f"fk_{table}_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "mail_messages",
        sa.Column("template", sa.String(length=32), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("shipment_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant_columns(),
        sa.CheckConstraint(
            "status IN ('sent', 'kept', 'failed', 'skipped')", name=op.f("ck_mail_messages_status")
        ),
        *_tenant_keys("mail_messages"),
    )
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mail_messages_org_created", ["organization_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mail_messages_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mail_messages_shipment_id"), ["shipment_id"], unique=False
        )
    op.create_table(
        "mail_preferences",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("muted", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant_columns(),
        *_tenant_keys("mail_preferences"),
        sa.UniqueConstraint("organization_id", "email", name="uq_mail_preferences"),
    )
    with op.batch_alter_table("mail_preferences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mail_preferences_organization_id"), ["organization_id"], unique=False
        )
    op.create_table(
        "password_resets",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        *_tenant_columns(),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_password_resets_user_id_users"),
            ondelete="CASCADE",
        ),
        *_tenant_keys("password_resets"),
    )
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_password_resets_organization_id"), ["organization_id"], unique=False
        )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notification_emails", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("outbox_jobs", schema=None) as batch_op:
        batch_op.alter_column(
            "target", existing_type=sa.String(length=64), type_=sa.String(length=320)
        )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("eta_told", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("late_told", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "INSERT INTO outbox_cursors (name, position, gaps, updated_at) "
        "SELECT 'mail', COALESCE(MAX(id), 0), '[]', CURRENT_TIMESTAMP FROM events"
    )


def downgrade() -> None:
    op.execute("DELETE FROM outbox_cursors WHERE name = 'mail'")
    op.execute("DELETE FROM outbox_jobs WHERE kind = 'mail'")
    with op.batch_alter_table("outbox_jobs", schema=None) as batch_op:
        batch_op.alter_column(
            "target", existing_type=sa.String(length=320), type_=sa.String(length=64)
        )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_column("late_told")
        batch_op.drop_column("eta_told")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("notification_emails")
    op.drop_table("password_resets")
    op.drop_table("mail_preferences")
    op.drop_table("mail_messages")
