"""Each report's figures against the hand-built fortnight, computed here another way."""

from __future__ import annotations

import csv
import io
import itertools
from collections import Counter
from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from pypdf import PdfReader

from freight.geo import haversine_km
from tests.helpers import Session, assert_problem
from tests.reports.conftest import EXCEPTIONS, FREE_MINUTES, ZONE, Data, LoadSpec, local

KM_PER_MI = 1.609344
BUCKETS = [(0, "on_time"), (30, "late_under_30m"), (120, "late_30m_2h"), (360, "late_2h_6h")]


async def report(client: AsyncClient, who: Session, name: str, **params: Any) -> dict[str, Any]:
    resp = await client.get(f"/api/reports/{name}", headers=who.auth, params=params)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def lateness_of(minutes: int) -> str:
    for limit, name in BUCKETS:
        if (minutes <= 0 and limit == 0) or (0 < minutes < limit):
            return name
    return "late_over_6h"


def on_time_pct(lates: list[int]) -> float | None:
    return round(100 * sum(m <= 0 for m in lates) / len(lates), 1) if lates else None


async def test_on_time_counts_each_stop_against_its_window(client: AsyncClient, data: Data) -> None:
    body = await report(client, data.dispatcher, "on-time", **data.query())
    by_kind = {row["kind"]: row for row in body["summary"]}
    for kind, lates in (
        ("pickup", [s.pickup_late for s in data.loads]),
        ("delivery", [s.delivery_late for s in data.loads]),
    ):
        row = by_kind[kind]
        assert row["stops"] == len(lates)
        assert row["on_time_pct"] == on_time_pct(lates)
        assert row["lateness"] == {
            name: sum(lateness_of(m) == name for m in lates)
            for _, name in [*BUCKETS, (0, "late_over_6h")]
        }
    # Week 1 holds the pickups of days 1, 3, 4; week 2 those of days 8, 9, 10.
    week1, week2 = body["weeks"]
    assert week1["week"] == data.first.isoformat()
    assert week1["pickups"] == sum(s.day < 7 for s in data.loads)
    early = [s.pickup_late for s in data.loads if s.day < 7]
    assert week1["pickup_on_time_pct"] == on_time_pct(early)
    late = [s.delivery_late for s in data.loads if s.day >= 7]
    assert week2["delivery_on_time_pct"] == on_time_pct(late)


async def test_filters_change_the_on_time_figures(client: AsyncClient, data: Data) -> None:
    a = data.accounts["a"]
    body = await report(client, data.admin, "on-time", **data.query(customer_id=a))
    mine = [s.delivery_late for s in data.loads if s.customer == "a"]
    delivery = next(r for r in body["summary"] if r["kind"] == "delivery")
    assert (delivery["stops"], delivery["on_time_pct"]) == (len(mine), on_time_pct(mine))
    d2 = data.drivers["d2"].id
    body = await report(client, data.admin, "on-time", **data.query(driver_id=d2))
    theirs = [s.pickup_late for s in data.loads if s.driver == "d2"]
    pickup = next(r for r in body["summary"] if r["kind"] == "pickup")
    assert (pickup["stops"], pickup["on_time_pct"]) == (len(theirs), on_time_pct(theirs))
    # The first week only: the second week's stops drop out.
    body = await report(
        client,
        data.admin,
        "on-time",
        **{"from": data.first.isoformat(), "to": (data.first + timedelta(days=6)).isoformat()},
    )
    assert [w["week"] for w in body["weeks"]] == [data.first.isoformat()]
    assert body["summary"][0]["stops"] == sum(s.day < 7 for s in data.loads)


