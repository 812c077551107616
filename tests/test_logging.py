"""No password, token, key or personal secret ever reaches a log line."""

from __future__ import annotations

import http.client
import json
import logging
from pathlib import Path

import pytest
import structlog
from fastapi import FastAPI
from httpx import AsyncClient

from freight.observability.logging import REDACTED, redact
from tests.conftest import PG_URL, REDIS_URL
from tests.helpers import PASSWORD, Session
from tests.test_serve import serve_env, start_serve, stop


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


@pytest.mark.skipif(not (PG_URL and REDIS_URL), reason="several workers need PostgreSQL and Redis")
def test_several_workers_log_to_stdout_only(clean_db: str, tmp_path: Path) -> None:
    """Workers each rotating one shared file lose lines after a rotation: with more than
    one worker the file is off and every line goes to stdout (which the supervisor keeps)."""
    log_file = tmp_path / "logs" / "freight.log"
    env = serve_env(
        tmp_path,
        FREIGHT_DATABASE_URL=clean_db,
        FREIGHT_REDIS_URL=REDIS_URL or "",
        FREIGHT_AUTO_MIGRATE="false",
        FREIGHT_LOG_FILE=str(log_file),
        FREIGHT_LOG_LEVEL="INFO",
    )
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        server, port = start_serve(env, "--workers", "2", stdout=stdout, stderr=stderr)
        try:
            for _ in range(20):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/api/health")
                conn.getresponse().read()
                conn.close()
        finally:
            stop(server)
    assert not log_file.exists()
    assert "logging to stdout only" in err.read_text()
    requests = [
        json.loads(line)
        for line in out.read_text().splitlines()
        if line.startswith("{") and '"event": "request"' in line
    ]
    assert len(requests) >= 20  # ours, and start_serve's readiness probes
