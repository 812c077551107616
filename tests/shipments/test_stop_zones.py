"""Each stop knows its IANA time zone, from its coordinates, on booking, edit and upgrade."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from freight.migrations import runner
from tests.shipments.conftest import World, book
from tests.shipments.factory import stop
from tests.test_migrations import fresh_engine

__all__ = ["fresh_engine"]  # the fixture, used below
BEFORE_ZONES = "a006b350d756"


async def test_booked_stops_carry_their_zone(client: AsyncClient, world: World) -> None:
    body = await book(client, world.customer_a, origin="Chicago", destination="Phoenix")
    assert [s["timezone"] for s in body["stops"]] == ["America/Chicago", "America/Phoenix"]
    read = await client.get(f"/api/shipments/{body['id']}", headers=world.dispatcher.auth)
    assert [s["timezone"] for s in read.json()["stops"]] == ["America/Chicago", "America/Phoenix"]


async def test_moving_a_stop_moves_its_zone(client: AsyncClient, world: World) -> None:
    body = await book(client, world.customer_a, origin="Chicago", destination="Dallas")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    stops = [stop("pickup", "Los Angeles", start), stop("delivery", "Denver", start + timedelta(1))]
    resp = await client.patch(
        f"/api/shipments/{body['id']}", headers=world.customer_a.auth, json={"stops": stops}
    )
    assert resp.status_code == 200, resp.text
    assert [s["timezone"] for s in resp.json()["stops"]] == [
        "America/Los_Angeles",
        "America/Denver",
    ]


async def test_a_stop_can_not_set_its_own_zone(client: AsyncClient, world: World) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    pickup = stop("pickup", "Chicago", start) | {"timezone": "Asia/Tokyo"}
    stops = [pickup, stop("delivery", "Dallas", start + timedelta(1))]
    body = await book(client, world.customer_a, stops=stops)
    assert body["stops"][0]["timezone"] == "America/Chicago"


async def test_upgrading_fills_in_the_zones_of_existing_stops(
    fresh_engine: AsyncEngine, tmp_path: Path
) -> None:
    from tests.conftest import base_settings
    from tests.helpers import add_customer, login, register, running_client
    from tests.shipments.factory import shipment_body

    await runner.upgrade(fresh_engine)
    url = fresh_engine.url.render_as_string(hide_password=False)
    async with running_client(base_settings(url, tmp_path)) as client:
        admin = await register(client, "Acme Haulage", "admin@acme.example")
        account = await add_customer(client, admin)
        booked = await client.post(
            "/api/shipments",
            headers=admin.auth,
            json=shipment_body(account, origin="Columbus", destination="Phoenix"),
        )
        assert booked.status_code == 201, booked.text
        patched = await client.patch(
            "/api/organization", headers=admin.auth, json={"units": "metric"}
        )
        assert patched.status_code == 200
    await runner.downgrade(fresh_engine, BEFORE_ZONES)
    await runner.upgrade(fresh_engine)
    async with running_client(base_settings(url, tmp_path)) as client:
        admin = await login(client, "admin@acme.example")
        read = await client.get(f"/api/shipments/{booked.json()['id']}", headers=admin.auth)
        assert [s["timezone"] for s in read.json()["stops"]] == [
            "America/New_York",
            "America/Phoenix",
        ]
        org = (await client.get("/api/organization", headers=admin.auth)).json()
        assert org["units"] == "imperial"  # the downgrade dropped the setting: the default again
