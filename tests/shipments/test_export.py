"""Exports of the shipment list: CSV and JSON, filtered, scoped, complete and in order."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from freight.access import Actor, Role
from freight.shipments.queries import ShipmentFilters, iterate
from tests.helpers import Session, assert_problem
from tests.shipments.conftest import World, book
from tests.shipments.factory import shipment_body

COLUMNS = [
    "reference",
    "status",
    "customer_id",
    "equipment_type",
    "weight_kg",
    "origin_city",
    "origin_region",
    "destination_city",
    "destination_region",
    "pickup_window_start",
    "delivery_window_end",
    "distance_km",
    "distance_source",
    "driver_id",
    "price_cents",
    "currency",
    "created_at",
    "delivered_at",
]


async def export_csv(client: AsyncClient, who: Session, **params: Any) -> list[dict[str, str]]:
    resp = await client.get(
        "/api/shipments/export", headers=who.auth, params={"format": "csv", **params}
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/csv")
    assert 'filename="shipments.csv"' in resp.headers["content-disposition"]
    reader = csv.DictReader(io.StringIO(resp.text))
    assert reader.fieldnames == COLUMNS
    return list(reader)


async def export_json(client: AsyncClient, who: Session, **params: Any) -> list[dict[str, Any]]:
    resp = await client.get(
        "/api/shipments/export", headers=who.auth, params={"format": "json", **params}
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    assert 'filename="shipments.json"' in resp.headers["content-disposition"]
    rows: list[dict[str, Any]] = json.loads(resp.text)
    return rows


async def test_csv_has_one_row_per_shipment_newest_first(client: AsyncClient, world: World) -> None:
    first = await book(client, world.dispatcher, customer_id=world.account_a, price_cents=150_000)
    second = await book(client, world.customer_b, origin="Atlanta", destination="Memphis")
    rows = await export_csv(client, world.dispatcher)
    assert [r["reference"] for r in rows] == [second["reference"], first["reference"]]
    newest, oldest = rows
    assert (newest["origin_city"], newest["origin_region"]) == ("Atlanta", "GA")
    assert (newest["destination_city"], newest["destination_region"]) == ("Memphis", "TN")
    assert newest["customer_id"] == world.account_b and newest["price_cents"] == ""
    assert oldest["price_cents"] == "150000" and oldest["currency"] == "USD"
    assert oldest["status"] == "PENDING" and oldest["driver_id"] == ""
    assert float(oldest["distance_km"]) == first["distance_km"]
    assert oldest["distance_source"] == "estimate"  # no routing server in the tests
    assert oldest["pickup_window_start"] == first["stops"][0]["window_start"].replace("Z", "+00:00")


async def test_json_is_the_same_shape_as_the_api(client: AsyncClient, world: World) -> None:
    booked = [await book(client, world.customer_a) for _ in range(3)]
    rows = await export_json(client, world.dispatcher)
    assert [r["id"] for r in rows] == [b["id"] for b in reversed(booked)]
    listed = (await client.get("/api/shipments", headers=world.dispatcher.auth)).json()["items"]
    assert rows == listed


async def test_exports_honour_the_list_filters(client: AsyncClient, world: World) -> None:
    memphis = await book(client, world.customer_a, destination="Memphis")
    await book(client, world.customer_a, destination="Phoenix")
    for_b = await book(client, world.customer_b, destination="Memphis")
    cancelled = await book(client, world.customer_a)
    resp = await client.post(
        f"/api/shipments/{cancelled['id']}/cancel",
        headers=world.dispatcher.auth,
        json={"reason": "x"},
    )
    assert resp.status_code == 200
    d = world.dispatcher

    found = [r["reference"] for r in await export_csv(client, d, q="memphis")]
    assert found == [for_b["reference"], memphis["reference"]]
    by_account = await export_json(client, d, customer_id=world.account_b)
    assert [r["reference"] for r in by_account] == [for_b["reference"]]
    by_status = await export_csv(client, d, status="CANCELLED")
    assert [r["reference"] for r in by_status] == [cancelled["reference"]]
    assert [r["status"] for r in by_status] == ["CANCELLED"]
    assert await export_json(client, d, q="memphis", customer_id=world.account_a) == [
        r for r in await export_json(client, d) if r["id"] == memphis["id"]
    ]


async def test_exports_are_scoped_to_the_caller(client: AsyncClient, world: World) -> None:
    a = await book(client, world.customer_a)
    await book(client, world.customer_b)
    a2 = await book(client, world.dispatcher, customer_id=world.account_a)
    mine = {a["reference"], a2["reference"]}

    assert {r["reference"] for r in await export_csv(client, world.customer_a)} == mine
    assert {r["reference"] for r in await export_json(client, world.customer_a)} == mine
    assert {r["customer_id"] for r in await export_csv(client, world.customer_a)} == {
        world.account_a
    }
    sneaky = await export_csv(client, world.customer_a, customer_id=world.account_b)
    assert sneaky == []
    assert await export_csv(client, world.outsider) == []
    assert await export_json(client, world.outsider) == []
    assert len(await export_json(client, world.admin)) == 3


async def test_export_covers_every_row_across_batches(
    client: AsyncClient, app: FastAPI, world: World
) -> None:
    booked = [(await book(client, world.customer_a))["id"] for _ in range(23)]
    expected = booked[::-1]
    assert [r["id"] for r in await export_json(client, world.dispatcher)] == expected
    by_ref = {r["reference"] for r in await export_csv(client, world.dispatcher)}
    assert len(by_ref) == 23

    # The export walks the list a batch at a time; with small batches it must still
    # see every row once, in order.
    actor = Actor(organization_id=world.admin.organization_id, role=Role.DISPATCHER)
    for batch in (1, 5, 22, 23, 24):
        async with app.state.ctx.sessions() as session:
            ids = [str(s.id) async for s in iterate(session, actor, ShipmentFilters(), batch)]
        assert ids == expected, batch


async def test_export_of_nothing_is_well_formed(client: AsyncClient, world: World) -> None:
    assert await export_csv(client, world.dispatcher) == []
    assert await export_json(client, world.dispatcher) == []


@pytest.mark.parametrize("fmt", ["xml", "CSV", "", "csv;drop", "../../etc/passwd"])
async def test_unknown_format_is_422(client: AsyncClient, world: World, fmt: str) -> None:
    resp = await client.get(
        "/api/shipments/export", headers=world.dispatcher.auth, params={"format": fmt}
    )
    errors = assert_problem(resp, 422, "validation_error")["errors"]
    assert ["query", "format"] in [e["loc"] for e in errors]


async def test_export_needs_sign_in_and_valid_filters(client: AsyncClient, world: World) -> None:
    assert_problem(await client.get("/api/shipments/export"), 401)
    naive = await client.get(
        "/api/shipments/export",
        headers=world.dispatcher.auth,
        params={"created_from": "2026-01-01T00:00:00"},
    )
    assert_problem(naive, 422)


@pytest.mark.parametrize("city", ['=HYPERLINK("http://evil.example","x")', "+1+cmd", "@SUM(A1)"])
async def test_csv_cells_never_start_a_spreadsheet_formula(
    client: AsyncClient, world: World, city: str
) -> None:
    body = shipment_body()
    body["stops"][1]["city"] = city
    created = await client.post("/api/shipments", headers=world.customer_a.auth, json=body)
    assert created.status_code == 201, created.text
    row = (await export_csv(client, world.dispatcher))[0]
    assert row["destination_city"] == "'" + city
    assert (await export_json(client, world.dispatcher))[0]["stops"][1]["city"] == city
