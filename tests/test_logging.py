"""No password, token, key or personal secret ever reaches a log line."""

from __future__ import annotations

import json
import logging

import structlog
from fastapi import FastAPI
from httpx import AsyncClient

from freight.observability.logging import REDACTED, redact
from tests.helpers import PASSWORD, Session


async def test_log_file_holds_no_secret_after_login_and_authenticated_calls(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    login = await client.post(
        "/api/auth/login",
        json={"email": "admin@acme.example", "password": PASSWORD},
        headers={"Cookie": "session=cookie-secret-value"},
    )
    tokens = login.json()
    key = (
        await client.post(
            "/api/api-keys", headers=admin.auth, json={"name": "gps", "role": "driver"}
        )
    ).json()["key"]
    await client.get("/api/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    await client.get("/api/health", headers={"X-API-Key": key})
    await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    structlog.get_logger("freight.test").info(
        "diagnostic", password=PASSWORD, headers={"Authorization": "Bearer abc"}, note=key
    )
    for handler in logging.getLogger().handlers:
        handler.flush()

    log = app.state.ctx.settings.log_file.read_text()
    lines = [json.loads(line) for line in log.splitlines()]
    assert any(line.get("path") == "/api/auth/me" for line in lines)  # requests are logged
    for secret in (
        PASSWORD,
        tokens["access_token"],
        tokens["refresh_token"],
        admin.access_token,
        key,
        "cookie-secret-value",
    ):
        assert secret not in log


def test_redaction_masks_sensitive_keys_and_credential_shaped_values() -> None:
    event = redact(
        None,
        "info",
        {
            "event": "payment with card 4242 4242 4242 4242 by Bearer eyJabc.def.ghi",
            "license_number": "D1234567",
            "nested": {"api_key": "frk_x", "ok": "visible", "list": ["frt_" + "a" * 40]},
            "Authorization": "Bearer zzz",
        },
    )
    assert event["license_number"] == REDACTED
    assert event["Authorization"] == REDACTED
    assert event["nested"]["api_key"] == REDACTED
    assert event["nested"]["ok"] == "visible"
    assert event["nested"]["list"] == [REDACTED]
    assert "4242" not in event["event"] and "eyJ" not in event["event"]
