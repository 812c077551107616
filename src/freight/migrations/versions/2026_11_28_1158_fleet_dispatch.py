"""Fleet and dispatch: drivers, vehicles, dispatch plans, proofs of delivery.

Revision ID: e87ff6d4e353
Revises: 0adf30bc9c16
Create Date: 2026-11-28 11:58:08.007577
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e87ff6d4e353"
down_revision: str | None = "0adf30bc9c16"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispatch_plans",
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_by", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_dispatch_plans_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_plans")),
    )
    with op.batch_alter_table("dispatch_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispatch_plans_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "vehicles",
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("equipment_type", sa.String(length=16), nullable=False),
        sa.Column("capacity_kg", sa.Float(), nullable=False),
        sa.Column("vin", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'maintenance', 'retired')", name=op.f("ck_vehicles_status")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_vehicles_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
    )
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vehicles_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index("uq_vehicles_org_number", ["organization_id", "number"], unique=True)

    op.create_table(
        "drivers",
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("license_number", sa.Text(), nullable=True),
        sa.Column("license_region", sa.String(length=60), nullable=True),
        sa.Column("equipment_types", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("home_lat", sa.Float(), nullable=True),
        sa.Column("home_lng", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("position_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hos_minutes_remaining", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=True),
        sa.Column("current_shipment_id", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('available', 'off_duty')", name=op.f("ck_drivers_status")),
        sa.CheckConstraint("hos_minutes_remaining >= 0", name=op.f("ck_drivers_hos_not_negative")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_drivers_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_drivers_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_drivers_vehicle_id_vehicles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drivers")),
        sa.UniqueConstraint("user_id", name=op.f("uq_drivers_user_id")),
    )
    with op.batch_alter_table("drivers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_drivers_current_shipment_id"), ["current_shipment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_drivers_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "proofs_of_delivery",
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("captured_by", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_proofs_of_delivery_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_proofs_of_delivery_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proofs_of_delivery")),
        sa.UniqueConstraint("shipment_id", name=op.f("uq_proofs_of_delivery_shipment_id")),
    )
    with op.batch_alter_table("proofs_of_delivery", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proofs_of_delivery_organization_id"), ["organization_id"], unique=False
        )

    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_shipments_vehicle_id_vehicles"),
            "vehicles",
            ["vehicle_id"],
            ["id"],
            ondelete="SET NULL",
            use_alter=True,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_shipments_driver_id_drivers"),
            "drivers",
            ["driver_id"],
            ["id"],
            ondelete="SET NULL",
            use_alter=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_shipments_driver_id_drivers"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_shipments_vehicle_id_vehicles"), type_="foreignkey")

    with op.batch_alter_table("proofs_of_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proofs_of_delivery_organization_id"))

    op.drop_table("proofs_of_delivery")
    with op.batch_alter_table("drivers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drivers_organization_id"))
        batch_op.drop_index(batch_op.f("ix_drivers_current_shipment_id"))

    op.drop_table("drivers")
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_index("uq_vehicles_org_number")
        batch_op.drop_index(batch_op.f("ix_vehicles_organization_id"))

    op.drop_table("vehicles")
    with op.batch_alter_table("dispatch_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_plans_organization_id"))

    op.drop_table("dispatch_plans")