async def test_revenue_by_week_and_per_mile(client: AsyncClient, data: Data) -> None:
    body = await report(client, data.admin, "revenue", **data.query())
    expected: dict[str, list[float]] = {}
    for inv in data.invoices:
        monday = (
            inv.issued_at.astimezone(ZONE).date()
            - timedelta(days=inv.issued_at.astimezone(ZONE).weekday())
        ).isoformat()
        row = expected.setdefault(monday, [0, 0, 0.0])
        row[0] += inv.subtotal_cents
        row[1] += len(inv.loads)
        row[2] += sum(data.loads[i].distance_km for i in inv.loads) / KM_PER_MI
    got = {w["week"]: w for w in body["weeks"]}
    assert set(got) == set(expected)
    for week, (cents, loads, miles) in expected.items():
        assert got[week]["revenue_cents"] == cents
        assert got[week]["loads"] == loads
        assert abs(got[week]["distance"] - miles) < 0.1
        assert got[week]["revenue_per_unit_cents"] == round(cents / miles)
    total = body["totals"][0]
    assert total["revenue_cents"] == sum(i.subtotal_cents for i in data.invoices)
    # One account's revenue only.
    body = await report(client, data.admin, "revenue", **data.query(customer_id=data.accounts["b"]))
    assert body["totals"][0]["revenue_cents"] == sum(
        i.subtotal_cents for i in data.invoices if i.customer == "b"
    )


async def test_aging_matches_the_ledger_and_the_due_dates(client: AsyncClient, data: Data) -> None:
    body = await report(client, data.admin, "aging", **data.query())
    ledger = (
        await client.get(
            "/api/invoices/aging", headers=data.admin.auth, params={"as_of": data.last.isoformat()}
        )
    ).json()
    theirs = {a["customer_id"]: a for a in ledger["accounts"]}
    for account in body["accounts"]:
        for bucket in ("current", "days_1_30", "days_31_60", "days_61_90", "over_90", "total"):
            assert account[bucket] == theirs[account["customer_id"]][bucket], bucket
    buckets = Counter[str]()
    for inv in data.invoices:
        days = -inv.due_offset
        name = "current" if days <= 0 else "days_1_30" if days <= 30 else "days_31_60"
        buckets[name] += inv.total_cents
    total = body["totals"][0]
    assert {b: total[b] for b in buckets} == dict(buckets)
    owed = sum(i.total_cents for i in data.invoices)
    assert total["dso_days"] == round(owed / owed * 14, 1)


async def test_detention_beyond_the_free_time(client: AsyncClient, data: Data) -> None:
    body = await report(client, data.admin, "detention", **data.query())
    expected: Counter[str] = Counter()
    for s in data.loads:
        if s.dwell:
            expected[data.accounts[s.customer]] += sum(max(0, d - FREE_MINUTES) for d in s.dwell)
    got = {c["customer_id"]: c["detention_hours"] for c in body["customers"]}
    assert got == {k: round(v / 60, 2) for k, v in expected.items()}
    visits = sum(2 for s in data.loads if s.dwell)
    assert sum(r["visits"] for r in body["stops"]) == visits
    denver = next(
        r for r in body["stops"] if r["city"] == "Denver" and r["customer_name"] == "Initech Parts"
    )
    assert denver["detention_hours"] == round((130 - FREE_MINUTES) / 60, 2)


async def test_exceptions_by_kind_and_reason(client: AsyncClient, data: Data) -> None:
    body = await report(client, data.admin, "exceptions", **data.query())
    inside = [e for e in EXCEPTIONS if e[5] >= 0]
    expected = Counter((kind, reason) for _, kind, reason, *_ in inside)
    assert {(r["kind"], r["reason"]): r["count"] for r in body["rows"]} == dict(expected)
    assert body["total"] == len(inside)
    lumper = next(r for r in body["rows"] if r["kind"] == "lumper")
    assert lumper["amount_cents"] == 15_000
    body = await report(
        client, data.admin, "exceptions", **data.query(customer_id=data.accounts["b"])
    )
    assert body["total"] == sum(1 for e in inside if data.loads[e[0]].customer == "b")


