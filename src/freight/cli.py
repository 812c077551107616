"""The ``freight`` command: serve, worker, check, db, users, seed, keys."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar
from urllib.parse import urlsplit

import typer
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from freight.access import Role
from freight.db import create_engine, create_session_factory
from freight.demo import DEMO_USERS, seed_demo
from freight.demo.banner import Announcement, already_seeded, banner
from freight.identity import service as identity
from freight.identity.schemas import UserCreate
from freight.migrations import runner
from freight.security.encryption import configure_keyring, generate_key, keyring_from_settings
from freight.security.key_rotation import rotate_keys
from freight.security.passwords import PasswordHasher
from freight.settings import Settings, get_settings
from freight.storage import FileStore

app = typer.Typer(help="Freight operations platform.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations, backup and restore.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
keys_app = typer.Typer(help="Field-encryption keys.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident event log.", no_args_is_help=True)
tracking_app = typer.Typer(help="GPS positions.", no_args_is_help=True)
reports_app = typer.Typer(help="Reports.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(tracking_app, name="tracking")
app.add_typer(reports_app, name="reports")

T = TypeVar("T")


def _with_engine(work: Callable[[AsyncEngine, Settings], Awaitable[T]]) -> T:
    settings = get_settings()
    configure_keyring(keyring_from_settings(settings))

    async def go() -> T:
        engine = create_engine(settings)
        try:
            return await work(engine, settings)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _in_transaction(work: Callable[[AsyncSession, Settings], Awaitable[T]]) -> T:
    async def go(engine: AsyncEngine, settings: Settings) -> T:
        async with create_session_factory(engine)() as session:
            result = await work(session, settings)
            await session.commit()
            return result

    return _with_engine(go)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
    demo: Annotated[bool, typer.Option(help="seed demo data first if absent")] = False,
) -> None:
    """Serve the API (and migrate first on the embedded SQLite default)."""
    settings = get_settings()
    if workers > 1 and settings.is_embedded:
        typer.echo(
            "refusing --workers > 1: the embedded default keeps fan-out, cache and rate limits "
            "in one process. Set FREIGHT_DATABASE_URL (PostgreSQL) and FREIGHT_REDIS_URL.",
            err=True,
        )
        raise typer.Exit(2)
    if settings.should_auto_migrate:
        _with_engine(lambda engine, _s: runner.upgrade(engine))
    announcement = None
    if demo:
        url = _browser_url(host, port)
        announcement = Announcement(_seed(url), urlsplit(url).hostname or host, port)
        announcement.start()
    from freight.observability.instrumentation import prepare_multiprocess_dir
    from freight.serving import uvicorn_options

    if workers > 1 and settings.log_file is not None:
        # Each worker would rotate the same file on its own and lose lines: the workers
        # inherit this and log to stdout only, which the supervisor collects.
        os.environ["FREIGHT_LOG_FILE"] = "off"
        typer.echo(
            f"--workers {workers}: logging to stdout only (FREIGHT_LOG_FILE={settings.log_file} "
            "is for a single process; several cannot rotate one file safely)",
            err=True,
        )
    # Several workers share one metrics directory, set before they start (and import).
    metrics_dir, made = prepare_multiprocess_dir(workers)
    try:
        uvicorn.run(
            "freight.app:create_asgi",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            **uvicorn_options(settings),
        )
    finally:
        if announcement is not None:
            announcement.flush()
        if made and metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


@app.command()
def worker(
    metrics_port: Annotated[
        int | None, typer.Option(help="serve this process's Prometheus metrics on this port")
    ] = None,
    metrics_host: Annotated[str, typer.Option(help="address for --metrics-port")] = "127.0.0.1",
) -> None:
    """Run the outbox worker (webhook deliveries) until SIGTERM or SIGINT.

    Run as many as you like, on any hosts (PostgreSQL hands each job to one of them);
    set FREIGHT_WORKER_IN_PROCESS=false on the API processes if these do all the work.
    """
    import signal

    from prometheus_client import start_http_server

    from freight.background import run_worker_process
    from freight.observability.logging import configure_logging

    settings = get_settings()
    configure_logging(settings)
    configure_keyring(keyring_from_settings(settings))
    if metrics_port is not None:
        start_http_server(metrics_port, metrics_host)

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_worker_process(settings, stop)

    asyncio.run(go())


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Migrate the database up (to the newest revision by default)."""
    _with_engine(lambda engine, _s: runner.upgrade(engine, revision))
    typer.echo(f"database upgraded to {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: str = "-1") -> None:
    """Migrate the database down (one revision by default; 'base' empties it)."""
    _with_engine(lambda engine, _s: runner.downgrade(engine, revision))
    typer.echo(f"database downgraded to {revision}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision and the newest one."""
    current = _with_engine(lambda engine, _s: runner.current_revision(engine))
    typer.echo(f"current: {current or 'none'}  head: {runner.head_revision()}")


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="where to write the backup", dir_okay=False)],
) -> None:
    """Back up the database: pg_dump (custom format) or SQLite's online backup."""
    from freight import backup

    settings = get_settings()
    try:
        backup.backup(settings, file)
    except backup.BackupError as exc:
        typer.echo(f"backup failed: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"backed up {backup.redacted(settings.database_url)} to {file}")


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="a file written by `freight db backup`")],
    force: Annotated[
        bool, typer.Option("--force", help="replace the content of a non-empty database")
    ] = False,
) -> None:
    """Restore a backup into the database; refuses a non-empty one without --force."""
    from freight import backup

    settings = get_settings()
    try:
        backup.restore(settings, file, force=force)
    except backup.NotEmptyError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(3) from None
    except backup.BackupError as exc:
        typer.echo(f"restore failed: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"restored {file} into {backup.redacted(settings.database_url)}")


@app.command()
def check(
    workers: Annotated[
        int, typer.Option(min=1, help="worker processes per host you plan to run")
    ] = 1,
    strict: Annotated[bool, typer.Option(help="fail on warnings too")] = False,
) -> None:
    """Pre-flight for production: list unsafe settings; exit 1 on any error."""
    from freight.preflight import Severity, run_checks

    findings = run_checks(workers)
    for finding in findings:
        typer.echo(finding.line())
    errors = sum(f.severity is Severity.ERROR for f in findings)
    warnings = len(findings) - errors
    typer.echo(f"{errors} error(s), {warnings} warning(s)")
    if errors or (strict and warnings):
        raise typer.Exit(1)


@users_app.command("create")
def users_create(
    email: str,
    full_name: Annotated[str, typer.Option("--name")],
    role: Annotated[Role, typer.Option()] = Role.ADMIN,
    organization: Annotated[str | None, typer.Option(help="organisation id")] = None,
    password: Annotated[str | None, typer.Option(prompt=True, hide_input=True)] = None,
) -> None:
    """Create a user in an organisation (a new organisation when none is given)."""
    import uuid

    from freight.access import Actor
    from freight.identity.models import Organization

    async def work(session: AsyncSession, settings: Settings) -> str:
        if organization is None:
            org = Organization(name=f"{full_name}'s organisation")
            session.add(org)
            await session.flush()
            org_id = org.id
        else:
            org_id = uuid.UUID(organization)
        actor = Actor(organization_id=org_id, role=Role.ADMIN)
        body = UserCreate(email=email, full_name=full_name, role=role, password=password or "")
        user = await identity.create_user(
            session, actor, PasswordHasher(settings), body, settings.password_min_length
        )
        return f"created {user.role} {user.email} ({user.id}) in organisation {org_id}"

    typer.echo(_in_transaction(work))


@users_app.command("set-password")
def users_set_password(
    email: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    organization: Annotated[
        str | None, typer.Option(help="organisation id, when the email is in several")
    ] = None,
) -> None:
    """Set a user's password and end their sessions."""
    import uuid

    from sqlalchemy import select

    from freight.access import Actor
    from freight.identity.models import User
    from freight.identity.schemas import UserUpdate

    async def work(session: AsyncSession, settings: Settings) -> str:
        query = select(User).where(User.email == identity.normalise_email(email))
        if organization is not None:
            query = query.where(User.organization_id == uuid.UUID(organization))
        users = list(await session.scalars(query))
        if not users:
            raise typer.BadParameter(f"no user {email}")
        if len(users) > 1:
            orgs = ", ".join(str(u.organization_id) for u in users)
            raise typer.BadParameter(
                f"{email} is a user of several organisations ({orgs}): pass --organization"
            )
        user = users[0]
        actor = Actor(organization_id=user.organization_id, role=Role.ADMIN)
        await identity.update_user(
            session,
            actor,
            PasswordHasher(settings),
            user.id,
            UserUpdate(password=password),
            settings.password_min_length,
        )
        return f"password changed for {user.email}"

    typer.echo(_in_transaction(work))


def _browser_url(host: str, port: int) -> str:
    """Where a browser on this machine reaches the server (any address: the loopback)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 (comparing)
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def _seed(url: str) -> list[str]:
    """Seed the demo if absent; the lines that say where to go and how to sign in."""

    async def work(session: AsyncSession, settings: Settings) -> list[str]:
        store = FileStore(settings.file_store_dir)
        logins = await seed_demo(session, PasswordHasher(settings), store, settings)
        if logins is None:
            return already_seeded(url, DEMO_USERS[1][1])
        return banner(logins, url)

    return _in_transaction(work)


@app.command()
def seed(
    demo: Annotated[bool, typer.Option(help="the demo organisation and users")] = True,
) -> None:
    """Load demo data into a migrated database."""
    if demo:
        for line in _seed("http://127.0.0.1:8000"):
            typer.echo(line)


@keys_app.command("generate")
def keys_generate() -> None:
    """Print a new random key for FREIGHT_ENCRYPTION_KEYS."""
    typer.echo(generate_key())


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every encrypted value under FREIGHT_ENCRYPTION_KEY_ID."""

    async def work(session: AsyncSession, settings: Settings) -> dict[str, int]:
        return await rotate_keys(session, keyring_from_settings(settings))

    for column, count in _in_transaction(work).items():
        typer.echo(f"{column}: {count} re-encrypted")


def new_secret_key() -> str:
    """A random secret suitable for FREIGHT_SECRET_KEY."""
    return secrets.token_urlsafe(48)


@app.command("secret-key")
def secret_key() -> None:
    """Print a new random FREIGHT_SECRET_KEY."""
    typer.echo(new_secret_key())


@audit_app.command("verify")
def audit_verify() -> None:
    """Check every shipment's hash chain; exit 1 listing each altered or reordered event."""
    from freight.events import ChainProblem, verify_chains

    async def work(session: AsyncSession, _settings: Settings) -> list[ChainProblem]:
        return [problem async for problem in verify_chains(session)]

    problems = _in_transaction(work)
    for p in problems:
        where = f"event {p.event_id or '-'} (shipment {p.shipment_id}, seq {p.seq})"
        typer.echo(f"{where}: {p.problem}")
    if problems:
        typer.echo(f"{len(problems)} problem(s) found", err=True)
        raise typer.Exit(1)
    typer.echo("event log intact")


@tracking_app.command("prune")
def tracking_prune(
    days: Annotated[
        int | None, typer.Option(min=1, help="keep this many days (default: the retention)")
    ] = None,
    batch: Annotated[int, typer.Option(min=1, max=100_000, help="rows per transaction")] = 5000,
) -> None:
    """Delete GPS fixes older than FREIGHT_GPS_RETENTION_DAYS, a batch at a time."""
    from datetime import timedelta

    from freight.db import utcnow
    from freight.tracking.track import prune_all

    async def work(engine: AsyncEngine, settings: Settings) -> tuple[int, str]:
        before = utcnow() - timedelta(days=days or settings.gps_retention_days)
        deleted = await prune_all(create_session_factory(engine), before, batch)
        return deleted, before.isoformat(timespec="seconds")

    deleted, before = _with_engine(work)
    typer.echo(f"deleted {deleted} position(s) recorded before {before}")


@reports_app.command("weekly-mail")
def reports_weekly_mail() -> None:
    """Last week's figures to each organisation's admins (run from cron on Mondays; a
    second run in the same week sends nothing)."""
    from freight.db import utcnow
    from freight.reports.weekly import record_all

    async def work(engine: AsyncEngine, _settings: Settings) -> int:
        return await record_all(create_session_factory(engine), utcnow())

    made = _with_engine(work)
    typer.echo(f"weekly report recorded for {made} organisation(s); the outbox mails it")


if __name__ == "__main__":
    app()
