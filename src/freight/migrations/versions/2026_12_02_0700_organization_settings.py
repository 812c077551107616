"""Organisations say how their pages show units, money, times and paper; stops know their zone.

Revision ID: 5b7e2c9d1f30
Revises: a006b350d756
Create Date: 2026-12-02 07:00:00.000000

Existing stops get their IANA zone from their coordinates (offline boundary data), so the
column can be required. Downgrading drops the columns and their values.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b7e2c9d1f30"
down_revision: str | None = "a006b350d756"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORGANIZATION_COLUMNS = (
    ("units", 8, "imperial"),
    ("locale", 16, "en-US"),
    ("paper_size", 8, "letter"),
    ("timezone", 64, "America/Chicago"),
    ("country", 2, "US"),
)
CHECKS = {
    "units": "units IN ('imperial', 'metric')",
    "paper_size": "paper_size IN ('letter', 'a4')",
}


def _backfill_stop_zones() -> None:
    from timezonefinder import TimezoneFinder

    bind = op.get_bind()
    stops = sa.table(
        "stops",
        sa.column("id", sa.Uuid()),
        sa.column("lat", sa.Float()),
        sa.column("lng", sa.Float()),
        sa.column("timezone", sa.String()),
    )
    rows = bind.execute(sa.select(stops.c.id, stops.c.lat, stops.c.lng)).all()
    if not rows:
        return
    finder = TimezoneFinder()
    for stop_id, lat, lng in rows:
        name = finder.timezone_at(lat=lat, lng=lng) or "UTC"
        bind.execute(stops.update().where(stops.c.id == stop_id).values(timezone=name))


def upgrade() -> None:
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        for name, length, default in ORGANIZATION_COLUMNS:
            batch_op.add_column(
                sa.Column(name, sa.String(length), nullable=False, server_default=default)
            )
        for name, condition in CHECKS.items():
            batch_op.create_check_constraint(op.f(f"ck_organizations_{name}"), condition)
    with op.batch_alter_table("stops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timezone", sa.String(64), nullable=True))
    _backfill_stop_zones()
    with op.batch_alter_table("stops", schema=None) as batch_op:
        batch_op.alter_column("timezone", existing_type=sa.String(64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("stops", schema=None) as batch_op:
        batch_op.drop_column("timezone")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        for name in reversed(CHECKS):
            batch_op.drop_constraint(op.f(f"ck_organizations_{name}"), type_="check")
        for name, _, _ in reversed(ORGANIZATION_COLUMNS):
            batch_op.drop_column(name)
