"""Exceptions on the road and accessorial charges; three new accessorial rates.

Revision ID: a2b4c6d8e0f1
Revises: 9a1c3e5f7b20
Create Date: 2026-12-07 10:00:00.000000

``shipment_exceptions`` keeps what went wrong (a failed pickup or delivery, over, short
or damaged pieces, a lumper paid) with its photos; ``accessorials`` the charges a load
earned on the road (TONU, reattempt, layover, lumper), each priced when it happened.
The shipment statuses ATTEMPT_FAILED, RETURNING and RETURNED need no change: the status
column has no CHECK.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "a2b4c6d8e0f1"
down_revision: str | None = "9a1c3e5f7b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXCEPTION_KINDS = ("pickup_failed", "delivery_failed", "osd", "lumper")
ACCESSORIAL_KINDS = ("tonu", "reattempt", "layover", "lumper")
RATES = ("tonu_cents", "reattempt_cents", "layover_cents")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _owned(table: str) -> list[sa.Column[Any] | sa.Constraint]:
    """The id, time, organisation and shipment columns with their keys."""
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f(f"fk_{table}_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f(f"fk_{table}_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "shipment_exceptions",
        *_owned("shipment_exceptions"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("pieces_affected", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(1000), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("status_before", sa.String(16), nullable=False),
        sa.Column("status_after", sa.String(16), nullable=False),
        sa.Column("stop_sequence", sa.Integer(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_by", sa.Uuid(), nullable=True),
        sa.Column("reported_role", sa.String(16), nullable=True),
        sa.CheckConstraint(_in("kind", EXCEPTION_KINDS), name=op.f("ck_shipment_exceptions_kind")),
    )
    op.create_index(
        op.f("ix_shipment_exceptions_organization_id"), "shipment_exceptions", ["organization_id"]
    )
    op.create_index(
        "ix_shipment_exceptions_shipment", "shipment_exceptions", ["shipment_id", "created_at"]
    )
    op.create_table(
        "accessorials",
        *_owned("accessorials"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("quantity", sa.String(16), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("unit_price_cents", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint(_in("kind", ACCESSORIAL_KINDS), name=op.f("ck_accessorials_kind")),
    )
    op.create_index(op.f("ix_accessorials_organization_id"), "accessorials", ["organization_id"])
    op.create_index("ix_accessorials_shipment", "accessorials", ["shipment_id", "created_at"])
    with op.batch_alter_table("rate_cards") as batch_op:
        for rate in RATES:
            batch_op.add_column(
                sa.Column(rate, sa.BigInteger(), nullable=False, server_default="0")
            )


def downgrade() -> None:
    with op.batch_alter_table("rate_cards") as batch_op:
        for rate in RATES:
            batch_op.drop_column(rate)
    op.drop_index("ix_accessorials_shipment", table_name="accessorials")
    op.drop_index(op.f("ix_accessorials_organization_id"), table_name="accessorials")
    op.drop_table("accessorials")
    op.drop_index("ix_shipment_exceptions_shipment", table_name="shipment_exceptions")
    op.drop_index(op.f("ix_shipment_exceptions_organization_id"), table_name="shipment_exceptions")
    op.drop_table("shipment_exceptions")
