"""Small helpers that read as steps in a specification."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from freight.app import create_app
from freight.settings import Settings

PASSWORD = "correct-horse-battery"


@dataclass
class Session:
    """A signed-in user as the API sees them."""

    user: dict[str, Any]
    access_token: str
    refresh_token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    def editing(self, version: int | None = None) -> dict[str, str]:
        """Headers for a shipment edit: staff must send If-Match (the version read, or
        ``*`` to say on purpose that any current version will do)."""
        return {**self.auth, "If-Match": "*" if version is None else f'"{version}"'}

    @property
    def id(self) -> uuid.UUID:
        return uuid.UUID(self.user["id"])

    @property
    def organization_id(self) -> uuid.UUID:
        return uuid.UUID(self.user["organization_id"])


def _session(body: dict[str, Any]) -> Session:
    return Session(body["user"], body["access_token"], body["refresh_token"])


async def register(client: AsyncClient, org: str, email: str) -> Session:
    """Register a new organisation and return its admin, signed in."""
    resp = await client.post(
        "/api/auth/register",
        json={"organization_name": org, "email": email, "password": PASSWORD, "full_name": "Ada"},
    )
    assert resp.status_code == 201, resp.text
    return await login(client, email)


async def login(client: AsyncClient, email: str, password: str = PASSWORD) -> Session:
    resp = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert resp.status_code == 200, resp.text
    return _session(resp.json())


async def add_customer(client: AsyncClient, staff: Session, name: str = "Globex Foods") -> str:
    """Open a shipper account; returns its id."""
    resp = await client.post(
        "/api/customers",
        headers=staff.auth,
        json={"name": name, "billing_email": "ap@globex.example", "payment_terms_days": 30},
    )
    assert resp.status_code == 201, resp.text
    customer_id: str = resp.json()["id"]
    return customer_id


async def add_user(
    client: AsyncClient, admin: Session, role: str, email: str, customer_id: str | None = None
) -> Session:
    """An admin creates a user with ``role``; the new user signs in.

    A customer user without a given account gets a new shipper account of their own.
    """
    if role == "customer" and customer_id is None:
        customer_id = await add_customer(client, admin, f"Account of {email}")
    body = {"email": email, "full_name": role.title(), "role": role, "password": PASSWORD}
    if customer_id is not None:
        body["customer_id"] = customer_id
    resp = await client.post("/api/users", headers=admin.auth, json=body)
    assert resp.status_code == 201, resp.text
    return await login(client, email)


def assert_problem(resp: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is problem+json with this status (and code)."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = resp.json()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code
    return body


@asynccontextmanager
async def running_client(settings: Settings) -> AsyncIterator[AsyncClient]:
    """A client for an app built from ``settings``, started and stopped around the block."""
    app = create_app(settings)
    async with LifespanManager(app):
        transport = ASGITransport(app=app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            yield http
