"""Sign-in sessions end server-side: logout, password changes and idle time end the
tokens and cookies that name them, on the very next request and socket handshake."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import update
from typer.testing import CliRunner

from freight.cli import app as cli
from freight.db import utcnow
from freight.identity import sessions
from freight.identity.models import UserSession
from freight.settings import Settings, get_settings
from tests.helpers import PASSWORD, Session, add_user, assert_problem, login


async def me(client: AsyncClient, who: Session) -> int:
    """The status of ``GET /api/auth/me`` with this session's access token."""
    return (await client.get("/api/auth/me", headers=who.auth)).status_code


async def test_logout_ends_that_logins_access_token_but_not_the_others(
    client: AsyncClient, admin: Session
) -> None:
    other_login = await login(client, "admin@acme.example")
    resp = await client.post(
        "/api/auth/logout", headers=admin.auth, json={"refresh_token": admin.refresh_token}
    )
    assert resp.status_code == 204
    assert assert_problem(await client.get("/api/auth/me", headers=admin.auth), 401)[
        "detail"
    ].startswith("session ended")
    assert await me(client, other_login) == 200


async def test_an_admin_password_change_ends_every_session_of_that_user(
    client: AsyncClient, admin: Session
) -> None:
    driver = await add_user(client, admin, "driver", "d@acme.example")
    second = await login(client, "d@acme.example")
    resp = await client.patch(
        f"/api/users/{driver.id}", headers=admin.auth, json={"password": "a-brand-new-password"}
    )
    assert resp.status_code == 200
    assert await me(client, driver) == 401
    assert await me(client, second) == 401
    assert await me(client, admin) == 200  # only that user's sessions


async def test_deactivation_ends_sessions_so_reactivation_does_not_revive_them(
    client: AsyncClient, admin: Session
) -> None:
    driver = await add_user(client, admin, "driver", "d@acme.example")
    for active in (False, True):
        resp = await client.patch(
            f"/api/users/{driver.id}", headers=admin.auth, json={"is_active": active}
        )
        assert resp.status_code == 200
    assert await me(client, driver) == 401


@pytest.fixture
def cli_runner(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The CLI pointed at the test database (and, like an operator's shell, at no cache)."""
    monkeypatch.setenv("FREIGHT_DATABASE_URL", settings.database_url)
    monkeypatch.delenv("FREIGHT_REDIS_URL", raising=False)
    get_settings.cache_clear()
    return CliRunner()


async def test_set_password_from_the_cli_ends_sessions_at_once(
    client: AsyncClient, admin: Session, cli_runner: CliRunner
) -> None:
    driver = await add_user(client, admin, "driver", "d@acme.example")
    assert await me(client, driver) == 200  # the caller's facts are now cached
    result = await asyncio.to_thread(
        cli_runner.invoke,
        cli,
        ["users", "set-password", "d@acme.example", "--password", "a-brand-new-password"],
    )
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert await me(client, driver) == 401
    assert await me(client, await login(client, "d@acme.example", "a-brand-new-password")) == 200


async def test_set_password_for_an_email_in_two_organisations_needs_the_organisation(
    client: AsyncClient, admin: Session, other_admin: Session, cli_runner: CliRunner
) -> None:
    body = {"email": "d@acme.example", "full_name": "D", "role": "driver", "password": PASSWORD}
    for owner in (admin, other_admin):
        assert (await client.post("/api/users", headers=owner.auth, json=body)).status_code == 201
    command = ["users", "set-password", "d@acme.example", "--password", "a-brand-new-password"]
    result = await asyncio.to_thread(cli_runner.invoke, cli, command)
    get_settings.cache_clear()
    assert result.exit_code != 0
    assert "--organization" in result.output
    rival = str(other_admin.user["organization_id"])
    result = await asyncio.to_thread(cli_runner.invoke, cli, [*command, "--organization", rival])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    changed = await login(client, "d@acme.example", "a-brand-new-password")
    assert str(changed.user["organization_id"]) == rival
    assert (await login(client, "d@acme.example")).user["organization_id"] != rival


async def test_idle_time_applies_to_web_sessions_only(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    # An API login idle far longer than the web limit still works (its tokens bound it).
    async with app.state.ctx.sessions() as db:
        long_ago = utcnow() - timedelta(days=1)
        await db.execute(update(UserSession).values(last_seen_at=long_ago))
        await db.commit()
    assert await me(client, admin) == 200


async def test_an_active_web_session_is_touched_often_enough_never_to_look_idle(
    app: FastAPI, admin: Session
) -> None:
    idle = timedelta(minutes=1)
    async with app.state.ctx.sessions() as db:
        row = await sessions.start(db, admin.id, sessions.SessionKind.WEB)
        row.last_seen_at = utcnow() - timedelta(seconds=50)
        await db.commit()
        # 50 s of an allowed 60: the call is let through and pushes the idle clock back.
        assert await sessions.check(db, row.id, admin.id, idle) is True  # a touch is due
        await sessions.touch(db, row.id)
        await db.commit()
        await db.refresh(row)
        assert utcnow() - row.last_seen_at < timedelta(seconds=5)
        assert await sessions.check(db, row.id, admin.id, idle) is False  # just touched
