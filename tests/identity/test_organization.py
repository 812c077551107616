"""The organisation's settings: staff read them, admins change them, nobody else's."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select

from freight.events import Event
from tests.helpers import Session, add_user, assert_problem

DEFAULTS = {
    "units": "imperial",
    "locale": "en-US",
    "paper_size": "letter",
    "timezone": "America/Chicago",
    "country": "US",
}


async def _settings(client: AsyncClient, who: Session) -> dict[str, Any]:
    resp = await client.get("/api/organization", headers=who.auth)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def _events(app: FastAPI, org_id: str) -> list[Event]:
    async with app.state.ctx.sessions() as session:
        rows = await session.execute(
            select(Event).where(Event.type == "organization.updated").order_by(Event.id)
        )
        return [e for e in rows.scalars() if str(e.organization_id) == org_id]


async def test_a_new_organisation_is_us_style(client: AsyncClient, admin: Session) -> None:
    body = await _settings(client, admin)
    assert body["name"] == "Acme Haulage"
    assert {k: body[k] for k in DEFAULTS} == DEFAULTS


async def test_admin_switches_to_metric_and_a4_and_it_is_an_event(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    changes = {
        "units": "metric",
        "paper_size": "a4",
        "locale": "de-DE",
        "timezone": "Europe/Berlin",
    }
    resp = await client.patch("/api/organization", headers=admin.auth, json=changes)
    assert resp.status_code == 200, resp.text
    assert {k: resp.json()[k] for k in changes} == changes
    assert {k: (await _settings(client, admin))[k] for k in changes} == changes
    [event] = await _events(app, admin.user["organization_id"])
    assert event.shipment_id is None
    assert event.actor_id is not None and str(event.actor_id) == str(admin.id)
    assert event.data["changes"]["units"] == {"from": "imperial", "to": "metric"}
    assert set(event.data["changes"]) == set(changes)


async def test_a_patch_that_changes_nothing_records_nothing(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    resp = await client.patch("/api/organization", headers=admin.auth, json={"units": "imperial"})
    assert resp.status_code == 200
    assert await _events(app, admin.user["organization_id"]) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("units", "furlongs"),
        ("paper_size", "legal"),
        ("locale", "xx-YY"),
        ("timezone", "America/Springfield"),
        ("timezone", "CST"),
        ("country", "usa"),
        ("name", ""),
    ],
)
async def test_bad_values_are_422_naming_the_field(
    client: AsyncClient, admin: Session, field: str, value: str
) -> None:
    resp = await client.patch("/api/organization", headers=admin.auth, json={field: value})
    body = assert_problem(resp, 422)
    assert [e["loc"][-1] for e in body["errors"]] == [field]
    assert (await _settings(client, admin))[field] != value


async def test_dispatcher_reads_but_cannot_change(client: AsyncClient, admin: Session) -> None:
    dispatcher = await add_user(client, admin, "dispatcher", "d@acme.example")
    assert (await _settings(client, dispatcher))["units"] == "imperial"
    resp = await client.patch(
        "/api/organization", headers=dispatcher.auth, json={"units": "metric"}
    )
    assert_problem(resp, 403, "forbidden")
    assert (await _settings(client, admin))["units"] == "imperial"


@pytest.mark.parametrize("role", ["customer", "driver"])
async def test_customers_and_drivers_neither_read_nor_change(
    client: AsyncClient, admin: Session, role: str
) -> None:
    user = await add_user(client, admin, role, f"{role}@acme.example")
    assert_problem(await client.get("/api/organization", headers=user.auth), 403)
    resp = await client.patch("/api/organization", headers=user.auth, json={"units": "metric"})
    assert_problem(resp, 403)
    assert (await _settings(client, admin))["units"] == "imperial"


async def test_each_admin_sees_and_changes_only_their_own(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    resp = await client.patch(
        "/api/organization", headers=other_admin.auth, json={"units": "metric"}
    )
    assert resp.status_code == 200
    assert (await _settings(client, other_admin))["name"] == "Rival Logistics"
    assert (await _settings(client, other_admin))["units"] == "metric"
    assert (await _settings(client, admin))["units"] == "imperial"


async def test_concurrent_patches_of_different_fields_both_land(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    a, b = await asyncio.gather(
        client.patch("/api/organization", headers=admin.auth, json={"units": "metric"}),
        client.patch("/api/organization", headers=admin.auth, json={"paper_size": "a4"}),
    )
    assert (a.status_code, b.status_code) == (200, 200)
    body = await _settings(client, admin)
    assert (body["units"], body["paper_size"]) == ("metric", "a4")
    assert len(await _events(app, admin.user["organization_id"])) == 2
