"""CSV imports: every row checked by the API's rules, errors by row and column, batches
that write all or nothing, idempotent by reference, and exports that import as no-ops."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, Role
from freight.errors import ServiceUnavailable
from freight.imports import service
from freight.imports.kinds import Tools
from freight.settings import Settings
from tests.fleet_helpers import add_vehicle
from tests.helpers import (
    Session,
    add_customer,
    add_user,
    assert_problem,
    login,
    running_client,
)
from tests.imports.files import (
    SHIPMENT_HEADER,
    csv_text,
    customers_csv,
    drivers_csv,
    send,
    shipment_row,
    shipments_csv,
    vehicles_csv,
)


async def _all(client: AsyncClient, who: Session, path: str) -> list[dict[str, Any]]:
    resp = await client.get(path, headers=who.auth, params={"limit": 200})
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def _shipper(client: AsyncClient, admin: Session, ref: str = "GLOBEX") -> str:
    """A shipper account with a client reference, imported."""
    text = csv_text(
        ["external_ref", "name", "billing_email"], [[ref, "Globex", "ap@globex.example"]]
    )
    resp = await send(client, admin, "customers", text)
    assert resp.status_code == 200, resp.text
    assert resp.json()["created"] == 1
    return ref


async def test_shipments_import_booked_like_the_api(client: AsyncClient, admin: Session) -> None:
    account = await _shipper(client, admin)
    resp = await send(client, admin, "shipments", shipments_csv(account, 3))
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "dry_run": False,
        "rows": 3,
        "valid": 3,
        "created": 3,
        "skipped": 0,
        "errors": [],
        "errors_not_listed": 0,
    }
    loads = await _all(client, admin, "/api/shipments")
    assert len(loads) == 3
    load = loads[0]
    assert load["status"] == "PENDING" and load["reference"].startswith("FRT-")
    assert [s["kind"] for s in load["stops"]] == ["pickup", "delivery"]
    assert load["stops"][0]["geocode"]["source"] == "embedded"  # placed from "Chicago, IL"
    assert load["distance_km"] > 1000
    timeline = await client.get(f"/api/shipments/{load['id']}/events", headers=admin.auth)
    assert [e["type"] for e in timeline.json()["items"]][:1] == ["shipment.created"]


async def test_customers_vehicles_and_drivers_import(client: AsyncClient, admin: Session) -> None:
    made = await send(client, admin, "customers", customers_csv(2))
    assert made.json()["created"] == 2, made.text
    accounts = await _all(client, admin, "/api/customers")
    assert sorted(a["name"] for a in accounts) == ["Shipper 0", "Shipper 1"]
    assert accounts[0]["notification_emails"] == ["ops@shipper.example"]

    trucks = await send(client, admin, "vehicles", vehicles_csv(2))
    assert trucks.json()["created"] == 2, trucks.text
    assert sorted(v["number"] for v in await _all(client, admin, "/api/vehicles")) == ["T-0", "T-1"]

    drivers = await send(client, admin, "drivers", drivers_csv(1, vehicle="T-1"))
    assert drivers.json()["created"] == 1, drivers.text
    [driver] = await _all(client, admin, "/api/drivers")
    trucks_by_id = {v["id"]: v["number"] for v in await _all(client, admin, "/api/vehicles")}
    assert trucks_by_id[driver["vehicle_id"]] == "T-1"
    assert driver["equipment_types"] == ["dry_van", "reefer"]
    assert driver["phone"] == "+1 312 555 0100" and driver["status"] == "available"


async def test_a_dry_run_reports_what_it_would_do_and_writes_nothing(
    client: AsyncClient, admin: Session
) -> None:
    account = await _shipper(client, admin)
    text = csv_text(
        SHIPMENT_HEADER,
        [shipment_row("A-1", account), shipment_row("A-2", account, weight_kg="heavy")],
    )
    resp = await send(client, admin, "shipments", text, dry_run=True)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["dry_run"], body["rows"], body["valid"], body["created"]) == (True, 2, 1, 1)
    assert body["errors"] == [
        {"row": 3, "column": "weight_kg", "message": "weight kg: not a number"}
    ]
    assert await _all(client, admin, "/api/shipments") == []
    # the same file for real does what the dry run said
    real = (await send(client, admin, "shipments", text)).json()
    assert (real["created"], real["errors"]) == (1, body["errors"])


async def test_each_bad_row_is_reported_by_row_and_column_and_not_imported(
    client: AsyncClient, admin: Session
) -> None:
    account = await _shipper(client, admin)
    rows = [
        shipment_row("B-1", account),
        shipment_row("B-2", account, delivery_window_end="2027-12-09T07:00:00-06:00"),
        shipment_row("B-3", account),
        shipment_row("B-4", "NO-SUCH-ACCOUNT"),
        shipment_row("B-5", account, equipment_type="spaceship", pickup_window_start="soon"),
        shipment_row("B-6", account, delivery_lat=95),
        shipment_row("B-7", account, pickup_city="Xqzzyville"),
        shipment_row("B-1", account),  # the same reference as row 2
    ]
    resp = await send(client, admin, "shipments", csv_text(SHIPMENT_HEADER, rows))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["rows"], body["valid"], body["created"], body["skipped"]) == (8, 2, 2, 0)
    found = {(e["row"], e["column"]): e["message"] for e in body["errors"]}
    assert found.pop((3, "delivery_window_end")) == (
        "delivery window end: must be after the window start"
    )
    assert found.pop((5, "customer")) == "customer: no such shipper account"
    assert found.pop((6, "equipment_type")).startswith("equipment type: must be one of 'dry_van'")
    assert found.pop((6, "pickup_window_start")).startswith("pickup window start: not a date")
    assert found.pop((7, "delivery_lat")) == "delivery lat: must be 90 or less"
    assert found.pop((8, "pickup_city")).startswith("pickup city: cannot find 'Xqzzyville'")
    assert found.pop((9, "external_ref")) == "external ref: the same as row 2"
    assert found == {}
    booked = await _all(client, admin, "/api/shipments")
    assert len(booked) == 2  # rows 2 and 4


async def test_importing_the_same_file_again_creates_nothing(
    client: AsyncClient, admin: Session
) -> None:
    account = await _shipper(client, admin)
    text = shipments_csv(account, 5)
    first = (await send(client, admin, "shipments", text)).json()
    again = (await send(client, admin, "shipments", text)).json()
    assert (first["created"], first["skipped"]) == (5, 0)
    assert (again["created"], again["skipped"], again["valid"], again["errors"]) == (0, 5, 5, [])
    assert len(await _all(client, admin, "/api/shipments")) == 5
    for kind, content in (
        ("customers", customers_csv(3)),
        ("vehicles", vehicles_csv(3)),
        ("drivers", drivers_csv(3)),
    ):
        assert (await send(client, admin, kind, content)).json()["created"] == 3
        second = (await send(client, admin, kind, content)).json()
        assert (second["created"], second["skipped"]) == (0, 3), kind


@pytest.mark.parametrize("kind", ["shipments", "drivers", "vehicles", "customers"])
async def test_an_export_imports_again_as_nothing_new(
    client: AsyncClient, admin: Session, kind: str
) -> None:
    # made through the API, without client references: the export's ids identify them
    customer_id = await add_customer(client, admin, "Globex Foods")
    truck = await add_vehicle(client, admin, "T-100")
    driver = await client.post(
        "/api/drivers",
        headers=admin.auth,
        json={"full_name": "Drew", "phone": "+1 312 555 0199", "vehicle_id": truck["id"]},
    )
    assert driver.status_code == 201, driver.text
    await send(client, admin, "shipments", shipments_csv(customer_id, 2))
    exported = await client.get(f"/api/exports/{kind}", headers=admin.auth)
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.splitlines()
    assert lines[0].split(",")[0] == "id"
    before = await _all(client, admin, f"/api/{kind}")
    resp = await send(client, admin, kind, exported.text)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["created"], body["skipped"], body["errors"]) == (0, len(lines) - 1, [])
    assert await _all(client, admin, f"/api/{kind}") == before


async def test_an_export_imports_into_an_empty_organisation_without_its_ids(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    await send(client, admin, "customers", customers_csv(2))
    exported = (await client.get("/api/exports/customers", headers=admin.auth)).text
    # the ids are the first organisation's: here they name nothing, and say so
    refused = (await send(client, other_admin, "customers", exported)).json()
    assert refused["created"] == 0
    assert {(e["row"], e["column"]) for e in refused["errors"]} == {(2, "id"), (3, "id")}
    assert "no such shipper account here" in refused["errors"][0]["message"]
    # without the id column, the client references make them new here, and only here
    header, *rows = exported.splitlines()
    without_ids = "\n".join(line.split(",", 1)[1] for line in [header, *rows])
    made = (await send(client, other_admin, "customers", without_ids)).json()
    assert (made["created"], made["errors"]) == (2, [])
    assert len(await _all(client, admin, "/api/customers")) == 2
    assert len(await _all(client, other_admin, "/api/customers")) == 2


async def test_only_dispatchers_and_admins_import(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    dispatcher = await add_user(client, admin, "dispatcher", "dan@acme.example")
    driver = await add_user(client, admin, "driver", "drew@acme.example")
    customer = await add_user(client, admin, "customer", "buyer@globex.example")
    text = customers_csv(1)
    assert_problem(await send(client, None, "customers", text), 401)
    assert_problem(await send(client, driver, "customers", text), 403)
    assert_problem(await send(client, customer, "customers", text), 403)
    assert (await send(client, dispatcher, "customers", text)).json()["created"] == 1
    assert_problem(await client.get("/api/exports/customers", headers=driver.auth), 403)
    # another organisation's import of the same references touches nothing of this one
    theirs = (await send(client, other_admin, "customers", text)).json()
    assert (theirs["created"], theirs["skipped"]) == (1, 0)
    [ours] = [c for c in await _all(client, admin, "/api/customers") if c["name"] == "Shipper 0"]
    rival_export = (await client.get("/api/exports/customers", headers=other_admin.auth)).text
    assert ours["id"] not in rival_export


async def test_two_imports_of_one_file_at_once_create_each_row_once(
    client: AsyncClient, admin: Session
) -> None:
    account = await _shipper(client, admin)
    text = shipments_csv(account, 30)
    first, second = await asyncio.gather(
        send(client, admin, "shipments", text), send(client, admin, "shipments", text)
    )
    bodies = [first.json(), second.json()]
    assert all(r.status_code == 200 for r in (first, second)), bodies
    assert sum(b["created"] for b in bodies) == 30, bodies
    assert sum(b["skipped"] for b in bodies) == 30, bodies
    assert all(b["errors"] == [] for b in bodies), bodies
    assert len(await _all(client, admin, "/api/shipments")) == 30


async def test_a_file_that_is_not_a_csv_of_the_kind_is_refused_naming_it(
    client: AsyncClient, admin: Session
) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40)
    body = assert_problem(
        await send(client, admin, "vehicles", png, filename="truck.png", content_type="image/png"),
        422,
    )
    assert body["errors"][0]["loc"] == ["body", "file"]
    binary = assert_problem(await send(client, admin, "vehicles", png, filename="t.csv"), 422)
    assert "binary" in binary["detail"]
    latin1 = "number,kind,equipment_type,capacity_kg\nT-é,tractor,dry_van,1\n".encode("latin-1")
    assert "UTF-8" in assert_problem(await send(client, admin, "vehicles", latin1), 422)["detail"]
    assert_problem(await send(client, admin, "vehicles", b""), 422)
    missing = assert_problem(
        await send(client, admin, "shipments", "external_ref,customer,weight_kg\nX,Y,1\n"), 422
    )
    assert "missing column equipment_type" in missing["detail"]
    assert "missing column pickup_window_start" in missing["detail"]
    assert all(e["loc"] == ["body", "file"] for e in missing["errors"])
    typo = assert_problem(
        await send(client, admin, "vehicles", "number,kind,equipment_type,capacty_kg\n"), 422
    )
    assert "unknown column 'capacty_kg'" in typo["detail"]
    unknown = assert_problem(await send(client, admin, "trailers", vehicles_csv(1)), 422)
    assert unknown["errors"][0]["loc"] == ["path", "kind"]
    assert (await _all(client, admin, "/api/vehicles")) == []


async def test_a_byte_order_mark_and_spreadsheet_headers_are_fine(
    client: AsyncClient, admin: Session
) -> None:
    text = "\ufeffNumber,Kind,Equipment Type,Capacity KG\r\nT-9,tractor,flatbed,18000\r\n\r\n"
    resp = await send(client, admin, "vehicles", text.encode("utf-8"))
    assert resp.json()["created"] == 1, resp.text
    assert (await _all(client, admin, "/api/vehicles"))[0]["equipment_type"] == "flatbed"


async def test_a_batch_that_fails_writes_none_of_its_rows_and_a_rerun_finishes(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    ctx = app.state.ctx
    actor = Actor(organization_id=admin.organization_id, role=Role.ADMIN, user_id=admin.id)
    commits = 0

    async def commit_once_then_fail(session: AsyncSession) -> None:
        nonlocal commits
        commits += 1
        if commits == 2:
            raise ServiceUnavailable("the database went away")
        await ctx.commit(session)

    file = io.BytesIO(vehicles_csv(5).encode())
    async with ctx.sessions() as session:
        with pytest.raises(ServiceUnavailable):
            await service.run(
                session,
                actor,
                service.KINDS["vehicles"],
                file,
                dry_run=False,
                tools=Tools.of(ctx.router, ctx.geocoder),
                commit=commit_once_then_fail,
                max_bytes=1_000_000,
                batch_size=2,
            )
    numbers = sorted(v["number"] for v in await _all(client, admin, "/api/vehicles"))
    assert numbers == ["T-0", "T-1"]  # the first batch; nothing of the second
    rerun = (await send(client, admin, "vehicles", vehicles_csv(5))).json()
    assert (rerun["created"], rerun["skipped"]) == (3, 2)


async def test_a_file_over_the_size_limit_is_refused_naming_it(
    settings: Settings, admin: Session
) -> None:
    small = settings.model_copy(update={"import_max_file_bytes": 2048})
    async with running_client(small) as client:
        who = await login(client, "admin@acme.example")
        too_big = assert_problem(await send(client, who, "customers", customers_csv(60)), 422)
        assert too_big["errors"] == [
            {
                "loc": ["body", "file"],
                "msg": "larger than the 2,048 bytes an import takes; split it",
            }
        ]
        far_too_big = await send(client, who, "customers", customers_csv(5000))
        assert_problem(far_too_big, 413)  # refused before the body is read
        assert (await send(client, who, "customers", customers_csv(3))).json()["created"] == 3
