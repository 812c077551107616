"""Numbers are numbers (a JSON ``true`` is not 1), and PUT says what an omitted field means."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from tests.billing.conftest import RATES, Org, issued_invoice
from tests.fleet_helpers import book_load
from tests.helpers import assert_problem
from tests.shipments.factory import shipment_body


def _errors_at(resp: Any, *loc: str | int) -> None:
    problem = assert_problem(resp, 422, "validation_error")
    assert list(loc) in [e["loc"] for e in problem["errors"]], problem


@pytest.mark.parametrize("value", [True, False])
async def test_a_boolean_is_not_a_payment_amount(
    client: AsyncClient, org: Org, value: bool
) -> None:
    inv = await issued_invoice(client, org)
    resp = await client.post(
        "/api/payments",
        headers={**org.admin.auth, "Idempotency-Key": f"bool-{value}"},
        json={"invoice_id": inv["id"], "amount_cents": value, "method": "check"},
    )
    _errors_at(resp, "body", "amount_cents")
    payments = await client.get("/api/payments", headers=org.admin.auth)
    assert payments.json()["items"] == []


async def test_a_boolean_is_not_a_weight_a_count_or_a_coordinate(
    client: AsyncClient, org: Org
) -> None:
    for field, stop_field in (("weight_kg", None), ("pieces", None), (None, "lat")):
        body = shipment_body()
        if field:
            body[field] = True
        if stop_field:
            body["stops"][0][stop_field] = True
        resp = await client.post("/api/shipments", headers=org.customer_a.auth, json=body)
        if field:
            _errors_at(resp, "body", field)
        else:
            _errors_at(resp, "body", "stops", 0, "lat")
    assert (await client.get("/api/shipments", headers=org.admin.auth)).json()["items"] == []


async def test_a_boolean_is_not_a_rate(client: AsyncClient, org: Org) -> None:
    for change in ({"per_km_cents": {"dry_van": True}}, {"minimum_charge_cents": True}):
        resp = await client.put("/api/billing/rates", headers=org.admin.auth, json=RATES | change)
        _errors_at(resp, "body", next(iter(change)))
    rates = (await client.get("/api/billing/rates", headers=org.admin.auth)).json()
    assert rates["per_km_cents"]["dry_van"] == 195 and rates["minimum_charge_cents"] == 35_000


async def test_numbers_still_take_numbers(client: AsyncClient, org: Org) -> None:
    body = shipment_body(weight_kg=8000.5, pieces=3)
    resp = await client.post("/api/shipments", headers=org.customer_a.auth, json=body)
    assert resp.status_code == 201, resp.text
    assert (resp.json()["weight_kg"], resp.json()["pieces"]) == (8000.5, 3)
    assert resp.json()["hazmat"] is False  # a real boolean field is still one


def _replacement(shipment: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A PUT body that repeats the load's description (and no price)."""
    stop_keys = ("kind", "name", "address", "city", "region", "postal_code", "country")
    stops = [
        {k: s[k] for k in (*stop_keys, "lat", "lng", "window_start", "window_end")}
        for s in shipment["stops"]
    ]
    keep = ("equipment_type", "weight_kg", "pieces", "commodity", "declared_value_cents")
    return {k: shipment[k] for k in keep} | {"stops": stops} | changes


async def test_a_staff_put_without_a_price_keeps_the_price_set_by_hand(
    client: AsyncClient, org: Org
) -> None:
    load = await book_load(client, org.dispatcher, org.account_a, price_cents=250_000)
    url = f"/api/shipments/{load['id']}"
    resp = await client.put(
        url, headers=org.dispatcher.editing(), json=_replacement(load, notes="x")
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["price_cents"] == 250_000 and resp.json()["notes"] == "x"

    # An explicit null is the way to clear it: the price is open again.
    cleared = await client.put(
        url, headers=org.dispatcher.editing(), json=_replacement(load, price_cents=None)
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["price_cents"] is None


async def test_a_customer_put_on_a_priced_load_works_and_cannot_touch_the_price(
    client: AsyncClient, org: Org
) -> None:
    resp = await client.post("/api/shipments", headers=org.customer_a.auth, json=shipment_body())
    load = resp.json()
    assert load["price_cents"] == 377_249
    url = f"/api/shipments/{load['id']}"
    put = await client.put(url, headers=org.customer_a.auth, json=_replacement(load, notes="x"))
    assert put.status_code == 200, put.text
    assert (put.json()["price_cents"], put.json()["notes"]) == (377_249, "x")
    # Repeating the price is allowed; changing or clearing it is not.
    same = await client.put(
        url, headers=org.customer_a.auth, json=_replacement(load, price_cents=377_249)
    )
    assert same.status_code == 200, same.text
    for price in (1, None):
        bad = await client.put(
            url, headers=org.customer_a.auth, json=_replacement(load, price_cents=price)
        )
        _errors_at(bad, "body", "price_cents")


async def test_a_put_resets_the_optional_description_it_omits(
    client: AsyncClient, org: Org
) -> None:
    load = await book_load(client, org.dispatcher, org.account_a, notes="Dock 4", hazmat=True)
    body = _replacement(load)
    del body["pieces"], body["commodity"]
    resp = await client.put(
        f"/api/shipments/{load['id']}", headers=org.dispatcher.editing(), json=body
    )
    assert resp.status_code == 200, resp.text
    after = resp.json()
    assert (after["pieces"], after["commodity"], after["notes"], after["hazmat"]) == (
        None,
        None,
        None,
        False,
    )
    assert after["price_cents"] == load["price_cents"]


@pytest.mark.parametrize("field", ["weight_kg", "equipment_type", "hazmat", "stops"])
async def test_a_patch_cannot_null_a_field_every_load_has(
    client: AsyncClient, org: Org, field: str
) -> None:
    load = await book_load(client, org.dispatcher, org.account_a)
    url = f"/api/shipments/{load['id']}"
    resp = await client.patch(url, headers=org.dispatcher.editing(), json={field: None})
    _errors_at(resp, "body", field)  # was a 500 from the NOT NULL column (stops: ignored)
    assert (await client.get(url, headers=org.admin.auth)).json()["version"] == 1


async def test_the_openapi_says_what_an_omitted_field_means(client: AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    put = spec["paths"]["/api/shipments/{shipment_id}"]["put"]
    assert "omitted" in put["description"]
    fields = spec["components"]["schemas"]["ShipmentReplace"]["properties"]
    assert "omitted" in fields["price_cents"]["description"]
    assert "organisation" in fields["currency"]["description"]
