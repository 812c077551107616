"""The rate confirmation: made when a load is offered (one per offer) or assigned by hand,
read back as a PDF (carrier, driver and truck, lane in each stop's time, miles, rate,
terms), and accepted by the driver with the offer: who, when and its sha256, on the
document and in the load's chain. Only staff and that driver see it."""

from __future__ import annotations

import io
import re

from httpx import AsyncClient
from pypdf import PdfReader

from tests.documents.helpers import documents, events, fetch, of_kind, offer, pdf, set_rates, text
from tests.fleet_helpers import add_driver, add_vehicle, assign, book_load
from tests.helpers import Session, add_customer, add_user, assert_problem


async def test_an_offer_makes_a_rate_confirmation_with_the_lane_miles_and_rate(
    client: AsyncClient, admin: Session
) -> None:
    await set_rates(client, admin)
    account = await add_customer(client, admin, "Prairie Foods")
    truck = await add_vehicle(client, admin, "T-481")
    dee = await add_driver(
        client, admin, "dee@acme.example", city="Memphis", vehicle_id=truck["id"]
    )
    load = await book_load(client, admin, account)
    made = await offer(client, admin, load["id"], dee)
    # made when offered: its event is on the timeline before anyone asked for it
    generated = [
        e for e in await events(client, admin, load["id"]) if e["type"] == "document.generated"
    ]
    assert [e["data"]["kind"] for e in generated] == ["rate_confirmation"]
    assert generated[0]["data"]["basis"] == f"offer:{made['id']}"
    (confirmation,) = of_kind(await documents(client, admin, load["id"]), "rate_confirmation")
    assert confirmation["sha256"] == generated[0]["data"]["sha256"]
    assert confirmation["accepted_at"] is None
    said = text(await pdf(client, admin, confirmation))
    flat = re.sub(r"\s+", " ", said)
    for expected in (
        "RATE CONFIRMATION",
        load["reference"],
        "Acme Haulage",  # the carrier: the organisation
        "Driver dee",
        "Truck T-481",
        "Chicago DC #12",
        "100 Logistics Way",
        "Dallas, TX 60601",
        "CST",  # windows in each stop's own time
        "Canned goods",
        "26,455 lb",
        "Linehaul",
        "Fuel surcharge",
        "Total rate",
        "Detention",
        "$74.50 per hour after 120 min free",
        "Terms and acceptance",
        "sha256",
    ):
        assert expected in flat, expected
    loaded = round(load["distance_km"] / 1.609344)
    assert f"Loaded miles {loaded:,} mi" in flat
    empty = re.search(r"Empty to pickup ([\d,]+) mi", flat)
    assert empty is not None and int(empty.group(1).replace(",", "")) > 300  # Memphis
    total = re.search(r"Total rate \$([\d,.]+)", flat)
    assert total is not None and float(total.group(1).replace(",", "")) > 3000
    assert len(of_kind(await documents(client, admin, load["id"]), "rate_confirmation")) == 1


async def test_accepting_the_offer_accepts_its_rate_confirmation_with_its_hash(
    client: AsyncClient, admin: Session
) -> None:
    account = await add_customer(client, admin)
    buyer = await add_user(client, admin, "customer", "buyer@globex.example", customer_id=account)
    dee = await add_driver(client, admin, "dee@acme.example")
    eve = await add_driver(client, admin, "eve@acme.example")
    load = await book_load(client, admin, account, price_cents=250_000)
    made = await offer(client, admin, load["id"], dee)
    url = f"/api/offers/{made['id']}/rate-confirmation"
    # the driver reads what they are asked to accept before the load is theirs
    seen = await client.get(url, headers=dee.auth)
    assert seen.status_code == 200 and seen.headers["content-type"] == "application/pdf"
    sha256 = seen.headers["etag"].strip('"')
    offered = await fetch(client, dee, url, "offered-rate-confirmation.pdf")
    assert "$2,500.00" in text(PdfReader(io.BytesIO(offered)))
    for stranger in (eve, buyer):
        assert_problem(await client.get(url, headers=stranger.auth), 404)
    assert_problem(await client.post(f"/api/offers/{made['id']}/accept", headers=eve.auth), 404)
    resp = await client.post(f"/api/offers/{made['id']}/accept", headers=dee.auth)
    assert resp.status_code == 200, resp.text
    (mine,) = of_kind(await documents(client, dee, load["id"]), "rate_confirmation")
    assert mine["sha256"] == sha256
    assert mine["accepted_by"] == dee.session.user["id"]
    assert mine["accepted_at"] is not None
    accepted = [
        e for e in await events(client, admin, load["id"]) if e["type"] == "document.accepted"
    ]
    assert len(accepted) == 1
    assert accepted[0]["data"]["sha256"] == sha256
    assert accepted[0]["data"]["document_id"] == mine["id"]
    assert accepted[0]["data"]["offer_id"] == made["id"]
    # the shipper sees the load's documents, not the carrier's rate with its driver
    theirs = await documents(client, buyer, load["id"])
    assert of_kind(theirs, "rate_confirmation") == []
    assert_problem(await client.get(mine["url"], headers=buyer.auth), 404)


async def test_a_load_assigned_by_hand_has_its_driver_s_rate_confirmation_only_for_them(
    client: AsyncClient, admin: Session
) -> None:
    account = await add_customer(client, admin)
    dee = await add_driver(client, admin, "dee@acme.example")
    eve = await add_driver(client, admin, "eve@acme.example")
    load = await book_load(client, admin, account, price_cents=180_000)
    declined = await offer(client, admin, load["id"], eve)
    answer = await client.post(f"/api/offers/{declined['id']}/decline", headers=eve.auth, json={})
    assert answer.status_code == 200, answer.text
    await assign(client, admin, load["id"], dee)
    staff_view = of_kind(await documents(client, admin, load["id"]), "rate_confirmation")
    assert len(staff_view) == 2  # eve's offer, kept; dee's assignment
    (own,) = of_kind(await documents(client, dee, load["id"]), "rate_confirmation")
    assert own["accepted_at"] is None
    said = text(await pdf(client, dee, own))
    assert "Driver dee" in said and "$1,800.00" in said
    other = next(d for d in staff_view if d["id"] != own["id"])
    assert_problem(await client.get(other["url"], headers=dee.auth), 404)
    # a step of the load does not make another one; its facts are the same
    await client.post(
        f"/api/shipments/{load['id']}/transitions", headers=dee.auth, json={"status": "PICKED_UP"}
    )
    assert len(of_kind(await documents(client, admin, load["id"]), "rate_confirmation")) == 2
