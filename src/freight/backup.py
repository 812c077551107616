"""Backup and restore: pg_dump / pg_restore on PostgreSQL, the online backup API on SQLite.

PostgreSQL dumps use the custom format (compressed, restorable table by table). The
connection details go to the client tools through libpq's environment variables, so the
password never appears on a command line, in ``ps`` or in an error message.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Connection, make_url

from freight.db import create_engine
from freight.settings import Settings

# asyncpg's ``ssl`` query values, and libpq's own ``sslmode`` (passed through).
_SSL_MODES = {"true": "require", "false": "disable"}


class BackupError(Exception):
    """A backup or restore that could not be done; the message is safe to print."""


class NotEmptyError(BackupError):
    """Restore refused: the target database already holds data."""


def is_sqlite(database_url: str) -> bool:
    """True for the embedded SQLite database."""
    return make_url(database_url).get_backend_name() == "sqlite"


def sqlite_path(database_url: str) -> Path:
    """The file of a SQLite URL (an in-memory database cannot be backed up)."""
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database has no file to back up or restore")
    return Path(database)


def libpq_env(database_url: str) -> dict[str, str]:
    """libpq environment variables (PGHOST, PGPASSWORD, ...) for a SQLAlchemy PostgreSQL URL."""
    url: URL = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise BackupError(f"not a PostgreSQL URL: {url.get_backend_name()}")
    env = {
        "PGHOST": url.host or "",
        "PGPORT": str(url.port or ""),
        "PGUSER": url.username or "",
        "PGPASSWORD": url.password or "",
        "PGDATABASE": url.database or "",
    }
    ssl = url.query.get("sslmode") or url.query.get("ssl")
    if isinstance(ssl, str):
        env["PGSSLMODE"] = _SSL_MODES.get(ssl.lower(), ssl)
    return {key: value for key, value in env.items() if value}


def redacted(database_url: str) -> str:
    """The URL with its password hidden, for messages."""
    return make_url(database_url).render_as_string(hide_password=True)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools")
    return path


def _run(args: list[str], database_url: str) -> None:
    env = {**os.environ, **libpq_env(database_url)}
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        password = make_url(database_url).password
        detail = done.stderr.strip()
        if password:
            detail = detail.replace(password, "***")
        raise BackupError(f"{Path(args[0]).name} failed ({done.returncode}): {detail}")


def _has_data(conn: Connection) -> list[str]:
    """Why the connected database is not empty: alembic_version, or tables with rows."""
    reasons: list[str] = []
    for table in sorted(inspect(conn).get_table_names()):
        if table == "alembic_version":
            reasons.append("it is migrated (alembic_version exists)")
            continue
        quoted = conn.dialect.identifier_preparer.quote(table)
        if conn.execute(text(f"SELECT 1 FROM {quoted} LIMIT 1")).first() is not None:  # noqa: S608
            reasons.append(f"table {table} has rows")
    return reasons


async def non_empty_reasons(settings: Settings) -> list[str]:
    """Empty list when the configured database holds nothing a restore would overwrite."""
    engine = create_engine(settings)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_has_data)
    finally:
        await engine.dispose()


def backup(settings: Settings, file: Path) -> None:
    """Write a consistent copy of the configured database to ``file``.

    The copy goes to ``<file>.partial`` first and replaces ``file`` only once it is
    complete, verified and on disk: a failed or killed run leaves the previous backup as
    it was, and no partial file behind.
    """
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_name(file.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if is_sqlite(settings.database_url):
            _sqlite_backup(settings.database_url, partial)
        else:
            _pg_backup(settings.database_url, partial)
        _fsync(partial)
        partial.replace(file)
        _fsync(file.parent)  # the rename itself survives a crash
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _sqlite_backup(database_url: str, partial: Path) -> None:
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise BackupError(f"no database file at {source_path}")
    with _sqlite_connect(source_path) as source, _sqlite_connect(partial) as target:
        source.backup(target)
        if target.execute("PRAGMA quick_check").fetchone() != ("ok",):
            raise BackupError("the new backup failed its integrity check")


def _pg_backup(database_url: str, partial: Path) -> None:
    args = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
    _run([*args, f"--file={partial}"], database_url)
    # Read the whole archive back (table of contents and every data block): `--list`
    # alone reads only the table of contents, which a truncated dump still has.
    try:
        _run([_tool("pg_restore"), f"--file={os.devnull}", str(partial)], database_url)
    except BackupError as exc:
        raise BackupError(f"the new backup is unreadable, previous one kept: {exc}") from None


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def restore(settings: Settings, file: Path, force: bool = False) -> None:
    """Load ``file`` into the configured database; refuse a non-empty one unless ``force``.

    Runs its own event loop for the emptiness check: call it from synchronous code.
    """
    if not file.is_file():
        raise BackupError(f"no backup file at {file}")
    absent = is_sqlite(settings.database_url) and not sqlite_path(settings.database_url).exists()
    reasons = [] if absent else asyncio.run(non_empty_reasons(settings))
    if reasons and not force:
        raise NotEmptyError(
            f"refusing to restore into a non-empty database ({'; '.join(reasons)}); "
            "pass --force to replace its content"
        )
    if is_sqlite(settings.database_url):
        target_path = sqlite_path(settings.database_url)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        with _sqlite_connect(file) as source, _sqlite_connect(target_path) as target:
            if source.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise BackupError(f"{file} is not an intact SQLite database")
            source.backup(target)  # replaces every page of the target, in one transaction
        return
    dbname = make_url(settings.database_url).database or ""
    args = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
    args += ["--single-transaction", f"--dbname={dbname}"]
    if reasons:
        args += ["--clean", "--if-exists"]
    _run([*args, str(file)], settings.database_url)


def _sqlite_connect(path: Path) -> closing[sqlite3.Connection]:
    conn = sqlite3.connect(path, timeout=30)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise BackupError(f"{path} is not a SQLite database") from exc
    return closing(conn)
