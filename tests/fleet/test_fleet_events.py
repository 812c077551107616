"""Fleet changes are events: recorded with the change, carrying no personal data,
published only once committed, and scoped to the organisation."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from freight.access import Actor, Role
from freight.events import Event
from freight.fleet import service
from freight.fleet.models import Vehicle
from freight.fleet.schemas import VehicleCreate
from tests.fleet_helpers import add_driver, add_vehicle
from tests.helpers import Session, add_user, assert_problem

VIN = "1FUJGLDR5CLBP8834"
PERSONAL = ("+1 312 555 0142", "555 0142", "D400-1234-5678", "1234-5678", VIN, "Driver dee")


async def put_status(client: AsyncClient, who: Any, driver_id: str, status: str) -> int:
    url = f"/api/drivers/{driver_id}/availability"
    code: int = (await client.put(url, headers=who.auth, json={"status": status})).status_code
    return code


async def org_events(app: FastAPI, org: uuid.UUID, prefix: str = "") -> list[Event]:
    async with app.state.ctx.sessions() as session:
        rows = await session.scalars(
            select(Event)
            .where(Event.organization_id == org, Event.shipment_id.is_(None))
            .order_by(Event.id)
        )
        return [e for e in rows if e.type.startswith(prefix)]


def published_into(app: FastAPI) -> list[str]:
    seen: list[str] = []

    async def listen(batch: Sequence[Event]) -> None:
        seen.extend(e.type for e in batch)

    app.state.ctx.bus.subscribe(listen)
    return seen


def assert_no_personal_data(events: list[Event]) -> None:
    text = json.dumps([e.data for e in events])
    for value in PERSONAL:
        assert value not in text, value


async def test_each_driver_and_vehicle_change_is_an_event_with_its_actor(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    dispatcher = await add_user(client, admin, "dispatcher", "disp@acme.example")
    truck = await add_vehicle(client, admin, vin=VIN)
    dee = await add_driver(client, admin, "dee@acme.example", vehicle_id=truck["id"])
    edit = {"phone": "+1 312 555 9999", "equipment_types": ["flatbed"], "status": "off_duty"}
    resp = await client.patch(f"/api/drivers/{dee.id}", headers=dispatcher.auth, json=edit)
    assert resp.status_code == 200, resp.text
    url = f"/api/drivers/{dee.id}/availability"
    assert (
        await client.put(url, headers=dee.auth, json={"status": "available"})
    ).status_code == 200
    resp = await client.patch(
        f"/api/vehicles/{truck['id']}", headers=admin.auth, json={"status": "retired", "vin": None}
    )
    assert resp.status_code == 200, resp.text

    fleet = await org_events(app, admin.organization_id, "")
    fleet = [e for e in fleet if e.type.startswith(("driver.", "vehicle."))]
    assert [e.type for e in fleet] == [
        "vehicle.created",
        "driver.created",
        "driver.updated",
        "driver.availability_changed",
        "vehicle.updated",
    ]
    created_truck, created, updated, availability, retired = fleet
    assert created_truck.data == {
        "vehicle_id": truck["id"],
        "equipment_type": "dry_van",
        "status": "active",
    }
    assert created.data == {
        "driver_id": dee.id,
        "user_id": str(dee.session.id),
        "status": "available",
        "equipment_types": ["dry_van", "reefer"],
        "vehicle_id": truck["id"],
    }
    assert updated.data == {
        "driver_id": dee.id,
        "fields": ["equipment_types", "phone", "status"],
        "changes": {
            "equipment_types": [["dry_van", "reefer"], ["flatbed"]],
            "status": ["available", "off_duty"],
        },
    }
    assert (updated.actor_id, updated.actor_role) == (dispatcher.id, "dispatcher")
    assert availability.data == {
        "driver_id": dee.id,
        "status": "available",
        "changes": {"status": ["off_duty", "available"]},
    }
    assert (availability.actor_id, availability.actor_role) == (dee.session.id, "driver")
    assert retired.data == {
        "vehicle_id": truck["id"],
        "fields": ["status", "vin"],
        "changes": {"status": ["active", "retired"]},
    }
    assert all(e.actor_id is not None for e in fleet)
    assert_no_personal_data(fleet)


async def test_a_change_that_changes_nothing_records_nothing(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    dee = await add_driver(client, admin, "dee@acme.example")
    truck = await add_vehicle(client, admin)
    before = len(await org_events(app, admin.organization_id))
    url = f"/api/drivers/{dee.id}/availability"
    assert (
        await client.put(url, headers=dee.auth, json={"status": "available"})
    ).status_code == 200
    same = {"hos_minutes_remaining": 4200}
    assert (
        await client.patch(f"/api/drivers/{dee.id}", headers=admin.auth, json=same)
    ).status_code == 200
    assert (
        await client.patch(
            f"/api/vehicles/{truck['id']}", headers=admin.auth, json={"kind": "tractor"}
        )
    ).status_code == 200
    assert len(await org_events(app, admin.organization_id)) == before


async def test_refused_changes_record_and_publish_nothing(
    app: FastAPI, client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    dee = await add_driver(client, admin, "dee@acme.example")
    await add_vehicle(client, admin, "T-1")
    truck = await add_vehicle(client, admin, "T-2")
    buyer = await add_user(client, admin, "customer", "buyer@globex.example")
    before = len(await org_events(app, admin.organization_id))
    published = published_into(app)

    taken = await client.patch(
        f"/api/vehicles/{truck['id']}", headers=admin.auth, json={"number": "T-1"}
    )
    assert_problem(taken, 409)
    not_a_driver = await client.patch(
        f"/api/drivers/{dee.id}", headers=admin.auth, json={"user_id": str(buyer.id)}
    )
    assert_problem(not_a_driver, 422)
    url = f"/api/drivers/{dee.id}/availability"
    assert_problem(await client.put(url, headers=buyer.auth, json={"status": "off_duty"}), 403)
    # Another organisation's admin cannot reach this driver at all.
    assert_problem(
        await client.put(url, headers=other_admin.auth, json={"status": "off_duty"}), 404
    )
    other = await client.patch(
        f"/api/drivers/{dee.id}", headers=other_admin.auth, json={"status": "off_duty"}
    )
    assert_problem(other, 404)

    await asyncio.sleep(0.05)
    assert [t for t in published if t.startswith(("driver.", "vehicle."))] == []
    assert len(await org_events(app, admin.organization_id)) == before
    assert await org_events(app, other_admin.organization_id, "driver.") == []


async def test_the_events_of_a_failed_commit_are_never_published(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    await add_vehicle(client, admin, "T-1")
    ctx = app.state.ctx
    published = published_into(app)
    actor = Actor(organization_id=admin.organization_id, role=Role.ADMIN, user_id=admin.id)
    body = VehicleCreate(number="T-2", kind="tractor", equipment_type="reefer", capacity_kg=9000)
    async with ctx.sessions() as session:
        await service.create_vehicle(session, actor, body)
        # The same unit of work also adds a clashing vehicle: the commit fails.
        session.add(
            Vehicle(
                organization_id=admin.organization_id,
                number="T-1",
                kind="box",
                equipment_type="dry_van",
                capacity_kg=1000,
            )
        )
        with pytest.raises(IntegrityError):
            await ctx.commit(session)
    await asyncio.sleep(0.05)
    assert "vehicle.created" not in published
    numbers = [
        e.data["vehicle_id"] for e in await org_events(app, admin.organization_id, "vehicle.")
    ]
    assert len(numbers) == 1  # T-1's own event only


async def test_a_committed_change_is_published_once(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    dee = await add_driver(client, admin, "dee@acme.example")
    published: list[Any] = published_into(app)
    assert await put_status(client, dee, dee.id, "off_duty") == 200
    assert published == ["driver.availability_changed"]
