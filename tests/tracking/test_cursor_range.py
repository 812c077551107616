"""Track cursors out of any storable range are a 422 on ``cursor``, never a 500."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from httpx import AsyncClient

from tests.helpers import assert_problem
from tests.tracking.conftest import Road


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "tuple_",
    [
        ["2026-01-01T00:00:00+00:00", 10**30],
        ["2026-01-01T00:00:00+00:00", -(10**30)],
        ["2026-01-01T00:00:00+00:00", 2**63],
        ["0001-01-01T00:00:00+14:00", 1],
        ["9999-12-31T23:59:59-14:00", 1],
        ["2026-01-01T00:00:00+00:00", 1.5],
        ["2026-01-01T00:00:00+00:00", 1, 2],
        [None, 1],
        {"a": 1},
    ],
)
async def test_an_out_of_range_track_cursor_is_a_422_naming_it(
    client: AsyncClient, road: Road, tuple_: Any
) -> None:
    url = f"/api/shipments/{road.load_id}/positions"
    resp = await client.get(url, headers=road.buyer.auth, params={"cursor": _cursor(tuple_)})
    problem = assert_problem(resp, 422)
    assert problem["errors"][0]["loc"] == ["query", "cursor"]
