"""Booking and editing: references, distances, validation naming the field, no partial writes."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from freight.geo import haversine_km
from tests.helpers import Session, assert_problem
from tests.shipments.conftest import World, book
from tests.shipments.factory import CITIES, shipment_body


async def _count(client: AsyncClient, who: Session) -> int:
    return len((await client.get("/api/shipments", headers=who.auth)).json()["items"])


async def test_customer_books_for_their_own_account(client: AsyncClient, world: World) -> None:
    created = await book(client, world.customer_a)
    assert created["status"] == "PENDING" and created["version"] == 1
    assert created["customer_id"] == world.account_a
    assert re.fullmatch(r"FRT-[2-9A-HJKMNP-Z]{6}", created["reference"])
    assert [s["sequence"] for s in created["stops"]] == [1, 2]


async def test_distance_is_great_circle_times_the_road_factor(
    client: AsyncClient, world: World
) -> None:
    created = await book(client, world.dispatcher, customer_id=world.account_a)
    _, lat1, lng1 = CITIES["Chicago"]
    _, lat2, lng2 = CITIES["Dallas"]
    assert created["distance_km"] == pytest.approx(
        haversine_km(lat1, lng1, lat2, lng2) * 1.2, abs=0.1
    )


async def test_references_are_unique_and_not_sequential(client: AsyncClient, world: World) -> None:
    refs = [(await book(client, world.customer_a))["reference"] for _ in range(12)]
    assert len(set(refs)) == 12
    assert refs != sorted(refs)


async def test_creation_returns_etag_and_location(client: AsyncClient, world: World) -> None:
    resp = await client.post("/api/shipments", headers=world.customer_a.auth, json=shipment_body())
    assert resp.headers["etag"] == '"1"'
    assert resp.headers["location"] == f"/api/shipments/{resp.json()['id']}"


async def test_dispatcher_must_name_an_account_of_the_organisation(
    client: AsyncClient, world: World
) -> None:
    missing = await client.post(
        "/api/shipments", headers=world.dispatcher.auth, json=shipment_body()
    )
    assert assert_problem(missing, 422)["errors"][0]["loc"] == ["body", "customer_id"]
    theirs = (
        await client.post(
            "/api/customers",
            headers=world.outsider.auth,
            json={"name": "T", "billing_email": "t@t.example"},
        )
    ).json()
    foreign = await client.post(
        "/api/shipments", headers=world.dispatcher.auth, json=shipment_body(theirs["id"])
    )
    assert_problem(foreign, 422)


async def test_customer_cannot_book_for_another_account_or_set_a_price(
    client: AsyncClient, world: World
) -> None:
    other = await client.post(
        "/api/shipments", headers=world.customer_a.auth, json=shipment_body(world.account_b)
    )
    assert assert_problem(other, 422)["errors"][0]["loc"] == ["body", "customer_id"]
    priced = await client.post(
        "/api/shipments", headers=world.customer_a.auth, json=shipment_body(price_cents=100)
    )
    assert assert_problem(priced, 422)["errors"][0]["loc"] == ["body", "price_cents"]


async def test_drivers_cannot_book(client: AsyncClient, world: World) -> None:
    from tests.helpers import add_user

    driver = await add_user(client, world.admin, "driver", "drv@acme.example")
    resp = await client.post(
        "/api/shipments", headers=driver.auth, json=shipment_body(world.account_a)
    )
    assert_problem(resp, 403)


def _later(body: dict[str, Any], index: int, field: str, hours: int) -> None:
    from datetime import datetime

    value = datetime.fromisoformat(body["stops"][index][field]) + timedelta(hours=hours)
    body["stops"][index][field] = value.isoformat()


def _bad_bodies() -> list[tuple[str, dict[str, Any], list[Any]]]:
    cases: list[tuple[str, dict[str, Any], list[Any]]] = []
    body = shipment_body()
    body["stops"][0]["window_end"] = body["stops"][0]["window_start"]
    cases.append(("window ends before it starts", body, ["body", "stops", 0, "window_end"]))
    body = shipment_body()
    body["stops"][1]["window_end"] = body["stops"][0]["window_start"]
    body["stops"][1]["window_start"] = (
        shipment_body()["stops"][0]["window_start"][:10] + "T00:00:00+00:00"
    )
    cases.append(("delivery before pickup", body, ["body", "stops", 1, "window_end"]))
    body = shipment_body()
    body["stops"][1]["kind"] = "pickup"
    cases.append(("no delivery stop", body, ["body", "stops"]))
    body = shipment_body()
    body["stops"] = body["stops"][:1]
    cases.append(("a single stop", body, ["body", "stops"]))
    body = shipment_body()
    body["stops"][0]["lat"] = 91
    cases.append(("latitude out of range", body, ["body", "stops", 0, "lat"]))
    body = shipment_body()
    body["stops"][1]["lng"] = -181
    cases.append(("longitude out of range", body, ["body", "stops", 1, "lng"]))
    cases.append(("negative weight", shipment_body(weight_kg=-1), ["body", "weight_kg"]))
    cases.append(
        ("negative value", shipment_body(declared_value_cents=-5), ["body", "declared_value_cents"])
    )
    cases.append(
        ("unknown equipment", shipment_body(equipment_type="spaceship"), ["body", "equipment_type"])
    )
    body = shipment_body()
    body["stops"][0]["window_start"] = "2030-01-01T08:00:00"
    cases.append(("naive timestamp", body, ["body", "stops", 0, "window_start"]))
    return cases


@pytest.mark.parametrize(("case", "body", "loc"), _bad_bodies(), ids=[c[0] for c in _bad_bodies()])
async def test_each_rule_answers_422_naming_the_field_and_writes_nothing(
    client: AsyncClient, world: World, case: str, body: dict[str, Any], loc: list[Any]
) -> None:
    resp = await client.post("/api/shipments", headers=world.customer_a.auth, json=body)
    errors = assert_problem(resp, 422, "validation_error")["errors"]
    assert loc in [e["loc"] for e in errors], errors
    assert await _count(client, world.dispatcher) == 0


async def test_patch_edits_records_the_change_and_bumps_the_version(
    client: AsyncClient, world: World
) -> None:
    created = await book(client, world.customer_a)
    resp = await client.patch(
        f"/api/shipments/{created['id']}",
        headers={**world.customer_a.auth, "If-Match": '"1"'},
        json={"weight_kg": 9000, "notes": "Dock 4"},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["version"] == 2 and resp.headers["etag"] == '"2"'
    events = (
        await client.get(f"/api/shipments/{created['id']}/events", headers=world.dispatcher.auth)
    ).json()
    assert events["items"][-1]["type"] == "shipment.updated"
    assert events["items"][-1]["data"]["changes"]["weight_kg"] == [12000.0, 9000.0]


async def test_put_replaces_the_stops_and_recomputes_distance(
    client: AsyncClient, world: World
) -> None:
    created = await book(client, world.customer_a)
    body = shipment_body(origin="Atlanta", destination="Memphis")
    resp = await client.put(
        f"/api/shipments/{created['id']}", headers=world.customer_a.auth, json=body
    )
    assert resp.status_code == 200, resp.text
    assert [s["city"] for s in resp.json()["stops"]] == ["Atlanta", "Memphis"]
    assert resp.json()["distance_km"] < created["distance_km"]


async def test_invalid_edit_changes_nothing(client: AsyncClient, world: World) -> None:
    created = await book(client, world.customer_a)
    body = shipment_body()
    body["stops"][0]["window_end"] = body["stops"][0]["window_start"]
    resp = await client.patch(
        f"/api/shipments/{created['id']}",
        headers=world.customer_a.auth,
        json={"stops": body["stops"], "notes": "x"},
    )
    assert_problem(resp, 422)
    after = (
        await client.get(f"/api/shipments/{created['id']}", headers=world.customer_a.auth)
    ).json()
    assert after["version"] == 1 and after["notes"] is None


async def test_stale_if_match_is_412_and_changes_nothing(client: AsyncClient, world: World) -> None:
    created = await book(client, world.customer_a)
    url = f"/api/shipments/{created['id']}"
    await client.patch(url, headers=world.customer_a.auth, json={"notes": "first"})
    stale = await client.patch(
        url, headers={**world.customer_a.auth, "If-Match": '"1"'}, json={"notes": "second"}
    )
    assert_problem(stale, 412, "precondition_failed")
    garbage = await client.patch(
        url, headers={**world.customer_a.auth, "If-Match": "nonsense"}, json={"notes": "x"}
    )
    assert_problem(garbage, 412)
    assert (await client.get(url, headers=world.customer_a.auth)).json()["notes"] == "first"


async def test_staff_edits_must_say_which_version_they_read(
    client: AsyncClient, world: World
) -> None:
    created = await book(client, world.customer_a)
    url = f"/api/shipments/{created['id']}"
    for staff in (world.dispatcher, world.admin):
        blind = await client.patch(url, headers=staff.auth, json={"notes": "overwrite"})
        problem = assert_problem(blind, 428, "precondition_required")
        assert "If-Match" in problem["detail"]
        replaced = await client.put(url, headers=staff.auth, json={"notes": "overwrite"})
        assert_problem(replaced, 428, "precondition_required")
    after = (await client.get(url, headers=world.admin.auth)).json()
    assert (after["notes"], after["version"]) == (created["notes"], 1)  # nothing written
    timeline = await client.get(f"{url}/events", headers=world.admin.auth)
    assert [e["type"] for e in timeline.json()["items"]] == ["shipment.created"]
    # With the version read it lands; a customer may still omit it (their own load).
    ok = await client.patch(url, headers=world.dispatcher.editing(1), json={"notes": "Dock 9"})
    assert (ok.status_code, ok.json()["version"]) == (200, 2)
    theirs = await client.patch(url, headers=world.customer_a.auth, json={"notes": "Dock 3"})
    assert (theirs.status_code, theirs.json()["version"]) == (200, 3)
    stale = await client.patch(url, headers=world.admin.editing(2), json={"notes": "late"})
    assert_problem(stale, 412, "precondition_failed")
