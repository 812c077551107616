"""Time each report over the load test's volume (3,000 shipments, 400 drivers) and ten
times that; target: every report under 500 ms at 10x on PostgreSQL.

Seeds one organisation straight into a migrated database with bulk inserts (the reports
read rows, so rows are what matter): shipments of 12 weeks with two stops each, their
pickup and delivery events among other events, GPS fixes, invoices with lines, payments
of some, exceptions and applied dispatch plans. Then runs each report through the
service, as the route does, and prints the median of 5 runs in ms.

    .venv/bin/python bench/reports.py                        # SQLite file (a temp dir)
    .venv/bin/python bench/reports.py --database postgres    # a throwaway PostgreSQL db
    FREIGHT_BENCH_DATABASE_URL=postgresql+asyncpg://... .venv/bin/python bench/reports.py
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

from harness import temp_database
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from freight.access import Actor, Role
from freight.billing.models import Invoice, InvoicedShipment, InvoiceLine
from freight.dispatch.models import DispatchPlan, ShipmentException
from freight.events import Event
from freight.fleet.models import Driver, Vehicle
from freight.identity.models import Customer, Organization
from freight.migrations.runner import upgrade
from freight.reports import service
from freight.reports.period import Query
from freight.reports.schemas import ReportName
from freight.shipments.models import Shipment, Stop
from freight.tracking.models import Position

CITIES = [
    ("Chicago", "IL", 41.88, -87.63),
    ("Dallas", "TX", 32.78, -96.80),
    ("Atlanta", "GA", 33.75, -84.39),
    ("Memphis", "TN", 35.15, -90.05),
    ("Denver", "CO", 39.74, -104.99),
    ("Columbus", "OH", 39.96, -82.99),
    ("Phoenix", "AZ", 33.45, -112.07),
    ("Los Angeles", "CA", 34.05, -118.24),
]
NAMES: list[ReportName] = list(get_args(ReportName))
FIXES_PER_LOAD = 12


async def _bulk(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), 2000):
        await session.execute(insert(model), rows[i : i + 2000])


def _load_rows(
    rng: random.Random, org: uuid.UUID, n: int, customers: list[uuid.UUID], drivers: list[Any]
) -> dict[str, list[dict[str, Any]]]:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    tag = f"{n // 3000:02d}"  # each scale its own references
    out: dict[str, list[dict[str, Any]]] = {
        k: [] for k in ("ship", "stop", "event", "pos", "exc", "inv", "line", "invship")
    }
    event_id = 0
    for i in range(n):
        sid = uuid.uuid4()
        (a, ar, alat, alng), (b, br, blat, blng) = rng.sample(CITIES, 2)
        opens = now - timedelta(hours=rng.randint(24, 84 * 24))
        driver, vehicle = rng.choice(drivers)
        delivered = rng.random() < 0.85
        picked = opens + timedelta(hours=4, minutes=rng.randint(-120, 240))
        dropped = picked + timedelta(hours=rng.randint(8, 50))
        km = rng.uniform(300, 2500)
        out["ship"].append(
            {
                "id": sid,
                "organization_id": org,
                "reference": f"FRT-{tag}-{i:07d}",
                "customer_id": rng.choice(customers),
                "status": "DELIVERED" if delivered else "IN_TRANSIT",
                "equipment_type": rng.choice(["dry_van", "reefer"]),
                "weight_kg": 10000.0,
                "price_cents": int(km * 250),
                "driver_id": driver,
                "vehicle_id": vehicle,
                "distance_km": km,
                "delivered_at": dropped if delivered else None,
                "created_at": opens - timedelta(days=2),
            }
        )
        geofenced = rng.random() < 0.5
        for seq, (city, region, lat, lng), start, actual in (
            (1, (a, ar, alat, alng), opens, picked),
            (2, (b, br, blat, blng), opens + timedelta(hours=30), dropped),
        ):
            row: dict[str, Any] = {
                "shipment_id": sid,
                "sequence": seq,
                "kind": "pickup" if seq == 1 else "delivery",
                "name": f"{city} DC",
                "city": city,
                "region": region,
                "lat": lat,
                "lng": lng,
                "window_start": start,
                "window_end": start + timedelta(hours=4),
                "timezone": "America/Chicago",
            }
            if geofenced and (seq == 1 or delivered):
                row |= {
                    "arrived_at": actual,
                    "departed_at": actual + timedelta(minutes=rng.randint(30, 300)),
                }
            out["stop"].append(row)
        kinds: list[tuple[str, dict[str, str]]] = [
            ("shipment.created", {}),
            ("shipment.assigned", {}),
        ]
        kinds += [("shipment.status_changed", {"from": "ASSIGNED", "to": "PICKED_UP"})]
        kinds += [("shipment.status_changed", {"from": "PICKED_UP", "to": "IN_TRANSIT"})]
        if delivered:
            kinds += [("shipment.delivered", {"to": "DELIVERED"})]
        for seq, (kind, payload) in enumerate(kinds, start=1):
            event_id += 1
            at = (
                picked
                if payload.get("to") == "PICKED_UP"
                else dropped
                if kind == "shipment.delivered"
                else opens
            )
            out["event"].append(
                {
                    "organization_id": org,
                    "shipment_id": sid,
                    "seq": seq,
                    "type": kind,
                    "data": payload,
                    "occurred_at": at,
                    "hash": f"{event_id:064x}",
                }
            )
        for f in range(FIXES_PER_LOAD):
            t = f / FIXES_PER_LOAD
            out["pos"].append(
                {
                    "organization_id": org,
                    "driver_id": driver,
                    "shipment_id": sid,
                    "loaded": f >= FIXES_PER_LOAD // 4,
                    "lat": alat + (blat - alat) * t,
                    "lng": alng + (blng - alng) * t,
                    "recorded_at": picked + timedelta(minutes=20 * f),
                }
            )
        if rng.random() < 0.06:
            out["exc"].append(
                {
                    "organization_id": org,
                    "shipment_id": sid,
                    "kind": "osd",
                    "reason": rng.choice(["over", "short", "damaged"]),
                    "pieces_affected": rng.randint(1, 5),
                    "status_before": "IN_TRANSIT",
                    "status_after": "IN_TRANSIT",
                    "created_at": dropped,
                }
            )
        if delivered and rng.random() < 0.8:
            iid = uuid.uuid4()
            price = int(km * 250)
            status = rng.choice(["issued", "partially_paid", "paid"])
            total = int(price * 1.0825)
            paid = total if status == "paid" else total // 2 if status == "partially_paid" else 0
            out["inv"].append(
                {
                    "id": iid,
                    "organization_id": org,
                    "number": f"INV-{tag}-{i:07d}",
                    "customer_id": out["ship"][-1]["customer_id"],
                    "status": status,
                    "currency": "USD",
                    "subtotal_cents": price,
                    "tax_cents": total - price,
                    "total_cents": total,
                    "paid_cents": paid,
                    "issued_at": dropped + timedelta(days=1),
                    "due_at": dropped + timedelta(days=31),
                }
            )
            for pos, (kind, cents) in enumerate(
                (("linehaul", price * 4 // 5), ("fuel", price - price * 4 // 5)), 1
            ):
                out["line"].append(
                    {
                        "invoice_id": iid,
                        "position": pos,
                        "shipment_id": sid,
                        "kind": kind,
                        "description": kind,
                        "quantity": "1",
                        "unit": "each",
                        "unit_price_cents": cents,
                        "amount_cents": cents,
                    }
                )
            out["invship"].append({"shipment_id": sid, "invoice_id": iid})
    return out


async def seed(session: AsyncSession, scale: int, rng: random.Random) -> uuid.UUID:
    """One organisation with ``scale`` x the load test's volume."""
    org = uuid.uuid4()
    await _bulk(session, Organization, [{"id": org, "name": f"Bench {scale}x"}])
    customers = [uuid.uuid4() for _ in range(40)]
    await _bulk(
        session,
        Customer,
        [
            {
                "id": c,
                "organization_id": org,
                "name": f"Shipper {i}",
                "billing_email": f"ap{i}@x.example",
            }
            for i, c in enumerate(customers)
        ],
    )
    fleet = [(uuid.uuid4(), uuid.uuid4()) for _ in range(400)]
    await _bulk(
        session,
        Vehicle,
        [
            {
                "id": v,
                "organization_id": org,
                "number": f"T-{i}",
                "kind": "tractor",
                "equipment_type": "dry_van",
                "capacity_kg": 20000.0,
            }
            for i, (_, v) in enumerate(fleet)
        ],
    )
    await _bulk(
        session,
        Driver,
        [
            {"id": d, "organization_id": org, "full_name": f"Driver {i}", "vehicle_id": v}
            for i, (d, v) in enumerate(fleet)
        ],
    )
    rows = _load_rows(rng, org, 3000 * scale, customers, fleet)
    for key, model in (
        ("ship", Shipment),
        ("stop", Stop),
        ("event", Event),
        ("pos", Position),
        ("exc", ShipmentException),
        ("inv", Invoice),
        ("line", InvoiceLine),
        ("invship", InvoicedShipment),
    ):
        await _bulk(session, model, rows[key])
    plans = [
        {
            "organization_id": org,
            "result": {
                "optimal_deadhead_km": 900.0,
                "greedy_deadhead_km": 1100.0,
                "km_saved": 200.0,
            },
            "applied_at": datetime.now(UTC) - timedelta(days=rng.randint(1, 80)),
        }
        for _ in range(20 * scale)
    ]
    await _bulk(session, DispatchPlan, plans)
    await session.commit()
    return org


