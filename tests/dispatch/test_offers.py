"""Load offers through the API: one driver or a waterfall, accept, decline, expiry by the
sweep, withdrawal, who may do what, and the races that must give one assignment."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import update

from freight.db import utcnow
from freight.dispatch.models import Offer
from freight.dispatch.offer_clock import OfferClock
from tests.fleet_helpers import DriverAt, add_driver, assign, book_load
from tests.helpers import Session, add_customer, add_user, assert_problem


async def _offer(
    client: AsyncClient, staff: Session, load_id: str, **body: Any
) -> list[dict[str, Any]]:
    resp = await client.post(f"/api/shipments/{load_id}/offers", headers=staff.auth, json=body)
    assert resp.status_code == 201, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def _load(client: AsyncClient, staff: Session, load_id: str) -> dict[str, Any]:
    body: dict[str, Any] = (
        await client.get(f"/api/shipments/{load_id}", headers=staff.auth)
    ).json()
    return body


async def _offers(client: AsyncClient, who: Session | DriverAt, **query: str) -> list[Any]:
    resp = await client.get("/api/offers", headers=who.auth, params=query)
    assert resp.status_code == 200, resp.text
    items: list[Any] = resp.json()["items"]
    return items


async def _types(client: AsyncClient, staff: Session, load_id: str) -> list[str]:
    """The load's event types, without its documents' (each offer makes a rate
    confirmation; tests/documents follow those)."""
    events = (await client.get(f"/api/shipments/{load_id}/events", headers=staff.auth)).json()
    return [e["type"] for e in events["items"] if not e["type"].startswith("document.")]


async def _run_out(app: FastAPI, *offer_ids: str) -> int:
    """Let these offers' time run out, then run one sweep of the server's offer clock."""
    ctx = app.state.ctx
    async with ctx.sessions() as session:
        await session.execute(
            update(Offer)
            .where(Offer.id.in_([uuid.UUID(i) for i in offer_ids]))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    settled: int = await OfferClock(ctx).tick()
    return settled


@pytest.fixture
async def account(client: AsyncClient, admin: Session) -> str:
    return await add_customer(client, admin)


async def test_a_driver_accepts_an_offer_and_the_load_is_theirs(
    client: AsyncClient, admin: Session, account: str
) -> None:
    dee = await add_driver(client, admin, "dee@acme.example", city="Memphis")
    load = await book_load(client, admin, account)
    (offer,) = await _offer(client, admin, load["id"], driver_id=dee.id)
    assert offer["status"] == "open" and offer["driver_id"] == dee.id
    assert offer["expires_in_s"] == 900  # FREIGHT_OFFER_EXPIRY_S by default
    assert offer["deadhead_km"] > 500  # Memphis to Chicago
    (listed,) = await _offers(client, dee)
    assert listed["id"] == offer["id"]
    # what the driver reads before saying yes, though the load is not theirs yet
    assert listed["load"]["reference"] == load["reference"]
    assert (listed["load"]["pickup"]["city"], listed["load"]["delivery"]["city"]) == (
        "Chicago",
        "Dallas",
    )
    assert listed["load"]["distance_km"] == load["distance_km"]
    assert_problem(await client.get(f"/api/shipments/{load['id']}", headers=dee.auth), 404)
    resp = await client.post(f"/api/offers/{offer['id']}/accept", headers=dee.auth)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "accepted"
    shipment = await _load(client, admin, load["id"])
    assert (shipment["status"], shipment["driver_id"]) == ("ASSIGNED", dee.id)
    types = await _types(client, admin, load["id"])
    assert types[-3:] == ["offer.made", "offer.accepted", "shipment.assigned"]
    # a second tap on the button: the offer is no longer open
    again = await client.post(f"/api/offers/{offer['id']}/accept", headers=dee.auth)
    assert "already accepted" in assert_problem(again, 409)["detail"]


async def test_the_same_offer_asked_twice_is_one_offer(
    client: AsyncClient, admin: Session, account: str
) -> None:
    dee = await add_driver(client, admin, "dee@acme.example")
    load = await book_load(client, admin, account)
    (first,) = await _offer(client, admin, load["id"], driver_id=dee.id, expires_in_s=120)
    resp = await client.post(
        f"/api/shipments/{load['id']}/offers", headers=admin.auth, json={"driver_id": dee.id}
    )
    assert resp.status_code == 200 and [o["id"] for o in resp.json()["items"]] == [first["id"]]
    assert first["expires_in_s"] == 120
    assert (await _types(client, admin, load["id"])).count("offer.made") == 1


async def test_a_waterfall_moves_down_the_ranking_on_decline_and_expiry(
    client: AsyncClient, app: FastAPI, admin: Session, account: str
) -> None:
    near = await add_driver(client, admin, "near@acme.example", city="Chicago")
    middle = await add_driver(client, admin, "middle@acme.example", city="Memphis")
    far = await add_driver(client, admin, "far@acme.example", city="Los Angeles")
    await add_driver(client, admin, "flat@acme.example", equipment_types=["flatbed"])
    load = await book_load(client, admin, account)
    made = await _offer(client, admin, load["id"], waterfall=True)
    # the ranking: nearest to the pickup first, the unqualified driver left out
    assert [o["driver_id"] for o in made] == [near.id, middle.id, far.id]
    assert [o["status"] for o in made] == ["open", "queued", "queued"]
    assert made[0]["reasons"][0] == "ranked 1 of 3 by empty miles to the pickup"
    assert len({o["waterfall_id"] for o in made}) == 1
    assert await _offers(client, middle) == []  # not their turn yet
    resp = await client.post(
        f"/api/offers/{made[0]['id']}/decline",
        headers=near.auth,
        json={"reason": "home time this weekend"},
    )
    assert resp.json()["status"] == "declined"
    (turn,) = await _offers(client, middle, live="true")
    assert turn["id"] == made[1]["id"] and turn["status"] == "open"
    # the middle driver lets it run out: the sweep expires it and asks the last one
    assert await _run_out(app, turn["id"]) == 1
    (last,) = await _offers(client, far, live="true")
    assert last["id"] == made[2]["id"]
    late = await client.post(f"/api/offers/{turn['id']}/accept", headers=middle.auth)
    assert "expired" in assert_problem(late, 409)["detail"]
    assert await _run_out(app, last["id"]) == 1
    statuses = [o["status"] for o in await _offers(client, admin, shipment_id=load["id"])]
    assert sorted(statuses) == ["declined", "expired", "expired"]
    types = await _types(client, admin, load["id"])
    assert types[-7:] == [
        "offer.made",
        "offer.declined",
        "offer.made",
        "offer.expired",
        "offer.made",
        "offer.expired",
        "offer.exhausted",
    ]
    assert (await _load(client, admin, load["id"]))["status"] == "PENDING"
    # the decline's reason is the office's: staff read it, the customer does not
    events = (await client.get(f"/api/shipments/{load['id']}/events", headers=admin.auth)).json()
    declined = next(e for e in events["items"] if e["type"] == "offer.declined")
    assert declined["data"]["reason"] == "home time this weekend"


async def test_an_offer_past_its_time_cannot_be_accepted_before_the_sweep(
    client: AsyncClient, app: FastAPI, admin: Session, account: str
) -> None:
    dee = await add_driver(client, admin, "dee@acme.example")
    load = await book_load(client, admin, account)
    (offer,) = await _offer(client, admin, load["id"], driver_id=dee.id)
    async with app.state.ctx.sessions() as session:
        await session.execute(
            update(Offer)
            .where(Offer.id == uuid.UUID(offer["id"]))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    resp = await client.post(f"/api/offers/{offer['id']}/accept", headers=dee.auth)
    assert "expired" in assert_problem(resp, 409)["detail"]
    assert (await _load(client, admin, load["id"]))["status"] == "PENDING"


async def test_assigning_by_hand_withdraws_the_offers_and_moves_the_drivers_waterfalls_on(
    client: AsyncClient, admin: Session, account: str
) -> None:
    dee = await add_driver(client, admin, "dee@acme.example")
    ray = await add_driver(client, admin, "ray@acme.example", city="Memphis")
    first, second = [await book_load(client, admin, account) for _ in range(2)]
    (single,) = await _offer(client, admin, first["id"], driver_id=ray.id)
    chain = await _offer(client, admin, second["id"], waterfall=True)
    assert [o["driver_id"] for o in chain] == [dee.id, ray.id]
    await assign(client, admin, first["id"], dee)  # dee takes the first load by hand
    offers = {o["id"]: o for o in await _offers(client, admin)}
    assert offers[single["id"]]["status"] == "withdrawn"  # the first load's offer to ray
    assert offers[chain[0]["id"]]["status"] == "withdrawn"  # dee's turn on the second
    assert offers[chain[1]["id"]]["status"] == "open"  # so ray is asked next
    gone = await client.post(f"/api/offers/{single['id']}/accept", headers=ray.auth)
    assert "withdrew" in assert_problem(gone, 409)["detail"]


async def test_a_cancelled_load_s_offers_are_withdrawn_by_the_sweep(
    client: AsyncClient, app: FastAPI, admin: Session, account: str
) -> None:
    dee = await add_driver(client, admin, "dee@acme.example")
    load = await book_load(client, admin, account)
    (offer,) = await _offer(client, admin, load["id"], driver_id=dee.id)
    resp = await client.post(
        f"/api/shipments/{load['id']}/cancel", headers=admin.auth, json={"reason": "no freight"}
    )
    assert resp.status_code == 200, resp.text
    tapped = await client.post(f"/api/offers/{offer['id']}/accept", headers=dee.auth)
    assert "no longer available" in assert_problem(tapped, 409)["detail"]
    assert await OfferClock(app.state.ctx).tick() == 1
    (after,) = await _offers(client, dee)
    assert (after["status"], after["reason"]) == ("withdrawn", "the load is no longer pending")


async def test_the_dispatcher_withdraws_a_waterfall(
    client: AsyncClient, admin: Session, account: str
) -> None:
    dee = await add_driver(client, admin, "dee@acme.example")
    await add_driver(client, admin, "ray@acme.example", city="Memphis")
    load = await book_load(client, admin, account)
    chain = await _offer(client, admin, load["id"], waterfall=True)
    resp = await client.post(f"/api/offers/{chain[0]['id']}/withdraw", headers=admin.auth)
    assert sorted(o["status"] for o in resp.json()["items"]) == ["withdrawn", "withdrawn"]
    assert await _offers(client, dee, live="true") == []
    again = await client.post(f"/api/offers/{chain[0]['id']}/withdraw", headers=admin.auth)
    assert_problem(again, 409)
    # with nothing on offer, a new single offer may go out
    assert (await _offer(client, admin, load["id"], driver_id=dee.id))[0]["status"] == "open"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "driver_id"),
        ({"driver_id": str(uuid.uuid4()), "waterfall": True}, "driver_id"),
        ({"driver_id": str(uuid.uuid4())}, "driver_id"),
        ({"waterfall": True, "expires_in_s": 5}, "expires_in_s"),
        ({"waterfall": "yes please"}, "waterfall"),
    ],
    ids=["neither", "both", "unknown-driver", "too-short", "not-a-boolean"],
)
async def test_bad_offers_name_the_field_and_make_nothing(
    client: AsyncClient, admin: Session, account: str, body: dict[str, Any], field: str
) -> None:
    await add_driver(client, admin, "dee@acme.example")
    load = await book_load(client, admin, account)
    resp = await client.post(f"/api/shipments/{load['id']}/offers", headers=admin.auth, json=body)
    problem = assert_problem(resp, 422)
    assert field in str(problem["errors"]), problem
    assert await _offers(client, admin) == []


async def test_offers_the_rules_refuse_say_why(
    client: AsyncClient, admin: Session, account: str
) -> None:
    flat = await add_driver(client, admin, "flat@acme.example", equipment_types=["flatbed"])
    load = await book_load(client, admin, account)
    resp = await client.post(
        f"/api/shipments/{load['id']}/offers", headers=admin.auth, json={"driver_id": flat.id}
    )
    assert "not qualified for dry_van" in assert_problem(resp, 409)["detail"]
    nobody = await client.post(
        f"/api/shipments/{load['id']}/offers", headers=admin.auth, json={"waterfall": True}
    )
    assert "no free driver" in assert_problem(nobody, 409)["detail"]
    dee = await add_driver(client, admin, "dee@acme.example")
    await assign(client, admin, load["id"], dee)
    taken = await client.post(
        f"/api/shipments/{load['id']}/offers", headers=admin.auth, json={"driver_id": dee.id}
    )
    assert "the load is assigned" in assert_problem(taken, 409)["detail"]


async def test_only_staff_offer_and_only_the_offered_driver_answers(
    client: AsyncClient, admin: Session, other_admin: Session, account: str
) -> None:
    dee = await add_driver(client, admin, "dee@acme.example")
    ray = await add_driver(client, admin, "ray@acme.example")
    shipper = await add_user(client, admin, "customer", "ship@globex.example", customer_id=account)
    load = await book_load(client, admin, account)
    for who in (dee, shipper):
        resp = await client.post(
            f"/api/shipments/{load['id']}/offers", headers=who.auth, json={"driver_id": dee.id}
        )
        assert_problem(resp, 403)
    (offer,) = await _offer(client, admin, load["id"], driver_id=dee.id)
    for who, status in ((ray, 404), (admin, 403), (shipper, 403)):
        for answer in ("accept", "decline"):
            resp = await client.post(f"/api/offers/{offer['id']}/{answer}", headers=who.auth)
            assert_problem(resp, status)
    # another organisation sees nothing of it and cannot withdraw it
    assert await _offers(client, other_admin) == []
    foreign = await client.post(f"/api/offers/{offer['id']}/withdraw", headers=other_admin.auth)
    assert_problem(foreign, 404)
    assert await _offers(client, ray) == []
    assert_problem(await client.get("/api/offers", headers=shipper.auth), 403)
    # the customer's timeline does not carry the office's reasons
    await client.post(
        f"/api/offers/{offer['id']}/decline", headers=dee.auth, json={"reason": "too far"}
    )
    events = (await client.get(f"/api/shipments/{load['id']}/events", headers=shipper.auth)).json()
    declined = next(e for e in events["items"] if e["type"] == "offer.declined")
    assert "reason" not in declined["data"]


async def test_two_drivers_accepting_one_load_at_once_give_one_assignment(
    client: AsyncClient, admin: Session, account: str
) -> None:
    drivers = [await add_driver(client, admin, f"d{i}@acme.example") for i in range(2)]
    for _ in range(3):  # a few rounds, unassigning between them
        load = await book_load(client, admin, account)
        made = [(await _offer(client, admin, load["id"], driver_id=d.id))[0] for d in drivers]

        async def accept(driver: DriverAt, offer: dict[str, Any]) -> int:
            resp = await client.post(f"/api/offers/{offer['id']}/accept", headers=driver.auth)
            return resp.status_code

        codes = await asyncio.gather(*(accept(d, o) for d, o in zip(drivers, made, strict=True)))
        assert sorted(codes) == [200, 409]
        shipment = await _load(client, admin, load["id"])
        winner = drivers[codes.index(200)]
        assert (shipment["status"], shipment["driver_id"]) == ("ASSIGNED", winner.id)
        statuses = sorted(o["status"] for o in await _offers(client, admin, shipment_id=load["id"]))
        assert statuses == ["accepted", "withdrawn"]
        assert (await _types(client, admin, load["id"])).count("shipment.assigned") == 1
        await client.post(
            f"/api/shipments/{load['id']}/cancel", headers=admin.auth, json={"reason": "next round"}
        )


async def test_one_driver_accepting_two_loads_at_once_takes_one(
    client: AsyncClient, admin: Session, account: str
) -> None:
    dee = await add_driver(client, admin, "dee@acme.example")
    for _ in range(3):
        loads = [await book_load(client, admin, account) for _ in range(2)]
        made = [(await _offer(client, admin, ld["id"], driver_id=dee.id))[0] for ld in loads]

        async def accept(offer: dict[str, Any]) -> int:
            resp = await client.post(f"/api/offers/{offer['id']}/accept", headers=dee.auth)
            return resp.status_code

        codes = await asyncio.gather(*(accept(o) for o in made))
        assert sorted(codes) == [200, 409]
        statuses = [(await _load(client, admin, ld["id"]))["status"] for ld in loads]
        assert sorted(statuses) == ["ASSIGNED", "PENDING"]
        kept = loads[statuses.index("ASSIGNED")]
        await client.post(
            f"/api/shipments/{kept['id']}/cancel", headers=admin.auth, json={"reason": "next round"}
        )
