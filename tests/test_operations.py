"""Health, readiness and the error contract."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from tests.conftest import base_settings
from tests.helpers import assert_problem, running_client


async def test_health_reports_version_and_uptime(client: AsyncClient) -> None:
    resp = await client.get("/api/health")
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "ok" and body["version"] and body["uptime_s"] >= 0


async def test_ready_checks_the_database(client: AsyncClient) -> None:
    resp = await client.get("/api/ready")
    assert resp.status_code == 200
    assert resp.json()["checks"]["database"] == "ok"


async def test_ready_stays_200_but_names_redis_as_degraded_when_redis_is_down(
    clean_db: str, tmp_path: Path
) -> None:
    """Every process shares Redis: not-ready would eject them all, though the API works."""
    settings = base_settings(clean_db, tmp_path, redis_url="redis://127.0.0.1:1/0")
    async with running_client(settings) as http:
        resp = await http.get("/api/ready")
    assert resp.status_code == 200
    body = resp.json()
    assert (body["status"], body["down"], body["degraded"]) == ("degraded", [], ["redis"])
    assert body["checks"]["redis"] == "down"


async def test_unknown_route_is_problem_404(client: AsyncClient) -> None:
    assert_problem(await client.get("/api/no-such-thing"), 404, "not_found")


async def test_wrong_method_is_problem_405(client: AsyncClient) -> None:
    assert_problem(await client.delete("/api/health"), 405, "method_not_allowed")


async def test_validation_lists_each_bad_field(client: AsyncClient) -> None:
    resp = await client.post("/api/auth/register", json={"email": "nope", "password": "x"})
    body = assert_problem(resp, 422, "validation_error")
    locs = {tuple(e["loc"]) for e in body["errors"]}
    assert ("body", "email") in locs
    assert ("body", "organization_name") in locs
    assert ("body", "full_name") in locs


async def test_malformed_json_is_422_not_500(client: AsyncClient) -> None:
    resp = await client.post(
        "/api/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(resp, 422, "validation_error")


async def test_unexpected_failure_is_500_with_request_id_and_no_internals(
    app: FastAPI, client: AsyncClient, settings: object
) -> None:
    async def explode() -> None:
        raise RuntimeError("SELECT secret_column FROM internals")

    app.add_api_route("/api/test-explode", explode)
    resp = await client.get("/api/test-explode", headers={"X-Request-ID": "req-123"})
    body = assert_problem(resp, 500, "internal_error")
    assert body["request_id"] == "req-123"
    assert resp.headers["x-request-id"] == "req-123"
    assert "SELECT" not in resp.text and "RuntimeError" not in resp.text
    log = Path(app.state.ctx.settings.log_file).read_text()
    assert "RuntimeError" in log and "req-123" in log  # logged in full server-side


async def test_request_id_is_generated_and_security_headers_are_set(client: AsyncClient) -> None:
    resp = await client.get("/api/health")
    assert len(resp.headers["x-request-id"]) == 32
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["x-frame-options"] == "DENY"
    assert resp.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in resp.headers  # plain http here


async def test_hsts_is_sent_over_https(app: FastAPI) -> None:
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="https://freight.example") as http:
        resp = await http.get("/api/health")
    assert resp.headers["strict-transport-security"].startswith("max-age=")


async def test_a_bad_request_id_is_replaced(client: AsyncClient) -> None:
    resp = await client.get("/api/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert resp.headers["x-request-id"] != "bad id\twith spaces"


async def test_cors_is_closed_by_default(client: AsyncClient) -> None:
    resp = await client.get("/api/health", headers={"Origin": "https://random.example"})
    assert "access-control-allow-origin" not in resp.headers


async def test_cors_allows_only_configured_origins(clean_db: str, tmp_path: Path) -> None:
    settings = base_settings(clean_db, tmp_path, cors_origins="https://app.example")
    async with running_client(settings) as http:
        ok = await http.get("/api/health", headers={"Origin": "https://app.example"})
        bad = await http.get("/api/health", headers={"Origin": "https://random.example"})
    assert ok.headers["access-control-allow-origin"] == "https://app.example"
    assert "access-control-allow-origin" not in bad.headers


async def test_nul_characters_are_refused_by_field_name(client: AsyncClient) -> None:
    resp = await client.post(
        "/api/auth/register",
        json={
            "organization_name": "Acme\x00",
            "email": "a@acme.example",
            "password": "long-password-1",
            "full_name": "A",
        },
    )
    assert ["body", "organization_name"] in [e["loc"] for e in assert_problem(resp, 422)["errors"]]


async def test_tampered_cursors_are_422(client: AsyncClient) -> None:
    import base64
    import json

    from tests.helpers import register

    admin = await register(client, "Acme", "admin@acme.example")
    for raw in (["2026-01-01T00:00:00", "0" * 32], ["9999-12-31T23:59:59-14:00", "0" * 32]):
        cursor = base64.urlsafe_b64encode(json.dumps(raw).encode()).decode()
        resp = await client.get("/api/customers", headers=admin.auth, params={"cursor": cursor})
        assert assert_problem(resp, 422)["errors"][0]["loc"] == ["query", "cursor"]
