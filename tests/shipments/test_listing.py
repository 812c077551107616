"""The shipment list: filters, newest first, keyset pagination, scoping, hostile input."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import pytest
from httpx import AsyncClient

from tests.fleet_helpers import add_driver, assign
from tests.helpers import Session, assert_problem
from tests.shipments.conftest import World, book
from tests.shipments.direct import assert_no_leak
from tests.shipments.factory import shipment_body, stop

IST = timezone(timedelta(hours=5, minutes=30))
PACIFIC = timezone(timedelta(hours=-8))


async def listing(client: AsyncClient, who: Session, **params: Any) -> list[dict[str, Any]]:
    resp = await client.get("/api/shipments", headers=who.auth, params=params)
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def refs(client: AsyncClient, who: Session, **params: Any) -> list[str]:
    return [s["reference"] for s in await listing(client, who, **params)]


async def walk(client: AsyncClient, who: Session, limit: int, **params: Any) -> list[str]:
    """Every id, page after page, following next_cursor."""
    seen: list[str] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": limit} | ({"cursor": cursor} if cursor else {})
        resp = await client.get("/api/shipments", headers=who.auth, params=query)
        assert resp.status_code == 200, resp.text
        page = resp.json()
        assert len(page["items"]) <= limit
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


# --- filters -------------------------------------------------------------------------


async def test_status_filter_single_and_repeated(client: AsyncClient, world: World) -> None:
    pending = await book(client, world.customer_a)
    cancelled = await book(client, world.customer_a)
    assigned = await book(client, world.customer_a)
    resp = await client.post(
        f"/api/shipments/{cancelled['id']}/cancel",
        headers=world.customer_a.auth,
        json={"reason": "booked twice"},
    )
    assert resp.status_code == 200, resp.text
    driver = await add_driver(client, world.admin, "drv@acme.example")
    await assign(client, world.dispatcher, assigned["id"], driver)

    d = world.dispatcher
    assert await refs(client, d, status="PENDING") == [pending["reference"]]
    assert await refs(client, d, status="CANCELLED") == [cancelled["reference"]]
    both = await refs(client, d, status=["PENDING", "ASSIGNED"])
    assert both == [assigned["reference"], pending["reference"]]
    assert await refs(client, d, status="DELIVERED") == []
    assert_problem(
        await client.get("/api/shipments", headers=d.auth, params={"status": "LOST"}), 422
    )


async def test_customer_id_filter(client: AsyncClient, world: World) -> None:
    for_a = await book(client, world.dispatcher, customer_id=world.account_a)
    for_b = await book(client, world.dispatcher, customer_id=world.account_b)
    d = world.dispatcher
    assert await refs(client, d, customer_id=world.account_a) == [for_a["reference"]]
    assert await refs(client, d, customer_id=world.account_b) == [for_b["reference"]]
    assert await refs(client, d, customer_id=str(uuid.uuid4())) == []


async def test_driver_id_filter(client: AsyncClient, world: World) -> None:
    carried = await book(client, world.customer_a)
    await book(client, world.customer_a)
    driver = await add_driver(client, world.admin, "drv@acme.example")
    idle = await add_driver(client, world.admin, "idle@acme.example")
    await assign(client, world.dispatcher, carried["id"], driver)
    assert await refs(client, world.dispatcher, driver_id=driver.id) == [carried["reference"]]
    assert await refs(client, world.dispatcher, driver_id=idle.id) == []
    assert await refs(client, world.dispatcher, driver_id=str(uuid.uuid4())) == []


async def test_q_finds_by_reference_in_any_case(client: AsyncClient, world: World) -> None:
    wanted = await book(client, world.customer_a)
    other = await book(client, world.customer_a)
    ref = wanted["reference"]
    d = world.dispatcher
    assert await refs(client, d, q=ref) == [ref]
    assert await refs(client, d, q=ref.lower()) == [ref]
    assert await refs(client, d, q=f"  {ref}  ") == [ref]
    assert other["reference"] not in await refs(client, d, q=ref[-5:])


async def test_q_finds_by_place_text(client: AsyncClient, world: World) -> None:
    to_memphis = await book(client, world.customer_a, origin="Atlanta", destination="Memphis")
    to_la = await book(client, world.customer_a, origin="Denver", destination="Los Angeles")
    d = world.dispatcher
    assert await refs(client, d, q="memphis") == [to_memphis["reference"]]
    assert await refs(client, d, q="Los Ang") == [to_la["reference"]]
    assert await refs(client, d, q="denver") == [to_la["reference"]]
    assert await refs(client, d, q="Chicago") == []


async def test_created_range_honours_offsets(client: AsyncClient, world: World) -> None:
    first = await book(client, world.customer_a)
    second = await book(client, world.customer_a)
    third = await book(client, world.customer_a)
    at = [datetime.fromisoformat(s["created_at"]) for s in (first, second, third)]
    assert at[0] < at[1] < at[2]
    d = world.dispatcher
    # The same instants written in other offsets: created_from is inclusive, created_to not.
    since_second = at[1].astimezone(IST).isoformat()
    until_third = at[2].astimezone(PACIFIC).isoformat()
    assert await refs(client, d, created_from=since_second) == [
        third["reference"],
        second["reference"],
    ]
    assert await refs(client, d, created_to=until_third) == [
        second["reference"],
        first["reference"],
    ]
    between = await refs(client, d, created_from=since_second, created_to=until_third)
    assert between == [second["reference"]]
    later = (at[2] + timedelta(hours=1)).astimezone(IST).isoformat()
    assert await refs(client, d, created_from=later) == []


@pytest.mark.parametrize("field", ["created_from", "created_to"])
async def test_naive_timestamps_are_422_naming_the_field(
    client: AsyncClient, world: World, field: str
) -> None:
    resp = await client.get(
        "/api/shipments", headers=world.dispatcher.auth, params={field: "2026-01-01T08:00:00"}
    )
    errors = assert_problem(resp, 422, "validation_error")["errors"]
    assert ["query", field] in [e["loc"] for e in errors]


async def test_filters_combine(client: AsyncClient, world: World) -> None:
    a_to_memphis = await book(
        client, world.dispatcher, customer_id=world.account_a, destination="Memphis"
    )
    await book(client, world.dispatcher, customer_id=world.account_b, destination="Memphis")
    await book(client, world.dispatcher, customer_id=world.account_a, destination="Phoenix")
    found = await refs(
        client, world.dispatcher, customer_id=world.account_a, q="memphis", status="PENDING"
    )
    assert found == [a_to_memphis["reference"]]


# --- order and pagination --------------------------------------------------------------


async def test_newest_first(client: AsyncClient, world: World) -> None:
    booked = [(await book(client, world.customer_a))["reference"] for _ in range(5)]
    assert await refs(client, world.dispatcher) == booked[::-1]


async def test_keyset_pages_cover_everything_once(client: AsyncClient, world: World) -> None:
    booked = [(await book(client, world.customer_a))["id"] for _ in range(7)]
    first = (
        await client.get("/api/shipments", headers=world.dispatcher.auth, params={"limit": 3})
    ).json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    assert await walk(client, world.dispatcher, 3) == booked[::-1]
    assert await walk(client, world.dispatcher, 7) == booked[::-1]
    assert await walk(client, world.dispatcher, 200) == booked[::-1]


@pytest.mark.parametrize("limit", ["0", "201", "-1", "ten"])
async def test_limit_out_of_range_is_422(client: AsyncClient, world: World, limit: str) -> None:
    resp = await client.get(
        "/api/shipments", headers=world.dispatcher.auth, params={"limit": limit}
    )
    assert_problem(resp, 422)


async def test_pages_stay_consistent_while_shipments_are_booked(
    client: AsyncClient, world: World
) -> None:
    before = [(await book(client, world.customer_a))["id"] for _ in range(12)]
    booked_during: list[str] = []

    async def keep_booking() -> None:
        for _ in range(10):
            booked_during.append((await book(client, world.customer_b))["id"])
            await asyncio.sleep(0)

    writer = asyncio.create_task(keep_booking())
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (
            await client.get("/api/shipments", headers=world.dispatcher.auth, params=params)
        ).json()
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        await asyncio.sleep(0.01)
        if cursor is None:
            break
    await writer

    assert len(booked_during) == 10
    assert len(seen) == len(set(seen)), "a row was served twice"
    assert [i for i in seen if i in before] == before[::-1], "a pre-existing row was skipped"
    assert set(seen) <= set(before) | set(booked_during)


# --- who sees what ---------------------------------------------------------------------


async def test_each_role_sees_its_own_scope(client: AsyncClient, world: World) -> None:
    a1 = await book(client, world.customer_a)
    b1 = await book(client, world.customer_b)
    a2 = await book(client, world.dispatcher, customer_id=world.account_a)
    all_refs = {s["reference"] for s in (a1, b1, a2)}

    assert set(await refs(client, world.customer_a)) == {a1["reference"], a2["reference"]}
    assert await refs(client, world.customer_b) == [b1["reference"]]
    assert set(await refs(client, world.dispatcher)) == all_refs
    assert set(await refs(client, world.admin)) == all_refs
    assert await refs(client, world.outsider) == []


async def test_filters_never_widen_the_scope(client: AsyncClient, world: World) -> None:
    b1 = await book(client, world.customer_b)
    assert await refs(client, world.customer_a, customer_id=world.account_b) == []
    assert await refs(client, world.customer_a, q=b1["reference"]) == []
    assert await refs(client, world.outsider, customer_id=world.account_b) == []
    assert await refs(client, world.outsider, q=b1["reference"]) == []


async def test_unauthenticated_list_is_401(client: AsyncClient) -> None:
    assert_problem(await client.get("/api/shipments"), 401)


# --- hostile input ---------------------------------------------------------------------

PAYLOADS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "1; SELECT * FROM users",
    '"; DROP TABLE shipments; --',
    "') UNION SELECT id, email FROM users --",
    "%",
    "_",
    "\\",
    "%%",
    "\\%",
    '{"$ne": null}',
    '{"$gt": ""}',
    "[$ne]=1",
    "*",
    "a" * 5000,
    "Zürich 東京 🚚 \u202e",
    "nul\x00byte",
    "\x00",
    "null",
    "-1",
    "1e309",
]
FILTERS = ["status", "customer_id", "driver_id", "q", "created_from", "created_to", "cursor"]


def _craft_cursor(values: Any) -> str:
    raw = json.dumps(values).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# A fixed id: parameter ids must be the same in every pytest-xdist worker.
ANY_ID = uuid.UUID("8f9e1c95-47b3-4ea8-908e-020b1f997ccd")

CRAFTED_CURSORS = [
    _craft_cursor(["2026-01-01T00:00:00", str(ANY_ID)]),  # naive timestamp
    _craft_cursor(["2026-01-01T00:00:00+00:00", "' OR '1'='1"]),
    _craft_cursor(["' OR '1'='1", str(ANY_ID)]),
    _craft_cursor(["0001-01-01T00:00:00+14:00", str(ANY_ID)]),
    _craft_cursor(["9999-12-31T23:59:59-14:00", str(ANY_ID)]),
    _craft_cursor({"$ne": None}),
    _craft_cursor([1, 2]),
    _craft_cursor("ab"),
    "!!!not-base64!!!",
]


@pytest.fixture
async def visible_world(client: AsyncClient, world: World) -> World:
    """Shipments on both accounts, so a filter that leaks would have something to leak."""
    await book(client, world.customer_a)
    await book(client, world.customer_b, origin="Denver", destination="Phoenix")
    return world


@pytest.mark.parametrize("name", FILTERS)
async def test_injection_in_filters_is_rejected_or_matches_nothing(
    client: AsyncClient, visible_world: World, name: str
) -> None:
    for payload in PAYLOADS:
        for who in (visible_world.customer_a, visible_world.outsider):
            resp = await client.get("/api/shipments", headers=who.auth, params={name: payload})
            assert_no_leak(resp)
            if resp.status_code != 200:
                continue
            items = resp.json()["items"]
            # Nothing outside the caller's scope, and no payload is a text that matches.
            if who is visible_world.outsider or name == "q":
                assert items == [], (name, payload)
            assert {s["customer_id"] for s in items} <= {visible_world.account_a}


@pytest.mark.parametrize("cursor", CRAFTED_CURSORS)
async def test_tampered_cursors_are_422(
    client: AsyncClient, visible_world: World, cursor: str
) -> None:
    resp = await client.get(
        "/api/shipments", headers=visible_world.customer_a.auth, params={"cursor": cursor}
    )
    assert_no_leak(resp)
    errors = assert_problem(resp, 422)["errors"]
    assert ["query", "cursor"] in [e["loc"] for e in errors]


@pytest.mark.parametrize("field", ["created_from", "created_to"])
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
async def test_timestamps_at_the_edge_of_the_calendar_are_not_500(
    client: AsyncClient, visible_world: World, field: str, value: str
) -> None:
    resp = await client.get(
        "/api/shipments", headers=visible_world.dispatcher.auth, params={field: value}
    )
    assert_no_leak(resp)
    assert ["query", field] in [e["loc"] for e in assert_problem(resp, 422)["errors"]]


async def test_nul_in_q_is_422_not_a_match_all(client: AsyncClient, visible_world: World) -> None:
    for q in ("\x00", "FRT\x00", "%\x00"):
        resp = await client.get(
            "/api/shipments", headers=visible_world.dispatcher.auth, params={"q": q}
        )
        assert_no_leak(resp)
        assert ["query", "q"] in [e["loc"] for e in assert_problem(resp, 422)["errors"]]


async def test_injection_in_the_path_id_is_rejected(
    client: AsyncClient, visible_world: World
) -> None:
    for payload in PAYLOADS:
        for suffix in ("", "/events"):
            url = f"/api/shipments/{quote(payload, safe='')}{suffix}"
            resp = await client.get(url, headers=visible_world.dispatcher.auth)
            assert_no_leak(resp)
            assert resp.status_code in (404, 422), (payload, resp.text)


@pytest.mark.parametrize(
    ("q", "city"), [("%", "100% Town"), ("_", "Under_score"), ("\\", "Back\\slash")]
)
async def test_like_wildcards_in_q_are_searched_literally(
    client: AsyncClient, world: World, q: str, city: str
) -> None:
    start = datetime.now(UTC) + timedelta(days=1)
    body = shipment_body()
    body["stops"][0] = stop("pickup", "Chicago", start) | {"city": city}
    special = await book(client, world.customer_a, stops=body["stops"])
    await book(client, world.customer_a, origin="Atlanta", destination="Memphis")
    await book(client, world.customer_a, origin="Denver", destination="Los Angeles")
    assert await refs(client, world.dispatcher, q=q) == [special["reference"]]
    assert await refs(client, world.dispatcher, q=city) == [special["reference"]]