async def test_a_shipper_reads_its_own_service_report(client: AsyncClient, data: Data) -> None:
    body = await report(client, data.customer_a, "service", **data.query())
    mine = [s for s in data.loads if s.customer == "a"]
    assert body["customer_id"] == data.accounts["a"]
    assert body["loads"] == body["delivered"] == len(mine)
    assert body["pickup_on_time_pct"] == on_time_pct([s.pickup_late for s in mine])
    assert body["delivery_on_time_pct"] == on_time_pct([s.delivery_late for s in mine])
    assert body["exceptions"] == sum(
        1 for e in EXCEPTIONS if e[5] >= 0 and data.loads[e[0]].customer == "a"
    )
    assert body["spend"][0]["invoiced_cents"] == sum(
        i.total_cents for i in data.invoices if i.customer == "a"
    )
    # Staff read it for any account; a shipper cannot name another.
    staff = await report(
        client, data.admin, "service", **data.query(customer_id=data.accounts["a"])
    )
    assert staff["loads"] == body["loads"]
    resp = await client.get(
        "/api/reports/service",
        headers=data.customer_a.auth,
        params=data.query(customer_id=data.accounts["b"]),
    )
    assert_problem(resp, 404)


def track_km(
    fixes: list[tuple[str, float, float, bool, Any]], driver: str, loaded: bool, data: Data
) -> float:
    start, end = local(data.first), local(data.last + timedelta(days=1))
    mine = sorted((f for f in fixes if f[0] == driver and start <= f[4] < end), key=lambda f: f[4])
    return sum(
        haversine_km(a[1], a[2], b[1], b[2]) for a, b in itertools.pairwise(mine) if b[3] == loaded
    )


async def test_deadhead_from_the_gps_fixes_and_the_plans(client: AsyncClient, data: Data) -> None:
    body = await report(client, data.admin, "deadhead", **data.query())
    rows = {r["driver_id"]: r for r in body["drivers"]}
    for key in ("d1", "d2"):
        row = rows[data.drivers[key].id]
        loaded = track_km(data.fixes, key, True, data) / KM_PER_MI
        empty = track_km(data.fixes, key, False, data) / KM_PER_MI
        assert abs(row["loaded"] - loaded) < 0.002 * loaded + 0.1
        assert abs(row["empty"] - empty) < 0.002 * empty + 0.1
        assert abs(row["deadhead_pct"] - 100 * empty / (loaded + empty)) < 0.2
    assert body["plans"]["applied_plans"] == 1
    assert abs(body["plans"]["saved"] - 30 / KM_PER_MI) < 0.1
    one = await report(
        client, data.admin, "deadhead", **data.query(driver_id=data.drivers["d2"].id)
    )
    assert [r["driver_id"] for r in one["drivers"]] == [data.drivers["d2"].id]


def active_days(loads: list[LoadSpec], data: Data) -> int:
    days = 0
    for i in range(14):
        start, end = (
            local(data.first + timedelta(days=i)),
            local(data.first + timedelta(days=i + 1)),
        )
        days += any(s.picked_event < end and s.delivered_event > start for s in loads)
    return days


async def test_utilization_loaded_hours_and_idle_days(client: AsyncClient, data: Data) -> None:
    body = await report(client, data.admin, "utilization", **data.query())
    assert body["days"] == 14
    drivers = {r["id"]: r for r in body["drivers"]}
    vehicles = {r["id"]: r for r in body["vehicles"]}
    for key in ("d1", "d2"):
        loads = [s for s in data.loads if s.driver == key]
        hours = sum((s.delivered_event - s.picked_event).total_seconds() for s in loads) / 3600
        for row in (drivers[data.drivers[key].id], vehicles[data.vehicles[key]]):
            assert row["loads"] == len(loads)
            assert abs(row["loaded_hours"] - hours) < 0.01
            assert row["active_days"] == active_days(loads, data)
            assert row["idle_days"] == 14 - row["active_days"]


