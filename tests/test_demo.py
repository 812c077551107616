"""The demo data: the plan's UAT set, built through the real services."""

from __future__ import annotations

from collections import Counter

from fastapi import FastAPI
from httpx import AsyncClient

from freight.demo import seed_demo
from freight.events import verify_chains
from freight.settings import Settings
from freight.storage import FileStore


async def test_demo_seed_builds_fifty_shipments_in_every_status(
    app: FastAPI, client: AsyncClient, settings: Settings
) -> None:
    ctx = app.state.ctx
    async with ctx.sessions() as session:
        logins = await seed_demo(session, ctx.passwords, FileStore(settings.file_store_dir))
        await session.commit()
    assert logins is not None and {login.role.value for login in logins} == {
        "admin",
        "dispatcher",
        "driver",
        "customer",
    }
    tokens = {}
    for login in logins:
        resp = await client.post(
            "/api/auth/login", json={"email": login.email, "password": login.password}
        )
        assert resp.status_code == 200
        tokens[login.role.value] = {"Authorization": f"Bearer {resp.json()['access_token']}"}

    shipments = (
        await client.get("/api/shipments", params={"limit": 200}, headers=tokens["dispatcher"])
    ).json()["items"]
    assert Counter(s["status"] for s in shipments) == {
        "PENDING": 15,
        "ASSIGNED": 8,
        "PICKED_UP": 5,
        "IN_TRANSIT": 7,
        "DELIVERED": 10,
        "CANCELLED": 5,
    }
    mine = (
        await client.get("/api/shipments", params={"limit": 200}, headers=tokens["customer"])
    ).json()["items"]
    assert len(mine) == 50  # the demo customer's account holds them all
    loads = (await client.get("/api/drivers/me/loads", headers=tokens["driver"])).json()["items"]
    assert [s["status"] for s in loads] == ["IN_TRANSIT"]
    delivered = next(s for s in shipments if s["status"] == "DELIVERED")
    assert (
        await client.get(f"/api/shipments/{delivered['id']}/pod", headers=tokens["customer"])
    ).status_code == 200

    async with ctx.sessions() as session:
        assert [p async for p in verify_chains(session)] == []
        assert await seed_demo(session, ctx.passwords, FileStore(settings.file_store_dir)) is None
