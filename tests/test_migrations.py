"""Every migration goes up, down to nothing, and up again, on the database under test."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from freight.db import Base, create_engine
from freight.migrations import runner
from freight.settings import Settings
from tests.conftest import PG_URL


@pytest.fixture
async def fresh_engine(tmp_path: object) -> AsyncIterator[AsyncEngine]:
    """An engine on a brand-new, empty database of the kind under test."""
    if not PG_URL:
        engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/m.db"))
        yield engine
        await engine.dispose()
        return
    name = f"freight_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(
        Settings(
            database_url=str(
                make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
            )
        )
    )
    try:
        yield engine
    finally:
        await engine.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{name}"'))
        await admin.dispose()


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: inspect(c).get_table_names())
    return set(names) - {"alembic_version"}


async def test_up_down_up(fresh_engine: AsyncEngine) -> None:
    await runner.upgrade(fresh_engine)
    assert await _tables(fresh_engine) == set(Base.metadata.tables)
    assert await runner.current_revision(fresh_engine) == runner.head_revision()
    await runner.downgrade(fresh_engine, "base")
    assert await _tables(fresh_engine) == set()
    await runner.upgrade(fresh_engine)
    assert await _tables(fresh_engine) == set(Base.metadata.tables)


async def test_serving_an_unmigrated_database_is_refused(fresh_engine: AsyncEngine) -> None:
    with pytest.raises(RuntimeError, match="freight db upgrade"):
        await runner.ensure_schema(fresh_engine, auto_migrate=False)


async def test_history_is_linear() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(runner.alembic_config())
    assert len(script.get_heads()) == 1
    assert all(len(rev._all_down_revisions) <= 1 for rev in script.walk_revisions())


async def test_models_match_the_migrations(fresh_engine: AsyncEngine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    await runner.upgrade(fresh_engine)
    async with fresh_engine.connect() as conn:
        diff = await conn.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
        )
    assert diff == []


BEFORE_BOUND = "7c1d2e9a4b10"  # the revision before field encryption was bound to rows


async def _raw(engine: AsyncEngine, sql: str) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(sql))).all())


async def test_bound_secrets_migrate_up_and_down_with_data(
    fresh_engine: AsyncEngine, tmp_path: Path
) -> None:
    from freight.security.encryption import column_context, current_keyring
    from tests.conftest import base_settings
    from tests.fleet_helpers import add_driver, add_vehicle
    from tests.helpers import login, register, running_client

    await runner.upgrade(fresh_engine)
    url = fresh_engine.url.render_as_string(hide_password=False)
    async with running_client(base_settings(url, tmp_path)) as client:
        admin = await register(client, "Acme Haulage", "admin@acme.example")
        await client.patch(f"/api/users/{admin.id}", headers=admin.auth, json={"phone": "+1 555"})
        driver = await add_driver(client, admin, "dee@acme.example")
        vehicle = await add_vehicle(client, admin, vin="1HGCM82633A004352")
        account = await client.post(
            "/api/customers",
            headers=admin.auth,
            json={
                "name": "Globex",
                "billing_email": "ap@globex.example",
                "phone": "+1 312 555 0100",
                "billing_address": "1 Main St\nSpringfield",
            },
        )
        customer = account.json()
    ring = current_keyring()

    # Down: what the previous code expects (v1, customers' fields in clear, no scope).
    await runner.downgrade(fresh_engine, BEFORE_BOUND)
    [(phone, address)] = await _raw(fresh_engine, "SELECT phone, billing_address FROM customers")
    assert (phone, address) == ("+1 312 555 0100", "1 Main St\nSpringfield")
    [(user_phone,)] = await _raw(fresh_engine, "SELECT phone FROM users WHERE phone IS NOT NULL")
    assert user_phone.startswith("v1:") and ring.decrypt(user_phone) == "+1 555"
    [(licence,)] = await _raw(fresh_engine, "SELECT license_number FROM drivers")
    assert ring.decrypt(licence) == "D400-1234-5678"
    async with fresh_engine.begin() as conn:
        org = (await conn.execute(text("SELECT id FROM organizations"))).scalar_one()
        await conn.execute(
            text(
                "INSERT INTO idempotency_records (id, organization_id, key, route, request_hash,"
                " status_code, response_body, created_at) VALUES (:id, :org, 'k-1',"
                " 'POST /api/payments', 'h', 201, :body, CURRENT_TIMESTAMP)"
            ),
            {
                "id": uuid.uuid4() if PG_URL else uuid.uuid4().hex,
                "org": org,
                "body": '{"id": "x", "client_secret": "pi_1_secret_2"}',
            },
        )

    # Up again: every value bound to its row, nothing secret left in the records.
    await runner.upgrade(fresh_engine)
    [(phone, address)] = await _raw(fresh_engine, "SELECT phone, billing_address FROM customers")
    where = ("customers", customer["id"])
    assert phone.startswith("v2:") and "555" not in phone and "Main" not in address
    assert ring.decrypt(phone, column_context(where[0], "phone", uuid.UUID(where[1]))) == (
        "+1 312 555 0100"
    )
    [(user_phone,)] = await _raw(fresh_engine, "SELECT phone FROM users WHERE phone IS NOT NULL")
    assert ring.decrypt(user_phone, column_context("users", "phone", admin.id)) == "+1 555"
    [(key, scope, body)] = await _raw(
        fresh_engine, "SELECT key, scope, response_body FROM idempotency_records"
    )
    assert key == hashlib.sha256(b"k-1").hexdigest() and scope == "legacy"
    assert "pi_1_secret" not in str(body)
    async with running_client(base_settings(url, tmp_path)) as client:
        admin = await login(client, "admin@acme.example")
        read = (await client.get(f"/api/customers/{customer['id']}", headers=admin.auth)).json()
        assert (read["phone"], read["billing_address"]) == (
            "+1 312 555 0100",
            "1 Main St\nSpringfield",
        )
        got = await client.get(f"/api/drivers/{driver.id}", headers=admin.auth)
        assert got.json()["license_number"] == "D400-1234-5678"
        got = await client.get(f"/api/vehicles/{vehicle['id']}", headers=admin.auth)
        assert got.json()["vin"] == "1HGCM82633A004352"


async def test_vocabulary_checks_in_the_models_match_the_migrated_database(
    fresh_engine: AsyncEngine,
) -> None:
    """A status added to an enum without a migration fails here (autogenerate skips CHECKs)."""
    import re

    from sqlalchemy import CheckConstraint

    await runner.upgrade(fresh_engine)
    wanted = {
        (table.name, str(ck.name)): str(ck.sqltext)
        for table in Base.metadata.tables.values()
        for ck in table.constraints
        if isinstance(ck, CheckConstraint) and " IN (" in str(ck.sqltext)
    }
    assert {t for t, _ in wanted} >= {"drivers", "vehicles", "users", "invoices", "refunds"}
    async with fresh_engine.connect() as conn:
        found = await conn.run_sync(
            lambda c: {
                (t, ck["name"]): ck["sqltext"]
                for t in {t for t, _ in wanted}
                for ck in inspect(c).get_check_constraints(t)
            }
        )
    for key, text_ in wanted.items():
        # PostgreSQL gives back its own spelling (= ANY (ARRAY[...])): compare the values.
        assert re.findall(r"'([^']*)'", found[key]) == re.findall(r"'([^']*)'", text_), key
