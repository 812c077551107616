"""Quotes and invoice totals on worked examples: rounding half up per line, tax on the subtotal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from httpx import AsyncClient

from freight.billing.money import detention_cents, detention_minutes, share, times
from freight.security.pan import looks_like_pan
from tests.billing.conftest import Org, deliver, invoice, set_stop_times
from tests.helpers import assert_problem

CHICAGO = {"lat": 41.8781, "lng": -87.6298, "city": "Chicago"}
DALLAS = {"lat": 32.7767, "lng": -96.7970, "city": "Dallas"}
NEAR = {"lat": 41.9, "lng": -87.7, "city": "Oak Park"}


def test_the_rounding_rule_is_half_up_not_half_even() -> None:
    from decimal import Decimal

    assert times(Decimal("1553.9"), 195) == 303_011  # 303,010.5
    assert share(303_011, 2450) == 74_238  # 74,237.6950
    assert share(388_052, 825) == 32_014  # 32,014.29
    assert share(1, 5000) == 1  # half a cent rounds up
    assert detention_cents(87, 7450) == 10_803  # 10,802.5
    start = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    assert detention_minutes(start, start + timedelta(minutes=207), 120) == 87
    assert detention_minutes(start, start + timedelta(minutes=100), 120) == 0
    assert detention_minutes(None, start, 120) == 0


def test_card_numbers_are_recognised_by_shape_and_checksum() -> None:
    assert looks_like_pan("4242424242424242")
    assert looks_like_pan("card 4242 4242 4242 4242 exp 12/30")
    assert looks_like_pan("5555-5555-5555-4444")
    assert not looks_like_pan("4242424242424241")  # fails Luhn
    assert not looks_like_pan("cheque 100234")
    assert not looks_like_pan("pm_card_visa")


async def test_a_quote_line_by_line(client: AsyncClient, org: Org) -> None:
    resp = await client.post(
        "/api/quotes",
        headers=org.customer_a.auth,
        json={"equipment_type": "dry_van", "stops": [CHICAGO, DALLAS]},
    )
    assert resp.status_code == 200, resp.text
    quote = resp.json()
    assert quote["distance_km"] == 1553.9
    assert [(line["kind"], line["amount_cents"]) for line in quote["lines"]] == [
        ("linehaul", 303_011),
        ("fuel_surcharge", 74_238),
    ]
    assert (
        quote["lines"][0]["quantity"] == "1553.9" and quote["lines"][0]["unit_price_cents"] == 195
    )
    assert quote["price_cents"] == quote["subtotal_cents"] == 377_249
    assert quote["tax_cents"] == 31_123  # 31,123.0425
    assert quote["total_cents"] == 408_372
    assert quote["currency"] == "USD"
    assert (quote["detention_free_minutes"], quote["detention_hourly_cents"]) == (120, 7450)


async def test_a_short_haul_pays_the_minimum_charge(client: AsyncClient, org: Org) -> None:
    resp = await client.post(
        "/api/quotes",
        headers=org.dispatcher.auth,
        json={"equipment_type": "dry_van", "stops": [CHICAGO, NEAR]},
    )
    quote = resp.json()
    assert quote["lines"][0]["amount_cents"] == 35_000  # 7.6 km x 195 = 1,482 < 35,000
    assert "minimum" in quote["lines"][0]["description"]
    assert quote["lines"][1]["amount_cents"] == 8_575
    assert (quote["tax_cents"], quote["total_cents"]) == (3_595, 47_170)  # 3,594.9375


async def test_quotes_need_rates_for_the_equipment(client: AsyncClient, org: Org) -> None:
    resp = await client.post(
        "/api/quotes",
        headers=org.customer_a.auth,
        json={"equipment_type": "flatbed", "stops": [CHICAGO, DALLAS]},
    )
    assert_problem(resp, 422, "validation_error")
    resp = await client.post(
        "/api/quotes",
        headers=org.outsider.auth,  # an organisation without rates
        json={"equipment_type": "dry_van", "stops": [CHICAGO, DALLAS]},
    )
    assert_problem(resp, 409)
    resp = await client.post(
        "/api/quotes",
        headers=org.driver.auth,
        json={"equipment_type": "dry_van", "stops": [CHICAGO, DALLAS]},
    )
    assert_problem(resp, 403)


async def test_booking_freezes_the_quote_and_an_override_is_an_edit(
    client: AsyncClient, org: Org
) -> None:
    from tests.shipments.factory import shipment_body

    resp = await client.post("/api/shipments", headers=org.customer_a.auth, json=shipment_body())
    assert resp.status_code == 201, resp.text
    booked = resp.json()
    assert booked["price_cents"] == 377_249 and booked["version"] == 1

    # Later rate changes do not move a booked price.
    rates = (await client.get("/api/billing/rates", headers=org.admin.auth)).json()
    rates["per_km_cents"]["dry_van"] = 300
    assert (
        await client.put("/api/billing/rates", headers=org.admin.auth, json=rates)
    ).status_code == 200
    again = (await client.get(f"/api/shipments/{booked['id']}", headers=org.admin.auth)).json()
    assert again["price_cents"] == 377_249

    resp = await client.patch(
        f"/api/shipments/{booked['id']}",
        headers=org.dispatcher.editing(),
        json={"price_cents": 350_000},
    )
    assert resp.status_code == 200, resp.text
    events = (
        await client.get(f"/api/shipments/{booked['id']}/events", headers=org.admin.auth)
    ).json()
    edit = events["items"][-1]
    assert edit["type"] == "shipment.updated"
    assert edit["data"]["changes"]["price_cents"] == [377_249, 350_000]


async def test_invoice_totals_with_detention(client: AsyncClient, app: FastAPI, org: Org) -> None:
    shipment = await deliver(client, org, org.account_a)
    start = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    await set_stop_times(app, shipment["id"], 1, start, start + timedelta(minutes=100))
    await set_stop_times(
        app, shipment["id"], 2, start + timedelta(days=1), start + timedelta(days=1, minutes=207)
    )
    body = await invoice(client, org, org.account_a, [shipment["id"]], issue=False)

    assert [(line["kind"], line["amount_cents"]) for line in body["lines"]] == [
        ("linehaul", 303_011),
        ("fuel_surcharge", 74_238),
        ("detention", 10_803),  # 87 min beyond 120 free at 74.50/h: 10,802.5
    ]
    detention = body["lines"][2]
    assert detention["quantity"] == "1.45" and detention["unit"] == "h"
    assert "Dallas" in detention["description"]
    assert body["subtotal_cents"] == 388_052
    assert body["tax_cents"] == 32_014
    assert body["total_cents"] == 420_066
    assert body["balance_cents"] == 420_066 and body["status"] == "draft"
    assert body["shipment_references"] == [shipment["reference"]]


async def test_an_overridden_price_is_invoiced_as_agreed(client: AsyncClient, org: Org) -> None:
    shipment = await deliver(client, org, org.account_a, price_cents=250_000)
    body = await invoice(client, org, org.account_a, [shipment["id"]], issue=False)
    assert [(line["kind"], line["amount_cents"]) for line in body["lines"]] == [
        ("linehaul", 250_000)
    ]
    assert (body["tax_cents"], body["total_cents"]) == (20_625, 270_625)
