"""A carrier that prices by the mile: the linehaul is miles x the rate per mile, the line
says miles, a booked quote keeps its unit when the card changes, and a card has one unit."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from freight.billing.money import distance_in
from tests.billing.conftest import RATES, Org, deliver, invoice
from tests.billing.test_pricing import CHICAGO, DALLAS
from tests.helpers import assert_problem
from tests.shipments.factory import shipment_body

PER_MILE = {**RATES, "per_km_cents": {}, "per_mile_cents": {"dry_van": 310, "reefer": 385}}


async def per_mile(client: AsyncClient, org: Org) -> dict[str, Any]:
    resp = await client.put("/api/billing/rates", headers=org.admin.auth, json=PER_MILE)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def test_miles_are_the_stored_tenth_of_a_km_converted_half_up() -> None:
    assert str(distance_in(1553.9, "mi")) == "965.5"  # 965.548...
    assert str(distance_in(1.6, "mi")) == "1.0"  # 0.994...
    assert str(distance_in(0.08, "mi")) == "0.1"  # 0.1 km: 0.062 mi
    assert str(distance_in(1553.94, "km")) == "1553.9"


async def test_a_per_mile_quote_prices_and_names_miles(client: AsyncClient, org: Org) -> None:
    card = await per_mile(client, org)
    assert card["per_mile_cents"] == {"dry_van": 310, "reefer": 385} and card["per_km_cents"] == {}
    resp = await client.post(
        "/api/quotes",
        headers=org.customer_a.auth,
        json={"equipment_type": "dry_van", "stops": [CHICAGO, DALLAS]},
    )
    assert resp.status_code == 200, resp.text
    quote = resp.json()
    linehaul, fuel = quote["lines"]
    assert quote["distance_km"] == 1553.9
    assert (linehaul["quantity"], linehaul["unit"], linehaul["unit_price_cents"]) == (
        "965.5",
        "mi",
        310,
    )
    assert linehaul["amount_cents"] == 299_305  # 965.5 x 310
    assert linehaul["description"] == "Linehaul 965.5 mi dry van (road estimate)"
    assert fuel["amount_cents"] == 73_330  # 24.5 % of 299,305 = 73,329.7...
    assert quote["price_cents"] == 372_635


async def test_a_booked_per_mile_price_is_invoiced_in_miles_after_the_card_changes(
    client: AsyncClient, org: Org
) -> None:
    await per_mile(client, org)
    shipment = await deliver(client, org, org.account_a)
    assert shipment["price_cents"] == 372_635
    per_km = {**RATES, "per_km_cents": {"dry_van": 999}}
    resp = await client.put("/api/billing/rates", headers=org.admin.auth, json=per_km)
    assert resp.status_code == 200, resp.text
    body = await invoice(client, org, org.account_a, [shipment["id"]], issue=False)
    linehaul = body["lines"][0]
    assert (linehaul["quantity"], linehaul["unit"], linehaul["unit_price_cents"]) == (
        "965.5",
        "mi",
        310,
    )
    assert linehaul["amount_cents"] == 299_305
    # A new booking is priced per km now.
    resp = await client.post("/api/shipments", headers=org.customer_a.auth, json=shipment_body())
    assert resp.json()["price_cents"] != 372_635


async def test_a_card_with_rates_per_km_and_per_mile_is_refused_naming_the_field(
    client: AsyncClient, org: Org
) -> None:
    both = {**RATES, "per_mile_cents": {"dry_van": 310}}
    resp = await client.put("/api/billing/rates", headers=org.admin.auth, json=both)
    problem = assert_problem(resp, 422, "validation_error")
    assert any(e["loc"][-1] == "per_mile_cents" for e in problem["errors"])
    saved = (await client.get("/api/billing/rates", headers=org.admin.auth)).json()
    assert saved["per_km_cents"] == RATES["per_km_cents"] and saved["per_mile_cents"] == {}


async def test_only_an_admin_sets_per_mile_rates(client: AsyncClient, org: Org) -> None:
    for who in (org.dispatcher, org.customer_a, org.driver):
        resp = await client.put("/api/billing/rates", headers=who.auth, json=PER_MILE)
        assert_problem(resp, 403)
