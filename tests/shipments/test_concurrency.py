"""Concurrent writers on one shipment: exactly one wins, the rest are told, nothing forks."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient, Response

from freight.events import verify_chains
from tests.fleet_helpers import add_driver, assign
from tests.helpers import Session
from tests.shipments.conftest import World, book


async def timeline(client: AsyncClient, who: Session, sid: str) -> list[dict[str, Any]]:
    resp = await client.get(f"/api/shipments/{sid}/events", headers=who.auth)
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def chain_problems(app: FastAPI) -> list[Any]:
    async with app.state.ctx.sessions() as session:
        return [p async for p in verify_chains(session)]


def statuses(responses: list[Response]) -> Counter[int]:
    counted = Counter(r.status_code for r in responses)
    assert 500 not in counted, next(r.text for r in responses if r.status_code == 500)
    return counted


async def test_fifty_patches_with_the_same_if_match_one_wins(
    client: AsyncClient, app: FastAPI, world: World
) -> None:
    sid = (await book(client, world.customer_a))["id"]
    url = f"/api/shipments/{sid}"
    headers = {**world.customer_a.auth, "If-Match": '"1"'}

    responses = await asyncio.gather(
        *(client.patch(url, headers=headers, json={"notes": f"writer {i}"}) for i in range(50))
    )

    assert statuses(responses) == {200: 1, 412: 49}
    winner = next(r for r in responses if r.status_code == 200).json()
    for loser in (r for r in responses if r.status_code == 412):
        assert loser.json()["code"] == "precondition_failed"
    current = (await client.get(url, headers=world.customer_a.auth)).json()
    assert current["version"] == 2
    assert current["notes"] == winner["notes"]
    items = await timeline(client, world.dispatcher, sid)
    assert [e["type"] for e in items] == ["shipment.created", "shipment.updated"]
    assert [e["seq"] for e in items] == [1, 2]
    assert await chain_problems(app) == []


async def test_concurrent_patches_with_if_match_any_all_land_in_one_chain(
    client: AsyncClient, app: FastAPI, world: World
) -> None:
    sid = (await book(client, world.customer_a))["id"]
    url = f"/api/shipments/{sid}"
    anyone = {**world.dispatcher.auth, "If-Match": "*"}  # "whatever version is current"
    responses = await asyncio.gather(
        *(client.patch(url, headers=anyone, json={"pieces": i}) for i in range(1, 21))
    )
    counted = statuses(responses)
    # With ``If-Match: *`` a writer that lost the race may still be told 412 (the version
    # check in the UPDATE): never a lost update, never a 500.
    assert set(counted) <= {200, 412} and counted[200] >= 1
    current = (await client.get(url, headers=world.dispatcher.auth)).json()
    assert current["version"] == 1 + counted[200]
    items = await timeline(client, world.dispatcher, sid)
    assert [e["seq"] for e in items] == list(range(1, 2 + counted[200]))
    assert await chain_problems(app) == []


async def test_concurrent_cancels_exactly_one_wins(
    client: AsyncClient, app: FastAPI, world: World
) -> None:
    sid = (await book(client, world.customer_a))["id"]
    url = f"/api/shipments/{sid}/cancel"
    who = [world.customer_a, world.dispatcher, world.admin] * 7
    responses = await asyncio.gather(
        *(client.post(url, headers=w.auth, json={"reason": f"r{i}"}) for i, w in enumerate(who))
    )
    counted = statuses(responses)
    assert counted[200] == 1
    assert set(counted) <= {200, 409, 412}
    items = await timeline(client, world.dispatcher, sid)
    assert [e["type"] for e in items] == ["shipment.created", "shipment.cancelled"]
    current = (await client.get(f"/api/shipments/{sid}", headers=world.dispatcher.auth)).json()
    assert (current["status"], current["version"]) == ("CANCELLED", 2)
    assert await chain_problems(app) == []


async def test_racing_pickup_and_cancel_exactly_one_wins(
    client: AsyncClient, app: FastAPI, world: World
) -> None:
    sid = (await book(client, world.customer_a))["id"]
    driver = await add_driver(client, world.admin, "drv@acme.example")
    await assign(client, world.dispatcher, sid, driver)
    base = f"/api/shipments/{sid}"
    auth = world.dispatcher.auth
    requests = []
    for i in range(10):
        requests.append(
            client.post(f"{base}/transitions", headers=auth, json={"status": "PICKED_UP"})
        )
        requests.append(client.post(f"{base}/cancel", headers=auth, json={"reason": f"r{i}"}))
    responses = await asyncio.gather(*requests)

    counted = statuses(responses)
    assert counted[200] == 1
    assert set(counted) <= {200, 409, 412}
    final = next(r for r in responses if r.status_code == 200).json()["status"]
    current = (await client.get(base, headers=auth)).json()
    assert current["status"] == final and current["version"] == 3
    moves = [e for e in await timeline(client, world.dispatcher, sid) if e["seq"] > 2]
    assert [(m["data"]["from"], m["data"]["to"]) for m in moves] == [("ASSIGNED", final)]
    assert await chain_problems(app) == []