async def test_lanes_by_region_pair(client: AsyncClient, data: Data) -> None:
    body = await report(client, data.admin, "lanes", **data.query())
    regions = {
        "Chicago": "IL",
        "Dallas": "TX",
        "Memphis": "TN",
        "Atlanta": "GA",
        "Columbus": "OH",
        "Denver": "CO",
        "Phoenix": "AZ",
    }
    billed: dict[int, int] = {}
    for inv in data.invoices:
        if len(inv.loads) == 1:
            billed[inv.loads[0]] = inv.subtotal_cents
    lanes = {r["lane"]: r for r in body["lanes"]}
    assert len(lanes) == len(data.loads)
    for i, s in enumerate(data.loads):
        lane = lanes[f"{regions[s.origin]} -> {regions[s.destination]}"]
        miles = s.distance_km / KM_PER_MI
        assert abs(lane["distance"] - miles) < 0.1
        if i in billed:
            assert lane["revenue_cents"] == billed[i]
        elif i >= 4:  # never invoiced: the agreed price
            assert lane["revenue_cents"] == s.price_cents


async def test_csv_and_pdf_exports_read_back(client: AsyncClient, data: Data) -> None:
    resp = await client.get(
        "/api/reports/on-time", headers=data.admin.auth, params=data.query(format="csv")
    )
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    pickup = next(r for r in rows if r["kind"] == "pickup")
    assert float(pickup["on_time_pct"]) == on_time_pct([s.pickup_late for s in data.loads])
    resp = await client.get(
        "/api/reports/aging", headers=data.admin.auth, params=data.query(format="pdf")
    )
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(resp.content)).pages)
    assert "Accounts receivable aging" in text
    assert f"{sum(i.total_cents for i in data.invoices):,}" in text
    assert data.first.isoformat() in text and "Globex Foods" in text


async def test_who_may_read_which_report(client: AsyncClient, data: Data) -> None:
    q = data.query()
    assert_problem(await client.get("/api/reports/on-time", params=q), 401)
    assert_problem(
        await client.get("/api/reports/on-time", headers=data.customer_a.auth, params=q), 403
    )
    assert_problem(
        await client.get("/api/reports/service", headers=data.driver_user.auth, params=q), 403
    )
    assert_problem(
        await client.get("/api/reports/revenue", headers=data.driver_user.auth, params=q), 403
    )
    resp = await client.get("/api/reports/service", headers=data.customer_b.auth, params=q)
    assert resp.status_code == 200 and resp.json()["customer_id"] == data.accounts["b"]


async def test_bad_filters_name_the_field(
    client: AsyncClient, data: Data, other_admin: Session
) -> None:
    resp = await client.get(
        "/api/reports/on-time",
        headers=data.admin.auth,
        params={"from": "2026-03-02", "to": "2026-03-01"},
    )
    assert assert_problem(resp, 422)["errors"][0]["loc"][-1] == "from"
    resp = await client.get("/api/reports/nonsense", headers=data.admin.auth)
    assert assert_problem(resp, 422)["errors"][0]["loc"][-1] == "name"
    resp = await client.get(
        "/api/reports/revenue", headers=data.admin.auth, params={"format": "xls"}
    )
    assert assert_problem(resp, 422)["errors"][0]["loc"][-1] == "format"
    # Another organisation's account is no filter here.
    resp = await client.get(
        "/api/reports/revenue", headers=other_admin.auth, params={"customer_id": data.accounts["a"]}
    )
    assert assert_problem(resp, 422)["errors"][0]["loc"][-1] == "customer_id"
    resp = await client.get("/api/reports/service", headers=data.admin.auth, params=data.query())
    assert assert_problem(resp, 422)["errors"][0]["loc"][-1] == "customer_id"


async def test_another_organisation_sees_none_of_it(
    client: AsyncClient, data: Data, other_admin: Session
) -> None:
    body = await report(client, other_admin, "on-time", **data.query())
    assert all(r["stops"] == 0 for r in body["summary"])
    body = await report(client, other_admin, "revenue", **data.query())
    assert body["weeks"] == [] and body["totals"] == []
