"""GET /metrics: route templates and status classes, business gauges, token, no ids."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from freight.app import create_app
from freight.settings import Settings
from tests.conftest import base_settings
from tests.helpers import Session, login
from tests.observability.helpers import names, value

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


async def scrape(client: AsyncClient, **headers: str) -> str:
    resp = await client.get("/metrics", headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain")
    return resp.text


async def test_requests_are_labelled_by_route_template_and_status_class(
    client: AsyncClient, admin: Session
) -> None:
    route = "/api/shipments/{shipment_id}"
    before = await scrape(client)
    missing = uuid.uuid4()
    for _ in range(3):
        resp = await client.get(f"/api/shipments/{missing}", headers=admin.auth)
        assert resp.status_code == 404
    assert (await client.get("/api/health")).status_code == 200
    assert (await client.get(f"/no/such/path/{missing}")).status_code == 404
    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("freight_http_requests_total", method="GET", route=route, status="4xx") == 3
    assert delta("freight_http_requests_total", method="GET", route=route, status="2xx") == 0
    assert (
        delta("freight_http_requests_total", method="GET", route="/api/health", status="2xx") == 1
    )
    assert delta("freight_http_requests_total", method="GET", route="unmatched", status="4xx") == 1
    assert delta("freight_http_request_duration_seconds_count", method="GET", route=route) == 3
    assert (
        value(
            after,
            "freight_http_request_duration_seconds_bucket",
            method="GET",
            route=route,
            le="+Inf",
        )
        >= 3
    )
    assert str(missing) not in after
    assert not UUID_RE.search(after), "an id leaked into a label"
    assert "/no/such/path" not in after


async def test_business_gauges_dependencies_and_defaults(
    client: AsyncClient, admin: Session
) -> None:
    assert (await client.get("/api/ready")).status_code == 200
    text = await scrape(client)
    assert value(text, "freight_shipments", status="pending") == 0
    assert value(text, "freight_drivers_available") == 0
    assert value(text, "freight_dependency_up", dependency="database") == 1
    assert value(text, "freight_cache_entries", backend="memory") >= 0
    exported = names(text)
    for name in (
        "process_resident_memory_bytes",
        "process_cpu_seconds_total",
        "process_start_time_seconds",
        "freight_http_requests_in_progress",
        "freight_gps_fixes_dropped_total",
        "freight_payments_total",
        "freight_ratelimit_rejected_requests_total",
        "freight_ws_connections",
        "freight_db_pool_connections_in_use",
        "freight_build_info",
    ):
        assert name in exported, name


async def test_business_gauges_are_read_at_most_once_per_cache_period(
    client: AsyncClient, app: FastAPI, admin: Session
) -> None:
    await scrape(client)
    await scrape(client)
    await scrape(client)
    assert app.state.metrics_scraper.refreshes == 1


async def test_shipments_by_status_counts_rows(clean_db: str, tmp_path: Path) -> None:
    settings = base_settings(clean_db, tmp_path, metrics_cache_s=0)
    application = create_app(settings)
    async with LifespanManager(application):
        transport = ASGITransport(app=application)
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            resp = await http.post(
                "/api/auth/register",
                json={
                    "organization_name": "Acme",
                    "email": "a@acme.example",
                    "password": "correct-horse-battery",
                    "full_name": "Ada",
                },
            )
            assert resp.status_code == 201, resp.text
            signed_in = await login(http, "a@acme.example")
            auth = signed_in.auth
            driver = await http.post(
                "/api/drivers",
                headers=auth,
                json={"full_name": "Dee Driver", "status": "available"},
            )
            text = await scrape(http)
    assert driver.status_code == 201, driver.text
    assert value(text, "freight_drivers_available") == 1


async def test_rate_limited_logins_are_counted_by_scope(client: AsyncClient) -> None:
    before = await scrape(client)
    codes = [
        (
            await client.post(
                "/api/auth/login", json={"email": "x@y.example", "password": "wrong-pass-1"}
            )
        ).status_code
        for _ in range(8)
    ]
    assert 429 in codes
    after = await scrape(client)
    refused = value(after, "freight_ratelimit_rejected_requests_total", scope="login") - value(
        before, "freight_ratelimit_rejected_requests_total", scope="login"
    )
    assert refused == codes.count(429)


async def test_cache_hits_and_misses_are_counted(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    backend = "redis" if app.state.ctx.redis else "memory"
    before = await scrape(client)
    for _ in range(3):
        assert (await client.get("/api/shipments", headers=admin.auth)).status_code == 200
    after = await scrape(client)

    def delta(name: str) -> float:
        return value(after, name, backend=backend) - value(before, name, backend=backend)

    # the caller's principal: looked up on each request, a miss first and then hits
    assert delta("freight_cache_misses_total") >= 1
    assert delta("freight_cache_hits_total") >= 2


async def test_a_token_protects_metrics_when_set(clean_db: str, tmp_path: Path) -> None:
    settings = base_settings(clean_db, tmp_path, metrics_token="s3cret-scrape-token")
    assert isinstance(settings, Settings)
    application = create_app(settings)
    async with LifespanManager(application):
        transport = ASGITransport(app=application)
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            assert (await http.get("/metrics")).status_code == 401
            wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            basic = await http.get(
                "/metrics", headers={"Authorization": "Basic s3cret-scrape-token"}
            )
            assert basic.status_code == 401
            text = await scrape(http, Authorization="Bearer s3cret-scrape-token")
    assert "freight_http_requests_total" in text


async def test_production_serves_no_metrics_without_a_token(clean_db: str, tmp_path: Path) -> None:
    """Metrics total every tenant's balances and shipments: in production they need the
    token, and without one configured nobody gets them (freight check says so too)."""
    settings = base_settings(
        clean_db,
        tmp_path,
        env="production",
        secret_key="p" * 48,
        encryption_keys={"k1": "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="},
        encryption_key_id="k1",
    )
    assert settings.metrics_token is None
    application = create_app(settings)
    async with LifespanManager(application):
        transport = ASGITransport(app=application)
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            refused = await http.get("/metrics")
            assert refused.status_code == 403
            assert "FREIGHT_METRICS_TOKEN" in refused.json()["detail"]
            assert "freight_" not in refused.text.replace("FREIGHT_", "")
