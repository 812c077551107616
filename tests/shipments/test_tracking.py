"""Public tracking by reference: no sign-in, no personal or commercial data, rate-limited."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from freight.app import create_app
from freight.settings import Settings
from freight.shipments.reads import tracking_key
from tests.conftest import base_settings
from tests.fleet_helpers import add_driver, add_vehicle, move
from tests.helpers import assert_problem, running_client
from tests.shipments.conftest import World, book
from tests.shipments.direct import assert_no_leak, set_shipment
from tests.shipments.factory import shipment_body, stop

NAMES = ("Zebulon Cold Storage", "Quillfeather Grocers")
ADDRESSES = ("4471 Quetzal Parkway", "88 Vexillum Court")
POSTAL_CODES = ("QX-93017", "ZK-55821")
PHONE = "+1-555-0199-7734"
PRICE_CENTS = 31415926
DECLARED_CENTS = 27182818
NOTES = "gate code 9911, ask for Marisol"
LAT, LNG = 38.627412, -90.199389
POSITION_AT = datetime(2030, 5, 1, 15, 0, tzinfo=UTC)
ETA = datetime(2030, 5, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
async def private_shipment(client: AsyncClient, world: World) -> dict[str, Any]:
    """A load full of things the public must not see: names, streets, money, ids."""
    resp = await client.patch(
        f"/api/customers/{world.account_a}",
        headers=world.admin.auth,
        json={"phone": PHONE, "billing_address": "1 Billing Plaza"},
    )
    assert resp.status_code == 200, resp.text
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    stops = [
        stop("pickup", "Chicago", start)
        | {"name": NAMES[0], "address": ADDRESSES[0], "postal_code": POSTAL_CODES[0]},
        stop("delivery", "Dallas", start + timedelta(days=1))
        | {"name": NAMES[1], "address": ADDRESSES[1], "postal_code": POSTAL_CODES[1]},
    ]
    return await book(
        client,
        world.dispatcher,
        customer_id=world.account_a,
        stops=stops,
        price_cents=PRICE_CENTS,
        declared_value_cents=DECLARED_CENTS,
        notes=NOTES,
        commodity="Frozen dumplings",
    )


async def put_on_the_road(
    client: AsyncClient,
    app: FastAPI,
    world: World,
    shipment: dict[str, Any],
    status: str = "IN_TRANSIT",
) -> dict[str, Any]:
    """Assign the load, pick it up at a known position, set off, then force ``status``.

    The last step (and the ETA) is written to the database directly, so the cached
    tracking view is dropped by hand.
    """
    driver = await add_driver(client, world.admin, "drv@acme.example")
    vehicle = await add_vehicle(client, world.admin, "T-4471")
    resp = await client.post(
        f"/api/shipments/{shipment['id']}/assign",
        headers=world.dispatcher.auth,
        json={"driver_id": driver.id, "vehicle_id": vehicle["id"]},
    )
    assert resp.status_code == 200, resp.text
    resp = await client.post(
        f"/api/shipments/{shipment['id']}/transitions",
        headers=driver.auth,
        json={"status": "PICKED_UP", "at": POSITION_AT.isoformat(), "lat": LAT, "lng": LNG},
    )
    assert resp.status_code == 200, resp.text
    await move(client, driver, shipment["id"], "IN_TRANSIT")
    await set_shipment(app, shipment["id"], status=status, eta=ETA)
    await app.state.ctx.cache.delete(tracking_key(shipment["id"]))
    return {"driver": driver, "vehicle": vehicle}


async def test_anyone_can_track_by_reference(
    client: AsyncClient, private_shipment: dict[str, Any]
) -> None:
    resp = await client.get(f"/api/track/{private_shipment['reference']}")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["reference"] == private_shipment["reference"]
    assert body["status"] == "PENDING"
    assert [(s["sequence"], s["kind"], s["city"]) for s in body["stops"]] == [
        (1, "pickup", "Chicago"),
        (2, "delivery", "Dallas"),
    ]
    assert body["eta"] is None
    assert body["last_position"] is None


async def test_position_and_eta_show_while_in_transit(
    client: AsyncClient, app: FastAPI, world: World, private_shipment: dict[str, Any]
) -> None:
    await put_on_the_road(client, app, world, private_shipment, "IN_TRANSIT")
    body = (await client.get(f"/api/track/{private_shipment['reference']}")).json()
    assert body["status"] == "IN_TRANSIT"
    assert body["last_position"]["lat"] == pytest.approx(38.6274)
    assert body["last_position"]["lng"] == pytest.approx(-90.1994)
    assert datetime.fromisoformat(body["last_position"]["at"]) == POSITION_AT
    assert datetime.fromisoformat(body["eta"]) == ETA


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        ("PENDING", False),
        ("ASSIGNED", False),
        ("PICKED_UP", True),
        ("IN_TRANSIT", True),
        ("DELIVERED", False),
        ("CANCELLED", False),
    ],
)
async def test_position_only_while_picked_up_or_in_transit(
    client: AsyncClient,
    app: FastAPI,
    world: World,
    private_shipment: dict[str, Any],
    status: str,
    shown: bool,
) -> None:
    await put_on_the_road(client, app, world, private_shipment, status)
    body = (await client.get(f"/api/track/{private_shipment['reference']}")).json()
    assert body["status"] == status
    assert (body["last_position"] is not None) is shown


@pytest.mark.parametrize("status", ["PENDING", "IN_TRANSIT"])
async def test_no_names_streets_money_or_ids_in_public_tracking(
    client: AsyncClient,
    app: FastAPI,
    world: World,
    private_shipment: dict[str, Any],
    status: str,
) -> None:
    on_road = await put_on_the_road(client, app, world, private_shipment, status)
    resp = await client.get(f"/api/track/{private_shipment['reference']}")
    assert resp.status_code == 200
    text = resp.text
    secrets = [
        *NAMES,
        *ADDRESSES,
        *POSTAL_CODES,
        PHONE,
        "1 Billing Plaza",
        "Globex",
        "ap@globex.example",
        "buyer@globex.example",
        str(PRICE_CENTS),
        str(DECLARED_CENTS),
        NOTES,
        "Frozen dumplings",
        private_shipment["id"],
        world.account_a,
        on_road["driver"].id,
        on_road["driver"].driver["full_name"],
        "555 0142",
        "D400-1234-5678",
        "drv@acme.example",
        on_road["vehicle"]["id"],
        "T-4471",
    ]
    for secret in secrets:
        assert secret.lower() not in text.lower(), secret
    forbidden_keys = {"name", "address", "postal_code", "price_cents", "declared_value_cents"}
    forbidden_keys |= {"customer_id", "driver_id", "vehicle_id", "notes", "id", "phone"}
    assert not forbidden_keys & set(resp.json())
    for s in resp.json()["stops"]:
        assert not forbidden_keys & set(s)


async def test_reference_is_case_insensitive(
    client: AsyncClient, private_shipment: dict[str, Any]
) -> None:
    ref = private_shipment["reference"]
    for variant in (ref.lower(), ref.swapcase(), quote(f" {ref.lower()} ")):
        resp = await client.get(f"/api/track/{variant}")
        assert resp.status_code == 200, variant
        assert resp.json()["reference"] == ref


async def test_unknown_reference_is_404(client: AsyncClient, world: World) -> None:
    assert_problem(await client.get("/api/track/FRT-ZZZZZZ"), 404, "not_found")


async def test_hostile_references_are_404_or_422_never_500(
    client: AsyncClient, private_shipment: dict[str, Any]
) -> None:
    payloads = [
        "' OR '1'='1",
        '"; DROP TABLE shipments; --',
        "%",
        "_",
        "FRT-%",
        "FRT-______",
        "\\",
        '{"$ne": null}',
        "\x00",
        "FRT\x00",
        "Zürich 東京 🚚",
        "a" * 500,
    ]
    for payload in payloads:
        resp = await client.get(f"/api/track/{quote(payload, safe='')}")
        assert_no_leak(resp)
        assert resp.status_code in (404, 422), (payload, resp.text)


async def test_an_edit_through_the_api_shows_at_once(
    client: AsyncClient, world: World, private_shipment: dict[str, Any]
) -> None:
    ref = private_shipment["reference"]
    assert [s["city"] for s in (await client.get(f"/api/track/{ref}")).json()["stops"]] == [
        "Chicago",
        "Dallas",
    ]
    new_stops = shipment_body(origin="Atlanta", destination="Memphis")["stops"]
    resp = await client.patch(
        f"/api/shipments/{private_shipment['id']}",
        headers=world.dispatcher.editing(),
        json={"stops": new_stops},
    )
    assert resp.status_code == 200, resp.text
    after = (await client.get(f"/api/track/{ref}")).json()
    assert [s["city"] for s in after["stops"]] == ["Atlanta", "Memphis"]


async def test_a_write_behind_the_apps_back_shows_after_the_ttl(
    clean_db: str, tmp_path: Path, app: FastAPI, private_shipment: dict[str, Any]
) -> None:
    settings = base_settings(clean_db, tmp_path, cache_ttl_s=1)
    async with running_client(settings) as short_lived:
        ref = private_shipment["reference"]
        assert (await short_lived.get(f"/api/track/{ref}")).json()["status"] == "PENDING"
        await set_shipment(app, private_shipment["id"], status="CANCELLED")
        await asyncio.sleep(1.2)
        assert (await short_lived.get(f"/api/track/{ref}")).json()["status"] == "CANCELLED"


@asynccontextmanager
async def client_from(settings: Settings, address: str) -> AsyncIterator[AsyncClient]:
    application = create_app(settings)
    async with LifespanManager(application):
        transport = ASGITransport(app=application, client=(address, 40000))
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


async def test_tracking_is_rate_limited_per_client_address(
    clean_db: str, tmp_path: Path, private_shipment: dict[str, Any]
) -> None:
    settings = base_settings(clean_db, tmp_path, rate_limit_tracking="3/minute")
    url = f"/api/track/{private_shipment['reference']}"
    async with client_from(settings, "203.0.113.7") as first:
        for _ in range(2):
            assert (await first.get(url)).status_code == 200
        assert (await first.get("/api/track/FRT-ZZZZZZ")).status_code == 404  # misses count
        limited = await first.get(url)
        assert_problem(limited, 429, "rate_limited")
        assert int(limited.headers["retry-after"]) >= 1
    async with client_from(settings, "198.51.100.23") as second:
        assert (await second.get(url)).status_code == 200
