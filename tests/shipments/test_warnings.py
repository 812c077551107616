"""Warnings on bookings and edits: each code when it applies, none on a clean write, in the
organisation's units; overriding with a reason lands on the timeline; strict clients are
refused until they acknowledge; bad acknowledgements name their field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient

from tests.fleet_helpers import add_driver, add_vehicle, assign
from tests.helpers import Session, assert_problem
from tests.shipments.conftest import World
from tests.shipments.factory import shipment_body, stop

STRICT = {"Prefer": "handling=strict"}


def hours_ago(hours: float) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours)


def late_stops() -> list[dict[str, Any]]:
    """A pickup whose window closed two hours ago, delivered tomorrow."""
    return [stop("pickup", "Chicago", hours_ago(6)), stop("delivery", "Dallas", hours_ago(-24))]


async def book(
    client: AsyncClient, who: Session, headers: dict[str, str] | None = None, **fields: Any
) -> Any:
    body = shipment_body(fields.pop("customer_id", None), **fields)
    return await client.post("/api/shipments", headers={**who.auth, **(headers or {})}, json=body)


def codes(resp: Any) -> list[str]:
    assert resp.status_code in (200, 201), resp.text
    return [w["code"] for w in resp.json()["warnings"]]


async def events_of(client: AsyncClient, who: Session, shipment_id: str) -> list[dict[str, Any]]:
    resp = await client.get(f"/api/shipments/{shipment_id}/events", headers=who.auth)
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def test_a_clean_booking_has_no_warnings(client: AsyncClient, world: World) -> None:
    resp = await book(client, world.customer_a)
    assert resp.status_code == 201 and resp.json()["warnings"] == []


async def test_a_pickup_window_already_past_is_said_in_the_stops_zone(
    client: AsyncClient, world: World
) -> None:
    resp = await book(client, world.customer_a, stops=late_stops())
    assert codes(resp) == ["pickup_window_past"]
    message = resp.json()["warnings"][0]["message"]
    assert "Chicago, IL" in message and ("CST" in message or "CDT" in message)
    assert resp.json()["status"] == "PENDING"  # it informs; the booking stands


async def test_implausible_weights_and_weights_over_the_equipment(
    client: AsyncClient, world: World
) -> None:
    for kg in (0, 4, 40_000):
        assert codes(await book(client, world.customer_a, weight_kg=kg)) == ["weight_implausible"]
    heavy = await book(client, world.customer_a, weight_kg=22_000)  # a dry van takes ~20.4 t
    assert codes(heavy) == ["weight_over_capacity"]
    assert "48,502 lb" in heavy.json()["warnings"][0]["message"]  # the organisation's units
    assert "45,000 lb" in heavy.json()["warnings"][0]["message"]
    box = await book(client, world.customer_a, equipment_type="box_truck", weight_kg=6_000)
    assert codes(box) == ["weight_over_capacity"]

    metric = await client.patch(
        "/api/organization", headers=world.admin.auth, json={"units": "metric"}
    )
    assert metric.status_code == 200, metric.text
    again = await book(client, world.customer_a, weight_kg=22_000)
    assert "22,000 kg" in again.json()["warnings"][0]["message"]


async def test_an_edit_warns_about_what_it_changed_against_the_assigned_truck(
    client: AsyncClient, world: World
) -> None:
    created = await book(client, world.dispatcher, customer_id=world.account_a, stops=late_stops())
    load = created.json()
    notes = await client.patch(
        f"/api/shipments/{load['id']}", headers=world.dispatcher.editing(), json={"notes": "Dock 4"}
    )
    assert codes(notes) == []  # the window was not touched by this edit
    moved = [stop("pickup", "Chicago", hours_ago(5)), *late_stops()[1:]]
    stops = await client.patch(
        f"/api/shipments/{load['id']}", headers=world.dispatcher.editing(), json={"stops": moved}
    )
    assert codes(stops) == ["pickup_window_past"]

    fresh = (await book(client, world.dispatcher, customer_id=world.account_a)).json()
    truck = await add_vehicle(client, world.admin, "T-15", capacity_kg=15_000)
    driver = await add_driver(client, world.admin, "dee@acme.example", vehicle_id=truck["id"])
    await assign(client, world.dispatcher, fresh["id"], driver)
    heavier = await client.patch(
        f"/api/shipments/{fresh['id']}",
        headers=world.dispatcher.editing(),
        json={"weight_kg": 16_000},
    )
    assert codes(heavier) == ["weight_over_capacity"]
    assert "truck T-15" in heavier.json()["warnings"][0]["message"]


async def test_an_override_with_its_reason_lands_on_the_timeline(
    client: AsyncClient, world: World
) -> None:
    ack = {"acknowledge_warnings": ["pickup_window_past"], "override_reason": "Shipper open late"}
    resp = await client.post(
        "/api/shipments",
        headers=world.customer_a.auth,
        json=shipment_body(stops=late_stops()) | ack,
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["warnings"][0] | {"message": ""} == {
        "code": "pickup_window_past",
        "message": "",
        "overridden": True,
    }
    events = await events_of(client, world.dispatcher, resp.json()["id"])
    assert [e["type"] for e in events] == ["shipment.created", "shipment.warning_overridden"]
    assert events[1]["data"] == {
        "action": "book",
        "codes": ["pickup_window_past"],
        "reason": "Shipper open late",
    }  # codes and the reason: no names, no positions

    # Acknowledging what the write does not raise records nothing.
    clean = await client.post(
        "/api/shipments", headers=world.customer_a.auth, json=shipment_body() | ack
    )
    assert codes(clean) == []
    assert len(await events_of(client, world.customer_a, clean.json()["id"])) == 1


async def test_a_strict_client_is_refused_until_it_acknowledges(
    client: AsyncClient, world: World
) -> None:
    refused = await book(client, world.customer_a, STRICT, stops=late_stops(), weight_kg=0)
    problem = assert_problem(refused, 409, "warnings_not_acknowledged")
    assert [w["code"] for w in problem["warnings"]] == ["pickup_window_past", "weight_implausible"]
    listed = await client.get("/api/shipments", headers=world.customer_a.auth)
    assert listed.json()["items"] == []  # nothing was booked

    half = {"acknowledge_warnings": ["weight_implausible"], "override_reason": "Empty racks"}
    body = shipment_body(stops=late_stops(), weight_kg=0)
    headers = world.customer_a.auth | STRICT
    still = await client.post("/api/shipments", headers=headers, json=body | half)
    assert_problem(still, 409, "warnings_not_acknowledged")

    both = half | {"acknowledge_warnings": ["weight_implausible", "pickup_window_past"]}
    booked = await client.post("/api/shipments", headers=headers, json=body | both)
    assert booked.status_code == 201, booked.text
    assert booked.headers["Preference-Applied"] == "handling=strict"
    assert all(w["overridden"] for w in booked.json()["warnings"])


async def test_bad_acknowledgements_name_the_field(client: AsyncClient, world: World) -> None:
    cases: list[tuple[dict[str, Any], list[str | int]]] = [
        ({"acknowledge_warnings": ["pickup_window_past"]}, ["body", "override_reason"]),
        (
            {"acknowledge_warnings": ["x"], "override_reason": "y"},
            ["body", "acknowledge_warnings", 0],
        ),
        ({"override_reason": "because"}, ["body", "override_reason"]),
        (
            {"acknowledge_warnings": ["pickup_window_past"], "override_reason": "  "},
            ["body", "override_reason"],
        ),
    ]
    for extra, loc in cases:
        resp = await client.post(
            "/api/shipments", headers=world.customer_a.auth, json=shipment_body() | extra
        )
        problem = assert_problem(resp, 422, "validation_error")
        assert loc in [e["loc"] for e in problem["errors"]], (extra, problem)


async def test_another_organisation_can_neither_see_nor_override(
    client: AsyncClient, world: World
) -> None:
    load = (await book(client, world.dispatcher, customer_id=world.account_a)).json()
    ack = {"acknowledge_warnings": ["weight_over_capacity"], "override_reason": "mine now"}
    for who in (world.outsider, world.customer_b):
        resp = await client.patch(
            f"/api/shipments/{load['id']}",
            headers=who.editing(),
            json={"weight_kg": 30_000} | ack,
        )
        assert_problem(resp, 404)
        events = await client.get(f"/api/shipments/{load['id']}/events", headers=who.auth)
        assert_problem(events, 404)
    timeline = await events_of(client, world.dispatcher, load["id"])
    assert [e["type"] for e in timeline] == ["shipment.created"]


async def test_the_openapi_document_names_the_warnings_and_how_to_override(
    client: AsyncClient,
) -> None:
    doc = (await client.get("/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    codes = schemas["WarningRead"]["properties"]["code"]["enum"]
    assert set(codes) == {
        "pickup_window_past",
        "weight_implausible",
        "weight_over_capacity",
        "pickup_window_closed",
        "far_from_stop",
        "outside_window",
    }
    writes = [
        ("post", "/api/shipments", "201", "ShipmentWritten"),
        ("patch", "/api/shipments/{shipment_id}", "200", "ShipmentWritten"),
        ("put", "/api/shipments/{shipment_id}", "200", "ShipmentWritten"),
        ("post", "/api/shipments/{shipment_id}/assign", "200", "ShipmentWritten"),
        ("post", "/api/shipments/{shipment_id}/transitions", "200", "ShipmentWritten"),
        ("post", "/api/shipments/{shipment_id}/pod", "201", "PodWritten"),
    ]
    for method, path, status, model in writes:
        operation = doc["paths"][path][method]
        body = operation["responses"][status]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{model}"}, (path, body)
        assert "Prefer" in [p["name"] for p in operation.get("parameters", [])], path
        assert "409" in operation["responses"], path
    assert "warnings" in schemas["ShipmentWritten"]["properties"]
    assert {"acknowledge_warnings", "override_reason"} <= set(
        schemas["AssignRequest"]["properties"]
    )
