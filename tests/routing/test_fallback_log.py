"""A routing failure is in the log file: provider, reason, status, and never the key or URL."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from freight.observability.logging import redact
from freight.settings import Settings
from tests.billing.conftest import Org
from tests.conftest import base_settings
from tests.routing import engines
from tests.routing.conftest import CHICAGO, DALLAS, GH_KEY, TIMEOUT_S
from tests.routing.standin import Behaviour


@pytest.fixture
def graphhopper() -> Iterator[Behaviour]:
    with engines.graphhopper(GH_KEY) as behaviour:
        yield behaviour


@pytest.fixture
def settings(clean_db: str, tmp_path: Path, graphhopper: Behaviour) -> Settings:
    return base_settings(
        clean_db,
        tmp_path,
        router="graphhopper",
        router_url=graphhopper.url,
        router_key=GH_KEY,
        router_timeout_s=TIMEOUT_S,
    )


async def test_a_fallback_is_logged_without_the_key_or_the_url(
    app: FastAPI, client: AsyncClient, org: Org, graphhopper: Behaviour
) -> None:
    graphhopper.status = 502
    stops = [{"lat": p.lat, "lng": p.lng} for p in (CHICAGO, DALLAS)]
    resp = await client.post(
        "/api/quotes",
        headers=org.dispatcher.auth,
        json={"equipment_type": "dry_van", "stops": stops},
    )
    assert resp.status_code == 200 and resp.json()["distance_source"] == "estimate"
    assert graphhopper.calls and graphhopper.calls[0]["params"][-1] == ("key", GH_KEY)
    for handler in logging.getLogger().handlers:
        handler.flush()

    text = app.state.ctx.settings.log_file.read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    (entry,) = [line for line in lines if line.get("event") == "router.fallback"]
    assert entry["provider"] == "graphhopper" and entry["operation"] == "route"
    assert entry["reason"] == "server_error" and entry["status"] == 502
    assert entry["level"] == "warning"
    assert GH_KEY not in text and graphhopper.url not in text


def test_a_key_in_a_logged_url_is_redacted() -> None:
    line = f"GET https://graphhopper.com/api/1/route?point=41.8,-87.6&key={GH_KEY}&profile=truck"
    scrubbed = redact(None, "info", {"event": line})["event"]
    assert GH_KEY not in scrubbed and "profile=truck" in scrubbed
