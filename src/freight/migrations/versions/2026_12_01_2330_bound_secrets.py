"""Bound secrets: row-bound field encryption, customers' contact data encrypted, no client_secret.

Every ``EncryptedString`` value is re-encrypted from ``v1`` (associated data: the key
id) to ``v2`` (also its table, column and row id); shipper accounts' ``phone`` and
``billing_address`` are encrypted for the first time; payments lose ``client_secret``
and stored idempotent responses have it blanked; idempotency records get their
caller (``scope``) and keep only a sha256 of the key. Existing records are given the
scope of the user or API key that made the payment, so a retry across the upgrade
still replays. The keyring must be configured (``freight db upgrade`` does so).

Downgrade decrypts back to ``v1`` (customers' fields to plaintext), restores the
column, and forgets idempotency records (their keys are hashed; the old code cannot
find them).

Revision ID: 3b5e8d21c7f4
Revises: 5e55101d2301
Create Date: 2026-12-01 23:30:00.000000
"""

import hashlib
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from freight.security.encryption import column_context, current_keyring

revision: str = "3b5e8d21c7f4"
down_revision: str | None = "5e55101d2301"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALREADY_ENCRYPTED = (
    ("users", "phone"),
    ("drivers", "phone"),
    ("drivers", "license_number"),
    ("vehicles", "vin"),
)
NEWLY_ENCRYPTED = (("customers", "phone"), ("customers", "billing_address"))


def _rewrite(table: str, column: str, change: Callable[[str, str], str]) -> None:
    """Apply ``change(value, context)`` to every non-null value of one column."""
    bind = op.get_bind()
    t = sa.table(table, sa.column("id", sa.Uuid()), sa.column(column, sa.Text()))
    rows = bind.execute(sa.select(t.c.id, t.c[column]).where(t.c[column].is_not(None))).all()
    for ident, value in rows:
        fresh = change(value, column_context(table, column, ident))
        bind.execute(sa.update(t).where(t.c.id == ident).values({column: fresh}))


def _bind(value: str, context: str) -> str:
    ring = current_keyring()
    return ring.encrypt(ring.decrypt(value), context)


def _unbind(value: str, context: str) -> str:
    ring = current_keyring()
    return ring.encrypt(ring.decrypt(value, context))


def _seal(value: str, context: str) -> str:
    return current_keyring().encrypt(value, context)


def _open(value: str, context: str) -> str:
    return current_keyring().decrypt(value, context)


def _scope_records() -> None:
    """Give each idempotency record its caller and a hashed key; blank stored secrets."""
    bind = op.get_bind()
    rec = sa.table(
        "idempotency_records",
        sa.column("id", sa.Uuid()),
        sa.column("key", sa.String()),
        sa.column("scope", sa.String()),
        sa.column("resource_id", sa.Uuid()),
        sa.column("response_body", sa.JSON()),
    )
    pay = sa.table("payments", sa.column("id", sa.Uuid()), sa.column("created_by", sa.Uuid()))
    users = sa.table("users", sa.column("id", sa.Uuid()))
    rows = bind.execute(
        sa.select(rec.c.id, rec.c.key, rec.c.response_body, pay.c.created_by, users.c.id)
        .select_from(rec)
        .outerjoin(pay, pay.c.id == rec.c.resource_id)
        .outerjoin(users, users.c.id == pay.c.created_by)
    ).all()
    for ident, key, body, created_by, user_id in rows:
        if created_by is None:
            scope = "legacy"  # no caller known: nobody replays it
        else:
            scope = f"user:{created_by}" if user_id is not None else f"key:{created_by}"
        if isinstance(body, dict) and "client_secret" in body:
            body = {**body, "client_secret": None}
        bind.execute(
            sa.update(rec)
            .where(rec.c.id == ident)
            .values(scope=scope, key=hashlib.sha256(key.encode()).hexdigest(), response_body=body)
        )


def upgrade() -> None:
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope", sa.String(length=80), nullable=True))
    _scope_records()
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.alter_column("scope", existing_type=sa.String(length=80), nullable=False)
        batch_op.drop_index("uq_idempotency_records_key")
        batch_op.create_index(
            "uq_idempotency_records_scope_key",
            ["organization_id", "scope", "key", "route"],
            unique=True,
        )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("client_secret")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.alter_column(
            "phone", existing_type=sa.String(length=40), type_=sa.Text(), existing_nullable=True
        )
    for table, column in ALREADY_ENCRYPTED:
        _rewrite(table, column, _bind)
    for table, column in NEWLY_ENCRYPTED:
        _rewrite(table, column, _seal)


def downgrade() -> None:
    for table, column in NEWLY_ENCRYPTED:
        _rewrite(table, column, _open)
    for table, column in ALREADY_ENCRYPTED:
        _rewrite(table, column, _unbind)
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.alter_column(
            "phone", existing_type=sa.Text(), type_=sa.String(length=40), existing_nullable=True
        )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_secret", sa.String(length=200), nullable=True))
    op.execute(sa.text("DELETE FROM idempotency_records"))
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_index("uq_idempotency_records_scope_key")
        batch_op.create_index(
            "uq_idempotency_records_key", ["organization_id", "key", "route"], unique=True
        )
        batch_op.drop_column("scope")
