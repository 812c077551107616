"""IFTA: miles per state and province from a GPS track, fuel receipts, the quarterly
summary and its exports. Expected miles are computed here from the border longitudes
along a parallel (haversine), not by the code's polygon intersection."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from pypdf import PdfReader

from freight.geo import haversine_km
from freight.tracking.models import Position
from tests.fleet_helpers import add_driver, add_vehicle
from tests.helpers import Session, add_user, assert_problem

KM_PER_MILE = 1.609344
LAT = 35.0  # along I-40's parallel: Oklahoma, the Texas panhandle, New Mexico
OK_TX = -100.0004  # the 100th meridian, as the boundary data draws it
TX_NM = -103.0425
START = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)
STEP_DEG = 0.0113  # ~1.03 km a minute (62 km/h); the borders fall mid-segment
EAST, WEST = -99.0, -104.0


def along(a: float, b: float) -> float:
    """Miles along the parallel between two longitudes."""
    return haversine_km(LAT, a, LAT, b) / KM_PER_MILE


def westbound() -> list[tuple[float, float, datetime]]:
    count = int((EAST - WEST) / STEP_DEG)
    return [(LAT, EAST - i * STEP_DEG, START + timedelta(minutes=i)) for i in range(count + 1)]


async def add_fixes(
    app: FastAPI, who: Session, driver_id: str, fixes: list[tuple[float, float, datetime]]
) -> None:
    async with app.state.ctx.sessions() as db:
        db.add_all(
            Position(
                organization_id=who.organization_id,
                driver_id=uuid.UUID(driver_id),
                lat=lat,
                lng=lng,
                recorded_at=at,
            )
            for lat, lng, at in fixes
        )
        await db.commit()


async def truck_with_driver(
    client: AsyncClient, admin: Session, number: str, email: str
) -> tuple[dict[str, Any], str]:
    vehicle = await add_vehicle(client, admin, number)
    driver = await add_driver(client, admin, email, vehicle_id=vehicle["id"])
    return vehicle, driver.id


async def ifta(client: AsyncClient, who: Session, **params: Any) -> dict[str, Any]:
    resp = await client.get(
        "/api/reports/ifta", headers=who.auth, params={"quarter": "2026Q4", **params}
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def by_code(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {line["jurisdiction"]: line for line in lines}


async def fuel(client: AsyncClient, who: Session, **body: Any) -> Any:
    base = {"purchased_at": "2026-10-05T15:00:00-05:00", "quantity": 50, "amount_cents": 18000}
    return await client.post("/api/fuel-purchases", headers=who.auth, json={**base, **body})


async def test_a_track_across_three_states_is_split_at_the_borders(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    _, driver = await truck_with_driver(client, admin, "T-1", "d1@acme.example")
    track = westbound()
    await add_fixes(app, admin, driver, track)

    report = await ifta(client, admin)

    last = track[-1][1]
    expected = {"OK": along(EAST, OK_TX), "TX": along(OK_TX, TX_NM), "NM": along(TX_NM, last)}
    (truck,) = report["trucks"]
    assert truck["number"] == "T-1"
    lines = by_code(truck["jurisdictions"])
    assert set(lines) == {"OK", "TX", "NM"}
    for code, miles in expected.items():
        assert lines[code]["miles"] == pytest.approx(miles, abs=0.1), code
    assert truck["miles"] == pytest.approx(along(EAST, last), abs=0.2)
    assert truck["gap_miles"] == 0
    assert by_code(report["jurisdictions"])["TX"]["miles"] == lines["TX"]["miles"]


async def test_a_gap_in_the_track_is_not_driven(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    _, driver = await truck_with_driver(client, admin, "T-1", "d1@acme.example")
    track = westbound()
    later = track[-1][2] + timedelta(hours=3)
    # The phone was off for three hours; it wakes up 70 km further west, still in NM.
    resumed = [(LAT, -104.8 - i * STEP_DEG, later + timedelta(minutes=i)) for i in range(20)]
    await add_fixes(app, admin, driver, track + resumed)

    (truck,) = (await ifta(client, admin))["trucks"]

    nm = along(TX_NM, track[-1][1]) + along(resumed[0][1], resumed[-1][1])
    assert by_code(truck["jurisdictions"])["NM"]["miles"] == pytest.approx(nm, abs=0.5)
    assert truck["gap_miles"] == pytest.approx(along(track[-1][1], resumed[0][1]), abs=0.1)


async def test_windsor_to_detroit_counts_ontario_then_michigan(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    _, driver = await truck_with_driver(client, admin, "T-2", "d2@acme.example")
    # From Windsor (ON) north-west over the Ambassador Bridge into Detroit (MI).
    windsor, detroit = (42.285, -83.000), (42.345, -83.110)
    steps = 40
    fixes = [
        (
            windsor[0] + (detroit[0] - windsor[0]) * i / steps,
            windsor[1] + (detroit[1] - windsor[1]) * i / steps,
            START + timedelta(seconds=20 * i),
        )
        for i in range(steps + 1)
    ]
    await add_fixes(app, admin, driver, fixes)

    (truck,) = (await ifta(client, admin))["trucks"]

    lines = by_code(truck["jurisdictions"])
    assert set(lines) == {"ON", "MI"}
    assert lines["ON"]["ifta_member"] and lines["MI"]["ifta_member"]
    assert lines["ON"]["miles"] > 1 and lines["MI"]["miles"] > 1
    total = haversine_km(*windsor, *detroit) / KM_PER_MILE
    assert lines["ON"]["miles"] + lines["MI"]["miles"] == pytest.approx(total, abs=0.2)


async def test_the_summary_taxes_each_jurisdiction_at_the_fleet_mpg(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    vehicle, driver = await truck_with_driver(client, admin, "T-1", "d1@acme.example")
    await add_fixes(app, admin, driver, westbound())
    assert (
        await fuel(client, admin, vehicle_id=vehicle["id"], jurisdiction="tx")
    ).status_code == 201
    litres = await fuel(
        client, admin, vehicle_id=vehicle["id"], jurisdiction="NM", quantity=37.854, unit="L"
    )
    assert litres.status_code == 201, litres.text
    assert litres.json()["gallons"] == pytest.approx(10.0, abs=0.001)

    report = await ifta(client, admin)

    lines = by_code(report["jurisdictions"])
    mpg = report["miles"] / 60.0
    assert report["gallons"] == pytest.approx(60.0, abs=0.01)
    assert report["mpg"] == pytest.approx(mpg, abs=0.01)
    for code, bought in (("OK", 0.0), ("TX", 50.0), ("NM", 10.0)):
        line = lines[code]
        assert line["gallons_purchased"] == pytest.approx(bought, abs=0.01)
        assert line["taxable_gallons"] == pytest.approx(line["miles"] / mpg, abs=0.02)
        assert line["net_taxable_gallons"] == pytest.approx(
            line["taxable_gallons"] - bought, abs=0.02
        )
    taxable = sum(line["taxable_gallons"] for line in lines.values())
    assert taxable == pytest.approx(60.0, abs=0.05)  # all the fuel burned is taxed somewhere


async def test_fuel_entry_names_the_field_at_fault(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    vehicle = await add_vehicle(client, admin, "T-1")
    stranger = await add_vehicle(client, other_admin, "R-1")
    cases = [
        ({"vehicle_id": vehicle["id"], "jurisdiction": "ZZ"}, "jurisdiction"),
        ({"vehicle_id": vehicle["id"], "jurisdiction": "TX", "quantity": 0}, "quantity"),
        ({"vehicle_id": vehicle["id"], "jurisdiction": "TX", "unit": "barrel"}, "unit"),
        ({"vehicle_id": stranger["id"], "jurisdiction": "TX"}, "vehicle_id"),
    ]
    for body, field in cases:
        problem = assert_problem(await fuel(client, admin, **body), 422)
        assert any(e["loc"][-1] == field for e in problem["errors"]), (field, problem)
    first = await fuel(client, admin, vehicle_id=vehicle["id"], jurisdiction="TX", receipt_ref="R9")
    assert first.status_code == 201
    again = await fuel(client, admin, vehicle_id=vehicle["id"], jurisdiction="TX", receipt_ref="R9")
    assert assert_problem(again, 422)["errors"][0]["loc"] == ["body", "receipt_ref"]


async def test_fuel_and_the_summary_are_for_staff_and_admins_of_the_organisation(
    client: AsyncClient, admin: Session, other_admin: Session
) -> None:
    vehicle = await add_vehicle(client, admin, "T-1")
    driver = await add_user(client, admin, "driver", "d9@acme.example")
    customer = await add_user(client, admin, "customer", "c9@acme.example")
    dispatcher = await add_user(client, admin, "dispatcher", "x9@acme.example")
    for who in (driver, customer):
        assert_problem(await fuel(client, who, vehicle_id=vehicle["id"], jurisdiction="TX"), 403)
        resp = await client.get("/api/fuel-purchases", headers=who.auth)
        assert_problem(resp, 403)
    made = await fuel(client, dispatcher, vehicle_id=vehicle["id"], jurisdiction="TX")
    assert made.status_code == 201, made.text
    for who in (driver, customer, dispatcher):
        resp = await client.get("/api/reports/ifta?quarter=2026Q4", headers=who.auth)
        assert_problem(resp, 403)

    mine = await client.get("/api/fuel-purchases?quarter=2026Q4", headers=admin.auth)
    assert [p["id"] for p in mine.json()["items"]] == [made.json()["id"]]
    theirs = await client.get("/api/fuel-purchases", headers=other_admin.auth)
    assert theirs.json()["items"] == []
    resp = await client.get(
        "/api/reports/ifta",
        headers=other_admin.auth,
        params={"quarter": "2026Q4", "vehicle_id": vehicle["id"]},
    )
    assert_problem(resp, 404)
    bad = await client.get("/api/reports/ifta?quarter=2026Q5", headers=admin.auth)
    assert_problem(bad, 422)


FUEL_HEADER = "vehicle,purchased_at,jurisdiction,quantity,unit,amount,vendor,receipt_ref"


async def _import(client: AsyncClient, who: Session, text: str, dry_run: bool) -> dict[str, Any]:
    resp = await client.post(
        "/api/fuel-purchases/import",
        headers=who.auth,
        params={"dry_run": str(dry_run).lower()},
        files={"file": ("fuel.csv", text.encode(), "text/csv")},
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def test_a_fuel_csv_imports_its_good_rows_and_names_the_bad_ones(
    client: AsyncClient, admin: Session
) -> None:
    await add_vehicle(client, admin, "T-1")
    text = "\n".join(
        [
            FUEL_HEADER,
            "T-1,2026-10-06T08:00:00-05:00,TX,120.5,gal,$412.50,Love's,A100",
            "T-1,2026-10-07T08:00:00-05:00,XX,80,gal,300.00,Pilot,A101",
            "T-9,2026-10-07T09:00:00-05:00,OK,80,gal,300.00,Pilot,A102",
            "T-1,2026-10-08T08:00:00-05:00,ON,300,L,one hundred,Petro-Canada,A103",
        ]
    )

    dry = await _import(client, admin, text, dry_run=True)
    assert (dry["rows"], dry["created"]) == (4, 1)
    errors = {(e["row"], e["column"]) for e in dry["errors"]}
    assert errors == {(3, "jurisdiction"), (4, "vehicle"), (5, "amount")}
    listed = await client.get("/api/fuel-purchases", headers=admin.auth)
    assert listed.json()["items"] == []

    done = await _import(client, admin, text, dry_run=False)
    assert (done["created"], done["skipped"]) == (1, 0)
    (row,) = (await client.get("/api/fuel-purchases", headers=admin.auth)).json()["items"]
    assert (row["jurisdiction"], row["quantity"], row["amount_cents"]) == ("TX", 120.5, 41250)
    again = await _import(client, admin, text, dry_run=False)
    assert (again["created"], again["skipped"]) == (0, 1)


async def test_the_summary_exports_to_csv_and_pdf(
    app: FastAPI, client: AsyncClient, admin: Session
) -> None:
    vehicle, driver = await truck_with_driver(client, admin, "T-1", "d1@acme.example")
    await add_fixes(app, admin, driver, westbound())
    await fuel(client, admin, vehicle_id=vehicle["id"], jurisdiction="TX")
    report = await ifta(client, admin)

    resp = await client.get(
        "/api/reports/ifta", headers=admin.auth, params={"quarter": "2026Q4", "format": "csv"}
    )
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    fleet = {r["jurisdiction"]: r for r in rows if r["scope"] == "fleet"}
    assert set(fleet) == {"OK", "TX", "NM", "TOTAL"}
    for code, line in by_code(report["jurisdictions"]).items():
        assert float(fleet[code]["miles"]) == line["miles"]
        assert float(fleet[code]["taxable_gallons"]) == line["taxable_gallons"]
    assert float(fleet["TOTAL"]["mpg"]) == report["mpg"]
    assert {r["vehicle_number"] for r in rows if r["scope"] == "truck"} == {"T-1"}

    pdf = await client.get(
        "/api/reports/ifta", headers=admin.auth, params={"quarter": "2026Q4", "format": "pdf"}
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "IFTA quarterly summary 2026Q4" in text
    assert "TX Texas" in text and "Truck T-1" in text
    assert f"{by_code(report['jurisdictions'])['TX']['miles']:,.1f}" in text
