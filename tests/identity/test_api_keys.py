"""API keys: shown once, stored hashed, role-scoped, revocable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text, update

from freight.context import AppContext
from freight.identity.models import ApiKey
from tests.helpers import Session, add_user, assert_problem


async def _create(client: AsyncClient, admin: Session, role: str = "driver") -> dict[str, str]:
    resp = await client.post(
        "/api/api-keys", headers=admin.auth, json={"name": "telematics", "role": role}
    )
    assert resp.status_code == 201, resp.text
    body: dict[str, str] = resp.json()
    return body


async def test_key_is_shown_once_and_stored_only_as_a_hash(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    created = await _create(client, admin)
    assert created["key"].startswith("frk_") and created["prefix"] == created["key"][:12]
    listing = (await client.get("/api/api-keys", headers=admin.auth)).json()
    assert "key" not in listing["items"][0]
    assert created["key"] not in str(listing)
    ctx: AppContext = app.state.ctx
    async with ctx.engine.connect() as conn:
        stored = (await conn.execute(text("SELECT key_hash FROM api_keys"))).scalar_one()
    assert stored != created["key"] and len(stored) == 64


async def test_key_authenticates_with_its_role_and_records_last_use(
    client: AsyncClient, admin: Session
) -> None:
    created = await _create(client, admin, role="customer")
    headers = {"X-API-Key": created["key"]}
    assert (await client.get("/api/health", headers=headers)).status_code == 200
    assert_problem(await client.get("/api/users", headers=headers), 403)  # customer role
    listing = (await client.get("/api/api-keys", headers=admin.auth)).json()
    assert listing["items"][0]["last_used_at"] is not None


async def test_admin_key_can_administer(client: AsyncClient, admin: Session) -> None:
    created = await _create(client, admin, role="admin")
    resp = await client.get("/api/users", headers={"X-API-Key": created["key"]})
    assert resp.status_code == 200


async def test_revoked_and_unknown_keys_are_401(client: AsyncClient, admin: Session) -> None:
    created = await _create(client, admin, role="admin")
    resp = await client.delete(f"/api/api-keys/{created['id']}", headers=admin.auth)
    assert resp.status_code == 204
    assert_problem(await client.get("/api/users", headers={"X-API-Key": created["key"]}), 401)
    assert_problem(await client.get("/api/users", headers={"X-API-Key": "frk_unknown"}), 401)


async def test_only_admins_manage_keys(client: AsyncClient, admin: Session) -> None:
    dispatcher = await add_user(client, admin, "dispatcher", "disp@acme.example")
    assert_problem(await client.get("/api/api-keys", headers=dispatcher.auth), 403)
    resp = await client.post(
        "/api/api-keys", headers=dispatcher.auth, json={"name": "x", "role": "admin"}
    )
    assert_problem(resp, 403)


async def test_another_organisations_key_cannot_be_revoked(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    theirs = await _create(client, other_admin, role="admin")
    assert_problem(await client.delete(f"/api/api-keys/{theirs['id']}", headers=admin.auth), 404)
    assert (await client.get("/api/users", headers={"X-API-Key": theirs["key"]})).status_code == 200


async def test_key_with_an_invalid_role_is_422(client: AsyncClient, admin: Session) -> None:
    resp = await client.post(
        "/api/api-keys", headers=admin.auth, json={"name": "x", "role": "root"}
    )
    assert assert_problem(resp, 422)["errors"][0]["loc"] == ["body", "role"]


def _key_header(created: dict[str, str]) -> dict[str, str]:
    return {"X-API-Key": created["key"]}


async def test_keys_die_with_their_creators_authority(client: AsyncClient, admin: Session) -> None:
    deputy = await add_user(client, admin, "admin", "deputy@acme.example")
    theirs = await _create(client, deputy)
    demoted_by_role = await add_user(client, admin, "admin", "ops@acme.example")
    ops_key = await _create(client, demoted_by_role)
    mine = await _create(client, admin)
    for user, change in ((deputy, {"is_active": False}), (demoted_by_role, {"role": "dispatcher"})):
        resp = await client.patch(f"/api/users/{user.id}", headers=admin.auth, json=change)
        assert resp.status_code == 200
    for dead in (theirs, ops_key):
        resp = await client.get("/api/shipments", headers=_key_header(dead))
        assert assert_problem(resp, 401)["detail"] == "invalid API key"
    assert (await client.get("/api/shipments", headers=_key_header(mine))).status_code == 200
    listing = {
        k["id"]: k for k in (await client.get("/api/api-keys", headers=admin.auth)).json()["items"]
    }
    assert listing[theirs["id"]]["created_by"] == str(deputy.id)
    assert listing[theirs["id"]]["revoked_at"] is not None
    assert listing[mine["id"]]["created_by"] == str(admin.id)
    assert listing[mine["id"]]["revoked_at"] is None


async def test_a_key_can_expire(app: FastAPI, client: AsyncClient, admin: Session) -> None:
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    resp = await client.post(
        "/api/api-keys",
        headers=admin.auth,
        json={"name": "contractor", "role": "dispatcher", "expires_at": soon},
    )
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert created["expires_at"] is not None
    assert (await client.get("/api/shipments", headers=_key_header(created))).status_code == 200
    ctx: AppContext = app.state.ctx
    async with ctx.sessions() as db:
        past = datetime.now(UTC) - timedelta(seconds=1)
        await db.execute(update(ApiKey).values(expires_at=past))
        await db.commit()
    resp = await client.get("/api/shipments", headers=_key_header(created))
    assert assert_problem(resp, 401)["detail"] == "API key expired"
    listed = (await client.get("/api/api-keys", headers=admin.auth)).json()["items"][0]
    assert listed["expires_at"] is not None


async def test_an_expiry_in_the_past_or_without_a_zone_is_422(
    client: AsyncClient, admin: Session
) -> None:
    for value in ("2020-01-01T00:00:00Z", "2099-01-01T00:00:00"):
        resp = await client.post(
            "/api/api-keys",
            headers=admin.auth,
            json={"name": "old", "role": "driver", "expires_at": value},
        )
        assert assert_problem(resp, 422)["errors"][0]["loc"] == ["body", "expires_at"]
