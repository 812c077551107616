"""User changes are events, and those events (with the fleet's driver events) drop the
user's cached principal: no route invalidates it by hand any more."""

from __future__ import annotations

import json
import uuid

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select

from freight.access import Actor, Role
from freight.events import Event
from freight.fleet import service as fleet
from freight.fleet.schemas import DriverCreate, DriverUpdate
from freight.identity import service as identity
from freight.identity.principals import principal_key
from freight.identity.schemas import UserUpdate
from tests.helpers import PASSWORD, Session, add_user, assert_problem


async def user_events(app: FastAPI, org: uuid.UUID) -> list[Event]:
    async with app.state.ctx.sessions() as session:
        rows = await session.scalars(
            select(Event)
            .where(Event.organization_id == org, Event.type.startswith("user."))
            .order_by(Event.id)
        )
        return list(rows)


def admin_of(who: Session) -> Actor:
    return Actor(organization_id=who.organization_id, role=Role.ADMIN, user_id=who.id)


async def change_user(app: FastAPI, admin: Session, user_id: uuid.UUID, **changes: object) -> None:
    """A change through the service and the unit of work alone, as a job would make it."""
    ctx = app.state.ctx
    async with ctx.sessions() as session:
        body = UserUpdate.model_validate(changes)
        await identity.update_user(session, admin_of(admin), ctx.passwords, user_id, body, 8)
        await ctx.commit(session)


async def test_each_user_change_is_an_event_naming_fields_not_personal_data(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    user = await add_user(client, admin, "dispatcher", "disp@acme.example")
    url = f"/api/users/{user.id}"
    for change in (
        {"full_name": "Dana Scully", "phone": "+1 202 555 0199"},
        {"password": "another-long-password"},
        {"role": "admin"},
        {"is_active": False},
        {"is_active": True, "role": "dispatcher"},
        {"full_name": "Dana Scully"},  # no change: no event
    ):
        resp = await client.patch(url, headers=admin.auth, json=change)
        assert resp.status_code == 200, resp.text

    recorded = await user_events(app, admin.organization_id)
    assert [e.type for e in recorded] == [
        "user.created",  # the admin's own registration
        "user.created",
        "user.updated",
        "user.updated",
        "user.role_changed",
        "user.deactivated",
        "user.reactivated",
    ]
    registered, created, renamed, password, promoted, deactivated, reactivated = recorded
    assert registered.actor_id is None and registered.data["user_id"] == str(admin.id)
    assert created.data == {
        "user_id": str(user.id),
        "role": "dispatcher",
        "customer_id": None,
        "is_active": True,
    }
    assert renamed.data == {
        "user_id": str(user.id),
        "fields": ["full_name", "phone"],
        "changes": {},
    }
    assert password.data["fields"] == ["password"]
    assert promoted.data["changes"] == {"role": ["dispatcher", "admin"]}
    assert deactivated.data["changes"] == {"is_active": [True, False]}
    assert reactivated.data["changes"] == {
        "role": ["admin", "dispatcher"],
        "is_active": [False, True],
    }
    assert {(e.actor_id, e.actor_role) for e in recorded[1:]} == {(admin.id, "admin")}
    text = json.dumps([e.data for e in recorded])
    for personal in ("disp@acme.example", "Dana Scully", "555 0199", "another-long-password"):
        assert personal not in text
    assert "$argon2" not in text


async def test_a_role_change_made_outside_any_route_applies_on_the_next_request(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    user = await add_user(client, admin, "dispatcher", "disp@acme.example")
    assert_problem(await client.get("/api/users", headers=user.auth), 403)  # cached now
    assert await app.state.ctx.cache.get(principal_key(user.id)) is not None
    await change_user(app, admin, user.id, role="admin")
    assert await app.state.ctx.cache.get(principal_key(user.id)) is None
    assert (await client.get("/api/users", headers=user.auth)).status_code == 200


async def test_a_rolled_back_change_leaves_the_cached_principal_alone(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    user = await add_user(client, admin, "dispatcher", "disp@acme.example")
    assert_problem(await client.get("/api/users", headers=user.auth), 403)
    ctx = app.state.ctx
    async with ctx.sessions() as session:
        body = UserUpdate(role=Role.ADMIN)
        await identity.update_user(session, admin_of(admin), ctx.passwords, user.id, body, 8)
        await session.rollback()
    assert await ctx.cache.get(principal_key(user.id)) is not None
    assert_problem(await client.get("/api/users", headers=user.auth), 403)
    assert [e.type for e in await user_events(app, admin.organization_id)][-1] == "user.created"


async def test_a_deactivation_outside_any_route_applies_on_the_next_request(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    user = await add_user(client, admin, "dispatcher", "disp@acme.example")
    assert (await client.get("/api/drivers", headers=user.auth)).status_code == 200
    await change_user(app, admin, user.id, is_active=False)
    assert_problem(await client.get("/api/drivers", headers=user.auth), 401)
    login = await client.post(
        "/api/auth/login", json={"email": "disp@acme.example", "password": PASSWORD}
    )
    assert_problem(login, 401)


async def test_linking_and_unlinking_a_driver_record_applies_on_the_next_request(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    dee = await add_user(client, admin, "driver", "dee@acme.example")
    max_ = await add_user(client, admin, "driver", "max@acme.example")
    ctx = app.state.ctx
    for who in (dee, max_):  # both principals cached with no driver record
        assert (await client.get("/api/auth/me", headers=who.auth)).status_code == 200
    async with ctx.sessions() as session:
        body = DriverCreate(user_id=dee.id, full_name="Dee")
        driver = await fleet.create_driver(session, admin_of(admin), body)
        await ctx.commit(session)
    url = f"/api/drivers/{driver.id}"
    assert (await client.get(url, headers=dee.auth)).status_code == 200
    assert_problem(await client.get(url, headers=max_.auth), 404)

    async with ctx.sessions() as session:  # the record moves from Dee to Max
        await fleet.update_driver(
            session, admin_of(admin), driver.id, DriverUpdate(user_id=max_.id)
        )
        await ctx.commit(session)
    assert (await client.get(url, headers=max_.auth)).status_code == 200
    assert_problem(await client.get(url, headers=dee.auth), 404)


async def test_another_organisations_change_leaves_this_ones_principals_alone(
    app: FastAPI, client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    user = await add_user(client, admin, "dispatcher", "disp@acme.example")
    theirs = await add_user(client, other_admin, "dispatcher", "disp@rival.example")
    assert_problem(await client.get("/api/users", headers=user.auth), 403)
    await change_user(app, other_admin, theirs.id, role="admin")
    assert await app.state.ctx.cache.get(principal_key(user.id)) is not None
    # And an admin of the other organisation cannot change this one's user at all.
    resp = await client.patch(
        f"/api/users/{user.id}", headers=other_admin.auth, json={"role": "admin"}
    )
    assert_problem(resp, 404)
    assert_problem(await client.get("/api/users", headers=user.auth), 403)
