"""API keys: shown once, stored hashed, role-scoped, revocable."""

from __future__ import annotations

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text

from freight.context import AppContext
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