async def measure(url: str, scales: list[int], runs: int) -> dict[int, dict[str, float]]:
    engine = create_async_engine(url)
    await upgrade(engine)
    figures: dict[int, dict[str, float]] = {}
    rng = random.Random(2026)  # noqa: S311 (a repeatable data set, not a secret)
    try:
        for scale in scales:
            async with AsyncSession(engine, expire_on_commit=False) as session:
                began = time.perf_counter()
                org = await seed(session, scale, rng)
                took = time.perf_counter() - began
                print(f"{scale}x: seeded {3000 * scale} shipments in {took:.1f} s")
                customer = (
                    await session.execute(
                        Customer.__table__.select().where(Customer.organization_id == org).limit(1)
                    )
                ).first()
            if engine.dialect.name == "postgresql":
                async with engine.begin() as conn:
                    await conn.exec_driver_sql("ANALYZE")
            staff = Actor(organization_id=org, role=Role.ADMIN)
            shipper = Actor(
                organization_id=org,
                role=Role.CUSTOMER,
                customer_id=customer.id if customer else None,
            )
            figures[scale] = {}
            for name in NAMES:
                times = []
                for _ in range(runs):
                    async with AsyncSession(engine) as session:
                        began = time.perf_counter()
                        await service.run(
                            session, shipper if name == "service" else staff, name, Query()
                        )
                        times.append((time.perf_counter() - began) * 1000)
                figures[scale][name] = statistics.median(times)
    finally:
        await engine.dispose()
    return figures


@contextmanager
def database(kind: str) -> Iterator[str]:
    if os.environ.get("FREIGHT_BENCH_DATABASE_URL"):
        yield os.environ["FREIGHT_BENCH_DATABASE_URL"]
    elif kind == "postgres":
        with temp_database("freight_bench_reports") as url:
            yield url
    else:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite+aiosqlite:///{tmp}/reports.db"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--scales", default="1,10", help="multiples of the load test's volume")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    with database(args.database) as url:
        figures = asyncio.run(measure(url, scales, args.runs))
    print(f"\n{'report':<12}" + "".join(f"{f'{s}x ms':>10}" for s in scales))
    for name in NAMES:
        print(f"{name:<12}" + "".join(f"{figures[s][name]:>10.1f}" for s in scales))
    worst = max(figures[scales[-1]].values())
    print(f"\nslowest at {scales[-1]}x: {worst:.1f} ms (target < 500 ms on PostgreSQL)")
    return 0 if worst < 500 else 1


if __name__ == "__main__":
    raise SystemExit(main())
