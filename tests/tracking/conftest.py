"""A driver with a load, and helpers to post fixes around it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient, Response

from tests.fleet_helpers import DriverAt, add_driver, assign, book_load
from tests.helpers import Session, add_customer, add_user

M_PER_DEG_LAT = 111_195.08  # metres per degree of latitude on the haversine sphere
CHICAGO = (41.8781, -87.6298)  # the pickup of every load here
DALLAS = (32.7767, -96.7970)  # its delivery


@dataclass
class Road:
    admin: Session
    account: str
    buyer: Session  # a customer user of the load's account
    driver: DriverAt
    load: dict[str, Any]

    @property
    def load_id(self) -> str:
        load_id: str = self.load["id"]
        return load_id


@pytest.fixture
async def road(client: AsyncClient, admin: Session) -> Road:
    """A Chicago -> Dallas load assigned to a driver (not yet picked up)."""
    account = await add_customer(client, admin)
    buyer = await add_user(client, admin, "customer", "buyer@globex.example", account)
    driver = await add_driver(client, admin, "dee@acme.example")
    load = await book_load(client, admin, account)
    await assign(client, admin, load["id"], driver)
    return Road(admin, account, buyer, driver, load)


def ago(minutes: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)


def fix(lat: float, lng: float, at: datetime, **extra: Any) -> dict[str, Any]:
    return {"lat": lat, "lng": lng, "recorded_at": at.isoformat(), **extra}


def north_of(point: tuple[float, float], metres: float) -> tuple[float, float]:
    """A point this many metres due north."""
    return point[0] + metres / M_PER_DEG_LAT, point[1]


async def post_fixes(
    client: AsyncClient, headers: dict[str, str], fixes: list[dict[str, Any]], **body: Any
) -> Response:
    return await client.post(
        "/api/tracking/positions", headers=headers, json={"positions": fixes, **body}
    )


async def accept(client: AsyncClient, who: DriverAt, fixes: list[dict[str, Any]]) -> None:
    """Post fixes that must all be accepted."""
    resp = await post_fixes(client, who.auth, fixes)
    assert resp.status_code == 202, resp.text
    assert resp.json()["accepted"] == len(fixes), resp.json()
