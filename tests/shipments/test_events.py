"""The event log: the timeline, events as part of the change's transaction, and publication."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.exc import IntegrityError

from freight import events
from freight.events import Event
from freight.shipments.models import Shipment
from tests.fleet_helpers import add_driver, assign, move
from tests.helpers import assert_problem
from tests.shipments.conftest import World, book
from tests.shipments.direct import assert_no_leak
from tests.shipments.factory import shipment_body
from tests.shipments.history import patch, problems, shipment_with_history, timeline


@pytest.fixture
def listen_to_bus(app: FastAPI) -> Callable[[], list[str]]:
    """``published = listen_to_bus()``: from then on, the types of the events the bus hands out."""

    def start() -> list[str]:
        published: list[str] = []

        async def listen(batch: Sequence[Event]) -> None:
            published.extend(e.type for e in batch)

        app.state.ctx.bus.subscribe(listen)
        return published

    return start


# --- the timeline ----------------------------------------------------------------------


async def test_timeline_is_oldest_first_with_typed_events(
    client: AsyncClient, world: World
) -> None:
    created = await book(client, world.customer_a)
    sid = created["id"]
    driver = await add_driver(client, world.admin, "drv@acme.example")
    await patch(client, world.customer_a, sid, weight_kg=9000)
    await assign(client, world.dispatcher, sid, driver)
    await move(client, driver, sid, "PICKED_UP")
    await move(client, driver, sid, "IN_TRANSIT")

    items = await timeline(client, world.customer_a, sid)
    assert [e["type"] for e in items] == [
        "shipment.created",
        "shipment.updated",
        "shipment.assigned",
        "shipment.status_changed",
        "shipment.status_changed",
    ]
    assert [e["seq"] for e in items] == [1, 2, 3, 4, 5]
    assert [e["id"] for e in items] == sorted(e["id"] for e in items)
    assert items[0]["data"]["reference"] == created["reference"]
    assert items[1]["data"]["changes"]["weight_kg"] == [12000.0, 9000.0]
    moves = [(e["data"]["from"], e["data"]["to"]) for e in items[2:]]
    assert moves == [
        ("PENDING", "ASSIGNED"),
        ("ASSIGNED", "PICKED_UP"),
        ("PICKED_UP", "IN_TRANSIT"),
    ]
    assert items[1]["actor_id"] == str(world.customer_a.id)
    assert items[1]["actor_role"] == "customer"
    assert items[4]["actor_id"] == str(driver.session.id)
    assert items[4]["actor_role"] == "driver"


async def test_cancel_is_on_the_timeline_with_its_reason(client: AsyncClient, world: World) -> None:
    sid = (await book(client, world.customer_a))["id"]
    resp = await client.post(
        f"/api/shipments/{sid}/cancel", headers=world.customer_a.auth, json={"reason": "no stock"}
    )
    assert resp.status_code == 200, resp.text
    last = (await timeline(client, world.customer_a, sid))[-1]
    assert last["type"] == "shipment.cancelled"
    data = last["data"]
    assert (data["from"], data["to"], data["reason"]) == ("PENDING", "CANCELLED", "no stock")


async def test_transition_event_carries_the_device_time_and_position(
    client: AsyncClient, app: FastAPI, world: World
) -> None:
    sid = (await book(client, world.customer_a))["id"]
    driver = await add_driver(client, world.admin, "drv@acme.example")
    await assign(client, world.dispatcher, sid, driver)
    resp = await client.post(
        f"/api/shipments/{sid}/transitions",
        headers=driver.auth,
        json={
            "status": "PICKED_UP",
            "at": "2030-05-01T09:30:00-05:00",
            "note": "sealed 4471",
            "lat": 41.88,
            "lng": -87.63,
        },
    )
    assert resp.status_code == 200, resp.text
    last = (await timeline(client, world.dispatcher, sid))[-1]
    assert last["type"] == "shipment.status_changed"
    assert (last["data"]["from"], last["data"]["to"]) == ("ASSIGNED", "PICKED_UP")
    assert (last["data"]["lat"], last["data"]["lng"], last["data"]["note"]) == (
        41.88,
        -87.63,
        "sealed 4471",
    )
    assert datetime.fromisoformat(last["device_time"]) == datetime(2030, 5, 1, 14, 30, tzinfo=UTC)
    assert await problems(app) == []  # a device time with an offset still verifies


async def test_timeline_pages_by_cursor(client: AsyncClient, world: World) -> None:
    sid = await shipment_with_history(client, world, edits=4)
    seqs: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        resp = await client.get(
            f"/api/shipments/{sid}/events", headers=world.customer_a.auth, params=params
        )
        assert resp.status_code == 200, resp.text
        page = resp.json()
        seqs += [e["seq"] for e in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seqs == [1, 2, 3, 4, 5]
    assert pages == 3


@pytest.mark.parametrize(
    "cursor", ["-1", "abc", "1 OR 1=1", "' OR '1'='1", "²", "١٢", "9" * 40, "1e3", " 1"]
)
async def test_bad_timeline_cursors_are_422(client: AsyncClient, world: World, cursor: str) -> None:
    sid = await shipment_with_history(client, world, edits=1)
    resp = await client.get(
        f"/api/shipments/{sid}/events", headers=world.customer_a.auth, params={"cursor": cursor}
    )
    assert_no_leak(resp)
    assert ["query", "cursor"] in [e["loc"] for e in assert_problem(resp, 422)["errors"]]


async def test_timeline_is_scoped_like_the_shipment(client: AsyncClient, world: World) -> None:
    sid = await shipment_with_history(client, world, edits=1)
    assert len(await timeline(client, world.customer_a, sid)) == 2
    assert len(await timeline(client, world.dispatcher, sid)) == 2
    for stranger in (world.customer_b, world.outsider):
        resp = await client.get(f"/api/shipments/{sid}/events", headers=stranger.auth)
        assert_problem(resp, 404, "not_found")
    unknown = await client.get(
        f"/api/shipments/{uuid.uuid4()}/events", headers=world.dispatcher.auth
    )
    assert_problem(unknown, 404)


# --- events are part of the change's transaction ---------------------------------------


async def test_a_failed_change_leaves_no_event(
    client: AsyncClient, app: FastAPI, world: World
) -> None:
    sid = (await book(client, world.customer_a))["id"]
    url = f"/api/shipments/{sid}"
    await patch(client, world.customer_a, sid, notes="v2")

    stale = await client.patch(
        url, headers={**world.customer_a.auth, "If-Match": '"1"'}, json={"notes": "stale"}
    )
    assert_problem(stale, 412)
    bad_stops = shipment_body()["stops"]
    bad_stops[0]["window_end"] = bad_stops[0]["window_start"]
    invalid = await client.patch(
        url, headers=world.customer_a.auth, json={"notes": "bad", "stops": bad_stops}
    )
    assert_problem(invalid, 422)
    # The field edit is recorded before the move is refused: both must roll back together.
    half = await client.patch(
        url, headers=world.dispatcher.editing(), json={"notes": "half", "status": "DELIVERED"}
    )
    assert_problem(half, 409, "invalid_transition")
    assert len(await timeline(client, world.dispatcher, sid)) == 2

    cancel = await client.post(
        f"{url}/cancel", headers=world.customer_a.auth, json={"reason": "gone"}
    )
    assert cancel.status_code == 200
    again = await client.post(
        f"{url}/cancel", headers=world.customer_a.auth, json={"reason": "twice"}
    )
    assert_problem(again, 409)
    edit_final = await client.patch(url, headers=world.dispatcher.editing(), json={"notes": "late"})
    assert_problem(edit_final, 409)

    items = await timeline(client, world.dispatcher, sid)
    assert [e["seq"] for e in items] == [1, 2, 3], "failed changes used up sequence numbers"
    assert [e["type"] for e in items][-1] == "shipment.cancelled"
    shipment = (await client.get(url, headers=world.dispatcher.auth)).json()
    assert shipment["notes"] == "v2" and shipment["version"] == 3
    assert await problems(app) == []


# --- savepoints and publication --------------------------------------------------------


async def test_an_event_of_a_rolled_back_savepoint_is_never_published(
    app: FastAPI, client: AsyncClient, world: World, listen_to_bus: Callable[[], list[str]]
) -> None:
    shipment_id = uuid.UUID((await book(client, world.customer_a))["id"])
    ctx = app.state.ctx
    published = listen_to_bus()
    async with ctx.sessions() as session:
        shipment = await session.get_one(Shipment, shipment_id)
        org = shipment.organization_id
        async with events.savepoint(session):
            await events.record(session, None, org, "test.kept", {}, shipment_id=shipment_id)
        with pytest.raises(RuntimeError):
            async with events.savepoint(session):
                await events.record(
                    session, None, org, "test.rolled_back", {}, shipment_id=shipment_id
                )
                raise RuntimeError("this part fails")
        await ctx.commit(session)
    assert published == ["test.kept"]
    stored = [e["type"] for e in await timeline(client, world.admin, str(shipment_id))]
    assert "test.kept" in stored and "test.rolled_back" not in stored
    assert await problems(app) == []  # the rolled-back event left no hole in the chain


async def test_the_events_of_a_failed_commit_are_discarded_not_published(
    app: FastAPI, client: AsyncClient, world: World, listen_to_bus: Callable[[], list[str]]
) -> None:
    shipment_id = uuid.UUID((await book(client, world.customer_a))["id"])
    other = (await book(client, world.customer_a))["reference"]
    ctx = app.state.ctx
    published = listen_to_bus()
    async with ctx.sessions() as session:
        shipment = await session.get_one(Shipment, shipment_id)
        await events.record(
            session, None, shipment.organization_id, "test.lost", {}, shipment_id=shipment_id
        )
        shipment.reference = other  # unique: the commit fails
        with pytest.raises(IntegrityError):
            await ctx.commit(session)
        assert session.info.get(events.PENDING_KEY) is None
    await asyncio.sleep(0.05)
    assert published == []
    stored = [e["type"] for e in await timeline(client, world.admin, str(shipment_id))]
    assert "test.lost" not in stored
