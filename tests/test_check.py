"""``freight check``: each unsafe production setting is reported; a clean configuration passes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from freight.cli import app as cli
from freight.preflight import Severity, run_checks
from freight.settings import DEFAULT_SECRET_KEY, get_settings

KEY = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="
PRODUCTION = {
    "FREIGHT_ENV": "production",
    "FREIGHT_SECRET_KEY": "s" * 48,
    "FREIGHT_ENCRYPTION_KEYS": json.dumps({"k1": KEY}),
    "FREIGHT_ENCRYPTION_KEY_ID": "k1",
    "FREIGHT_DATABASE_URL": "postgresql+asyncpg://freight:pw@db:5432/freight",
    "FREIGHT_REDIS_URL": "redis://redis:6379/0",
    "FREIGHT_PUBLIC_BASE_URL": "https://freight.example.com",
    "FREIGHT_CORS_ORIGINS": "https://app.freight.example.com",
    "FREIGHT_METRICS_TOKEN": "m" * 40,
}


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """A clean production environment (no FREIGHT_* from the caller, no .env file)."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("FREIGHT_"):
            monkeypatch.delenv(name)
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def check(*args: str) -> Result:
    return CliRunner().invoke(cli, ["check", *args])


def flagged(workers: int = 1) -> dict[str, Severity]:
    return {f.setting: f.severity for f in run_checks(workers)}


def test_a_clean_production_configuration_passes(environ: pytest.MonkeyPatch) -> None:
    result = check("--workers", "4", "--strict")
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output


@pytest.mark.parametrize(
    ("name", "value", "setting"),
    [
        ("FREIGHT_ENV", "development", "FREIGHT_ENV"),
        ("FREIGHT_SECRET_KEY", DEFAULT_SECRET_KEY, "FREIGHT_SECRET_KEY"),
        ("FREIGHT_SECRET_KEY", "too-short", "FREIGHT_SECRET_KEY"),
        ("FREIGHT_DB_ECHO", "true", "FREIGHT_DB_ECHO"),
        ("FREIGHT_CORS_ORIGINS", "*", "FREIGHT_CORS_ORIGINS"),
        ("FREIGHT_DATABASE_URL", "sqlite+aiosqlite:///./data/freight.db", "FREIGHT_DATABASE_URL"),
        ("FREIGHT_STRIPE_SECRET_KEY", "sk_live_abc", "FREIGHT_STRIPE_WEBHOOK_SECRET"),
    ],
)
def test_each_unsafe_setting_is_an_error(
    environ: pytest.MonkeyPatch, name: str, value: str, setting: str
) -> None:
    environ.setenv(name, value)

    result = check()

    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("ERROR")]
    assert len(lines) == 1, result.output
    assert setting in lines[0]
    assert "1 error(s)" in result.output
    assert value not in lines[0] or name in ("FREIGHT_ENV", "FREIGHT_CORS_ORIGINS")


def test_a_short_secret_is_reported_not_raised(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("FREIGHT_SECRET_KEY", "tiny")
    result = check()
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "4 characters, shorter than 32" in result.output
    assert "tiny" not in result.output


def test_missing_encryption_keys_are_an_error(environ: pytest.MonkeyPatch) -> None:
    environ.delenv("FREIGHT_ENCRYPTION_KEYS")
    environ.delenv("FREIGHT_ENCRYPTION_KEY_ID")
    assert flagged() == {"FREIGHT_ENCRYPTION_KEYS": Severity.ERROR}


def test_every_refusal_is_reported_at_once(environ: pytest.MonkeyPatch) -> None:
    environ.delenv("FREIGHT_SECRET_KEY")
    environ.delenv("FREIGHT_ENCRYPTION_KEYS")
    environ.delenv("FREIGHT_ENCRYPTION_KEY_ID")
    environ.setenv("FREIGHT_CORS_ORIGINS", "*")
    assert flagged() == {
        "FREIGHT_SECRET_KEY": Severity.ERROR,
        "FREIGHT_ENCRYPTION_KEYS": Severity.ERROR,
        "FREIGHT_CORS_ORIGINS": Severity.ERROR,
    }


def test_an_invalid_value_is_reported(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("FREIGHT_DB_POOL_SIZE", "0")
    result = check()
    assert result.exit_code == 1
    assert "FREIGHT_DB_POOL_SIZE" in result.output


def test_no_redis_is_an_error_only_with_several_workers(environ: pytest.MonkeyPatch) -> None:
    environ.delenv("FREIGHT_REDIS_URL")
    assert flagged(workers=1) == {"FREIGHT_REDIS_URL": Severity.WARNING}
    assert flagged(workers=3) == {"FREIGHT_REDIS_URL": Severity.ERROR}
    assert check("--workers", "1").exit_code == 0
    assert check("--workers", "1", "--strict").exit_code == 1
    assert check("--workers", "3").exit_code == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FREIGHT_LOG_LEVEL", "DEBUG"),
        ("FREIGHT_PUBLIC_BASE_URL", "http://freight.example.com"),
        ("FREIGHT_CORS_ORIGINS", "http://app.freight.example.com"),
        ("FREIGHT_RATE_LIMIT_ENABLED", "false"),
    ],
)
def test_warnings_pass_unless_strict(environ: pytest.MonkeyPatch, name: str, value: str) -> None:
    environ.setenv(name, value)
    assert flagged() == {name: Severity.WARNING}
    assert check().exit_code == 0
    assert check("--strict").exit_code == 1


def test_stripe_with_its_webhook_secret_is_fine(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("FREIGHT_STRIPE_SECRET_KEY", "sk_live_abc")
    environ.setenv("FREIGHT_STRIPE_WEBHOOK_SECRET", "whsec_abc")
    assert flagged() == {}


def test_open_metrics_are_an_error(environ: pytest.MonkeyPatch) -> None:
    environ.delenv("FREIGHT_METRICS_TOKEN")
    assert flagged() == {"FREIGHT_METRICS_TOKEN": Severity.ERROR}
