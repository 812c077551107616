"""``freight db backup`` / ``restore``: a round trip keeps every row; non-empty targets are refused.

Runs on the database under test: SQLite's online backup by default, pg_dump / pg_restore
when ``FREIGHT_TEST_DATABASE_URL`` points at PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import delete, inspect, select, table, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner, Result

from freight import backup
from freight.cli import app as cli
from freight.db import Base, create_engine, create_session_factory
from freight.events import Event
from freight.identity.models import Organization
from freight.migrations import runner
from freight.settings import Settings, get_settings
from tests.conftest import PG_URL
from tests.fleet_helpers import add_driver, assign, book_load
from tests.helpers import Session, add_customer, register

Snapshot = dict[str, list[str]]


def freight(database_url: str, *args: str) -> Result:
    """Run the CLI in this process against ``database_url``."""
    get_settings.cache_clear()
    env = {"FREIGHT_DATABASE_URL": database_url, "FREIGHT_LOG_FILE": "off"}
    try:
        return CliRunner().invoke(cli, list(args), env=env)
    finally:
        get_settings.cache_clear()


async def run_freight(database_url: str, *args: str) -> Result:
    """The CLI from an async test: it runs its own event loop, so on a thread."""
    return await asyncio.to_thread(freight, database_url, *args)


def _rows(conn: Connection) -> Snapshot:
    names = set(inspect(conn).get_table_names())
    snapshot: Snapshot = {}
    for name in sorted(names):
        t = Base.metadata.tables.get(name)
        query = select(t) if t is not None else select(text("*")).select_from(table(name))
        snapshot[name] = sorted(repr(tuple(row)) for row in conn.execute(query))
    return snapshot


async def snapshot(database_url: str) -> Snapshot:
    """Every table's rows (as sorted reprs), read through the application's engine."""
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_rows)
    finally:
        await engine.dispose()


@pytest.fixture
async def scratch_url(tmp_path: Path) -> AsyncIterator[str]:
    """A brand-new, empty database of the kind under test (not migrated)."""
    if not PG_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'scratch' / 'restored.db'}"
        return
    name = f"freight_restore_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            await conn.execute(text(f'DROP DATABASE "{name}"'))
        await admin.dispose()


@pytest.fixture
async def populated(client: AsyncClient, admin: Session) -> dict[str, Any]:
    """Two organisations, customers, a driver and shipments (one assigned), with events."""
    customer = await add_customer(client, admin)
    driver = await add_driver(client, admin, "dana@acme.example")
    first = await book_load(client, admin, customer)
    await book_load(client, admin, customer)
    await assign(client, admin, first["id"], driver)
    rival = await register(client, "Rival Logistics", "admin@rival.example")
    await book_load(client, rival, await add_customer(client, rival, "Initech"))
    return first


def _counts(snap: Snapshot) -> dict[str, int]:
    return {name: len(rows) for name, rows in snap.items()}


async def test_round_trip_into_an_empty_database_keeps_every_row(
    populated: dict[str, Any], clean_db: str, scratch_url: str, tmp_path: Path
) -> None:
    before = await snapshot(clean_db)
    counts = _counts(before)
    for name in ("organizations", "users", "customers", "drivers", "shipments", "events"):
        assert counts[name] > 0, name
    assert before["alembic_version"] == [repr((runner.head_revision(),))]
    dump = tmp_path / "backups" / "freight.dump"

    made = await run_freight(clean_db, "db", "backup", str(dump))
    assert made.exit_code == 0, made.output
    assert dump.stat().st_size > 0
    restored = await run_freight(scratch_url, "db", "restore", str(dump))
    assert restored.exit_code == 0, restored.output

    after = await snapshot(scratch_url)
    assert _counts(after) == counts
    assert after == before
    assert populated["reference"] in "".join(after["shipments"])


async def test_restore_refuses_a_non_empty_database_without_force(
    populated: dict[str, Any], clean_db: str, tmp_path: Path
) -> None:
    dump = tmp_path / "freight.dump"
    assert (await run_freight(clean_db, "db", "backup", str(dump))).exit_code == 0
    before = await snapshot(clean_db)

    refused = await run_freight(clean_db, "db", "restore", str(dump))

    assert refused.exit_code == 3
    assert "refusing to restore into a non-empty database" in refused.output
    assert "--force" in refused.output
    assert await snapshot(clean_db) == before


async def test_a_migrated_but_empty_database_is_not_empty(
    clean_db: str, scratch_url: str, tmp_path: Path
) -> None:
    dump = tmp_path / "freight.dump"
    assert (await run_freight(clean_db, "db", "backup", str(dump))).exit_code == 0
    assert (await run_freight(scratch_url, "db", "upgrade")).exit_code == 0

    refused = await run_freight(scratch_url, "db", "restore", str(dump))

    assert refused.exit_code == 3
    assert "alembic_version" in refused.output


async def test_force_replaces_the_content_of_a_non_empty_database(
    populated: dict[str, Any], clean_db: str, scratch_url: str, tmp_path: Path
) -> None:
    dump = tmp_path / "freight.dump"
    assert (await run_freight(clean_db, "db", "backup", str(dump))).exit_code == 0
    expected = await snapshot(clean_db)
    assert (await run_freight(scratch_url, "db", "restore", str(dump))).exit_code == 0
    engine = create_engine(Settings(database_url=scratch_url))
    try:
        async with create_session_factory(engine)() as session:  # diverge from the backup
            session.add(Organization(name="Written after the backup"))
            await session.execute(delete(Event))
            await session.commit()
    finally:
        await engine.dispose()
    assert await snapshot(scratch_url) != expected

    assert (await run_freight(scratch_url, "db", "restore", str(dump))).exit_code == 3
    forced = await run_freight(scratch_url, "db", "restore", str(dump), "--force")

    assert forced.exit_code == 0, forced.output
    assert await snapshot(scratch_url) == expected


def test_restore_of_a_missing_file_fails_cleanly(tmp_path: Path) -> None:
    result = freight(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", "db", "restore", "nope.dump")
    assert result.exit_code == 1
    assert "no backup file" in result.output


def test_sqlite_restore_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    result = freight(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", "db", "restore", str(junk))
    assert result.exit_code == 1
    assert "not a SQLite database" in result.output
    assert not (tmp_path / "x.db").exists() or (tmp_path / "x.db").stat().st_size == 0


def test_libpq_environment_carries_the_password_not_the_command_line() -> None:
    url = "postgresql+asyncpg://freight:p%40ss-w0rd@db.internal:6543/freight_prod?ssl=require"
    assert backup.libpq_env(url) == {
        "PGHOST": "db.internal",
        "PGPORT": "6543",
        "PGUSER": "freight",
        "PGPASSWORD": "p@ss-w0rd",
        "PGDATABASE": "freight_prod",
        "PGSSLMODE": "require",
    }
    assert "p@ss-w0rd" not in backup.redacted(url)
    assert "p%40ss" not in backup.redacted(url)


def test_a_failed_pg_dump_does_not_print_the_password(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://freight:Hunter2-secret@127.0.0.1:1/nowhere"
    result = freight(url, "db", "backup", str(tmp_path / "x.dump"))
    assert result.exit_code == 1
    assert "pg_dump failed" in result.output
    assert "Hunter2-secret" not in result.output


def _broken_pg_dump(bin_dir: Path, then: str) -> dict[str, str]:
    """A ``pg_dump`` on PATH that runs the real one, cuts its output in half, then ``then``."""
    real = backup._tool("pg_dump")
    bin_dir.mkdir()
    script = bin_dir / "pg_dump"
    script.write_text(
        "#!/bin/sh\n"
        f'"{real}" "$@" || exit $?\n'
        'for a in "$@"; do case "$a" in --file=*) out="${a#--file=}";; esac; done\n'
        'truncate -s $(( $(stat -c %s "$out") / 2 )) "$out"\n'
        f"{then}\n"
    )
    script.chmod(0o755)
    return {"PATH": f"{bin_dir}:{os.environ['PATH']}"}


@pytest.mark.skipif(not PG_URL, reason="pg_dump backs up PostgreSQL only")
@pytest.mark.parametrize("then", ["kill -9 $$", "exit 0"], ids=["killed", "silently-short"])
async def test_a_failed_pg_dump_keeps_the_previous_backup(
    populated: dict[str, Any], clean_db: str, tmp_path: Path, then: str
) -> None:
    """A killed pg_dump (or one that wrote a short file and said it succeeded) must not
    replace the last good backup, nor leave a partial file for someone to restore."""
    dump = tmp_path / "backups" / "freight.dump"
    assert (await run_freight(clean_db, "db", "backup", str(dump))).exit_code == 0
    good = dump.read_bytes()

    env = _broken_pg_dump(tmp_path / "bin", then)
    failed = await asyncio.to_thread(_freight_with, env, clean_db, "db", "backup", str(dump))

    assert failed.exit_code == 1, failed.output
    assert "backup failed" in failed.output
    assert dump.read_bytes() == good
    assert sorted(p.name for p in dump.parent.iterdir()) == ["freight.dump"]


def test_sqlite_backup_replaces_the_file_only_when_complete(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'db' / 'freight.db'}"
    assert freight(url, "db", "upgrade").exit_code == 0
    dump = tmp_path / "freight.backup"
    assert freight(url, "db", "backup", str(dump)).exit_code == 0
    good = dump.read_bytes()
    (tmp_path / "db" / "freight.db").write_bytes(b"not a database" * 100)

    assert freight(url, "db", "backup", str(dump)).exit_code == 1
    assert dump.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db", "freight.backup"]


def _freight_with(extra_env: dict[str, str], database_url: str, *args: str) -> Result:
    get_settings.cache_clear()
    env = {"FREIGHT_DATABASE_URL": database_url, "FREIGHT_LOG_FILE": "off", **extra_env}
    try:
        return CliRunner().invoke(cli, list(args), env=env)
    finally:
        get_settings.cache_clear()
