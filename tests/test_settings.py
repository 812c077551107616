"""Settings refuse unsafe production values; the CLI refuses unsafe scale-out."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from freight.cli import app as cli
from freight.settings import DEFAULT_SECRET_KEY, Settings, get_settings

GOOD_KEYS = {"k1": "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="}


def test_production_refuses_the_default_secret_key() -> None:
    with pytest.raises(ValidationError, match="FREIGHT_SECRET_KEY"):
        Settings(
            env="production",
            secret_key=DEFAULT_SECRET_KEY,
            encryption_keys=GOOD_KEYS,
            encryption_key_id="k1",
        )


def test_production_refuses_a_short_secret_key() -> None:
    with pytest.raises(ValidationError, match="FREIGHT_SECRET_KEY"):
        Settings(
            env="production", secret_key="short", encryption_keys=GOOD_KEYS, encryption_key_id="k1"
        )


def test_production_requires_encryption_keys() -> None:
    with pytest.raises(ValidationError, match="FREIGHT_ENCRYPTION_KEYS"):
        Settings(env="production", secret_key="x" * 48)


def test_production_accepts_proper_secrets() -> None:
    settings = Settings(
        env="production", secret_key="x" * 48, encryption_keys=GOOD_KEYS, encryption_key_id="k1"
    )
    assert settings.env == "production"


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREIGHT_ACCESS_TOKEN_MINUTES", "5")
    monkeypatch.setenv("FREIGHT_CORS_ORIGINS", "https://a.example, https://b.example")
    settings = Settings()
    assert settings.access_token_minutes == 5
    assert settings.cors_origins == ["https://a.example", "https://b.example"]


def test_embedded_default_auto_migrates_and_postgres_does_not() -> None:
    assert Settings().should_auto_migrate
    assert not Settings(database_url="postgresql+asyncpg://u@h/db").should_auto_migrate


def test_serve_refuses_several_workers_on_the_embedded_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FREIGHT_DATABASE_URL", raising=False)
    monkeypatch.delenv("FREIGHT_REDIS_URL", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["serve", "--workers", "2"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "refusing --workers > 1" in result.output
