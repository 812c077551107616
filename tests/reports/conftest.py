"""A hand-built fortnight: six loads of two accounts run by two drivers, their invoices,
exceptions, GPS fixes and dispatch plans; each fact kept in a Python list so the tests
can compute the expected figures themselves.

Loads are booked, assigned, picked up and delivered through the API (so the event log and
the invoices are the real ones); the times the API cannot set in the past (windows,
arrivals, the device times of the moves, issue and due dates) are then written with the
ORM, as the geofence and the offline driver app would have recorded them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import update

from freight.billing.models import Invoice
from freight.dispatch.models import DispatchPlan, ShipmentException
from freight.events import Event
from freight.shipments.models import Shipment, Stop
from freight.tracking.models import Position
from tests.fleet_helpers import DriverAt, add_driver, add_vehicle, assign, book_load, move, tiny_png
from tests.helpers import Session, add_customer, add_user

ZONE = ZoneInfo("America/Chicago")  # the organisation's default zone
RATES: dict[str, Any] = {
    "currency": "USD",
    "per_km_cents": {"dry_van": 195, "reefer": 240},
    "minimum_charge_cents": 35_000,
    "fuel_surcharge_bp": 2450,
    "detention_free_minutes": 120,
    "detention_hourly_cents": 7450,
    "tax_rate_bp": 825,
}
FREE_MINUTES = 120


@dataclass
class LoadSpec:
    customer: str  # "a" or "b"
    driver: str  # "d1" or "d2"
    origin: str
    destination: str
    day: int  # days after the period's first day
    pickup_late: int  # minutes after the pickup window's end (negative: early)
    delivery_late: int
    via_stop: bool  # arrival recorded at the stop (geofence); else only the move's time
    dwell: tuple[int, int] | None = None  # minutes at pickup and delivery (via_stop only)
    id: str = ""
    reference: str = ""
    price_cents: int = 0
    distance_km: float = 0.0
    pickup_window: tuple[datetime, datetime] = (datetime.min, datetime.min)
    delivery_window: tuple[datetime, datetime] = (datetime.min, datetime.min)
    picked_event: datetime = datetime.min
    delivered_event: datetime = datetime.min

    @property
    def pickup_at(self) -> datetime:
        return self.pickup_window[1] + timedelta(minutes=self.pickup_late)

    @property
    def delivery_at(self) -> datetime:
        return self.delivery_window[1] + timedelta(minutes=self.delivery_late)


SPECS = [
    LoadSpec("a", "d1", "Chicago", "Dallas", 1, -30, 0, True, (150, 90)),
    LoadSpec("a", "d1", "Dallas", "Memphis", 3, 10, 45, False),
    LoadSpec("a", "d2", "Atlanta", "Columbus", 4, 200, -60, True, (100, 300)),
    LoadSpec("b", "d2", "Memphis", "Chicago", 8, 0, 500, False),
    LoadSpec("b", "d1", "Chicago", "Denver", 9, 45, 20, True, (400, 130)),
    LoadSpec("a", "d2", "Denver", "Phoenix", 10, -5, 125, True, (60, 121)),
]


@dataclass
class InvoiceSpec:
    customer: str
    loads: list[int]  # indexes into SPECS
    issued_day: int
    due_offset: int  # days from the period's last day (negative: past due)
    id: str = ""
    subtotal_cents: int = 0
    total_cents: int = 0
    issued_at: datetime = datetime.min
    due_at: datetime = datetime.min


INVOICES = [
    InvoiceSpec("a", [0, 1], 5, -45),
    InvoiceSpec("a", [2], 9, -5),
    InvoiceSpec("b", [3], 10, 10),
]

# (load index, kind, reason, pieces, amount, day; -3 is before the period)
EXCEPTIONS = [
    (1, "delivery_failed", "refused", None, None, 4),
    (3, "osd", "short", 3, None, 9),
    (3, "lumper", "unloading", None, 15_000, 9),
    (5, "osd", "short", 1, None, 11),
    (0, "osd", "damaged", 2, None, -3),
]


@dataclass
class Data:
    admin: Session
    dispatcher: Session
    customer_a: Session
    customer_b: Session
    driver_user: DriverAt
    accounts: dict[str, str]
    drivers: dict[str, DriverAt]
    vehicles: dict[str, str]
    loads: list[LoadSpec]
    invoices: list[InvoiceSpec]
    first: date
    last: date
    # (driver key, lat, lng, loaded, recorded_at)
    fixes: list[tuple[str, float, float, bool, datetime]] = field(default_factory=list)

    def query(self, **extra: Any) -> dict[str, Any]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat(), **extra}


def local(day: date, hour: float = 0.0) -> datetime:
    """``hour`` o'clock on ``day`` in the organisation's zone, as UTC."""
    return (datetime.combine(day, time(0), tzinfo=ZONE) + timedelta(hours=hour)).astimezone(UTC)


async def _run(client: AsyncClient, data: Data, spec: LoadSpec) -> None:
    staff, driver = data.dispatcher, data.drivers[spec.driver]
    load = await book_load(
        client,
        staff,
        data.accounts[spec.customer],
        origin=spec.origin,
        destination=spec.destination,
    )
    spec.id, spec.reference = load["id"], load["reference"]
    spec.price_cents, spec.distance_km = load["price_cents"], load["distance_km"]
    await assign(client, staff, load["id"], driver)
    await move(client, driver, load["id"], "PICKED_UP")
    await move(client, driver, load["id"], "IN_TRANSIT")
    resp = await client.post(
        f"/api/shipments/{load['id']}/pod",
        headers=driver.auth,
        data={"recipient_name": "Rita Receiver"},
        files=[("signature", ("sig.png", tiny_png(), "image/png"))],
    )
    assert resp.status_code == 201, resp.text


async def _set_times(app: FastAPI, data: Data) -> None:
    """The windows, arrivals and move times of each load, as recorded on the road."""
    async with app.state.ctx.engine.begin() as conn:
        for spec in data.loads:
            sid = uuid.UUID(spec.id)
            opens = local(data.first + timedelta(days=spec.day), 8)
            spec.pickup_window = (opens, opens + timedelta(hours=4))
            spec.delivery_window = (opens + timedelta(hours=28), opens + timedelta(hours=32))
            late = timedelta(hours=3) if spec.via_stop else timedelta(0)
            spec.picked_event = spec.pickup_at + late
            spec.delivered_event = spec.delivery_at + late
            for seq, window, actual, dwell in (
                (0, spec.pickup_window, spec.pickup_at, spec.dwell[0] if spec.dwell else 0),
                (1, spec.delivery_window, spec.delivery_at, spec.dwell[1] if spec.dwell else 0),
            ):
                values: dict[str, Any] = {"window_start": window[0], "window_end": window[1]}
                if spec.via_stop:
                    values |= {
                        "arrived_at": actual,
                        "departed_at": actual + timedelta(minutes=dwell),
                    }
                stop_seq = await _sequence(conn, sid, seq)
                await conn.execute(
                    update(Stop)
                    .where(Stop.shipment_id == sid, Stop.sequence == stop_seq)
                    .values(**values)
                )
            vehicle = uuid.UUID(data.vehicles[spec.driver])
            await conn.execute(
                update(Shipment)
                .where(Shipment.id == sid)
                .values(delivered_at=spec.delivered_event, vehicle_id=vehicle)
            )
            await conn.execute(
                update(Event)
                .where(Event.shipment_id == sid, Event.type == "shipment.status_changed")
                .where(Event.data["to"].as_string() == "PICKED_UP")
                .values(device_time=spec.picked_event)
            )
            await conn.execute(
                update(Event)
                .where(Event.shipment_id == sid, Event.type == "shipment.delivered")
                .values(device_time=spec.delivered_event)
            )


async def _sequence(conn: Any, shipment_id: uuid.UUID, index: int) -> int:
    rows = await conn.execute(
        Stop.__table__.select()
        .with_only_columns(Stop.sequence)
        .where(Stop.shipment_id == shipment_id)
        .order_by(Stop.sequence)
    )
    return int([r[0] for r in rows][index])


async def _invoice(client: AsyncClient, app: FastAPI, data: Data) -> None:
    for inv in data.invoices:
        ids = [data.loads[i].id for i in inv.loads]
        resp = await client.post(
            "/api/invoices",
            headers=data.admin.auth,
            json={"customer_id": data.accounts[inv.customer], "shipment_ids": ids},
        )
        assert resp.status_code == 201, resp.text
        inv.id = resp.json()["id"]
        resp = await client.post(f"/api/invoices/{inv.id}/issue", headers=data.admin.auth)
        assert resp.status_code == 200, resp.text
        inv.subtotal_cents, inv.total_cents = (
            resp.json()["subtotal_cents"],
            resp.json()["total_cents"],
        )
        inv.issued_at = local(data.first + timedelta(days=inv.issued_day), 10)
        inv.due_at = local(data.last + timedelta(days=inv.due_offset), 12)
        async with app.state.ctx.engine.begin() as conn:
            await conn.execute(
                update(Invoice)
                .where(Invoice.id == uuid.UUID(inv.id))
                .values(issued_at=inv.issued_at, due_at=inv.due_at)
            )


async def _road_facts(app: FastAPI, data: Data) -> None:
    """Exceptions, GPS fixes and dispatch plans, written as their services would."""
    org = data.admin.organization_id
    async with app.state.ctx.sessions() as session:
        for index, kind, reason, pieces, amount, day in EXCEPTIONS:
            session.add(
                ShipmentException(
                    organization_id=org,
                    shipment_id=uuid.UUID(data.loads[index].id),
                    kind=kind,
                    reason=reason,
                    pieces_affected=pieces,
                    amount_cents=amount,
                    status_before="IN_TRANSIT",
                    status_after="IN_TRANSIT",
                    created_at=local(data.first + timedelta(days=day), 12),
                )
            )
        # d1: 4 empty fixes then 4 loaded; d2: 3 empty then 5 loaded; one fix before the period.
        for key, lat0, lng0, empty, loaded, day in (
            ("d1", 41.0, -87.6, 4, 4, 2),
            ("d2", 33.7, -84.4, 3, 5, 5),
        ):
            start = local(data.first + timedelta(days=day), 9)
            for i in range(empty + loaded):
                fix = (
                    key,
                    lat0 + 0.05 * i,
                    lng0 + 0.03 * i * i,
                    i >= empty,
                    start + timedelta(minutes=5 * i),
                )
                data.fixes.append(fix)
        data.fixes.append(("d1", 45.0, -93.0, True, local(data.first - timedelta(days=2), 9)))
        for key, lat, lng, loaded, at in data.fixes:
            session.add(
                Position(
                    organization_id=org,
                    driver_id=uuid.UUID(data.drivers[key].id),
                    lat=lat,
                    lng=lng,
                    loaded=loaded,
                    recorded_at=at,
                )
            )
        for applied, optimal, greedy in (
            (local(data.first + timedelta(days=3), 7), 100.0, 130.0),
            (None, 50.0, 500.0),
        ):
            session.add(
                DispatchPlan(
                    organization_id=org,
                    result={
                        "optimal_deadhead_km": optimal,
                        "greedy_deadhead_km": greedy,
                        "km_saved": greedy - optimal,
                    },
                    applied_at=applied,
                )
            )
        await session.commit()


@pytest.fixture
async def data(client: AsyncClient, app: FastAPI, admin: Session) -> Data:
    resp = await client.put("/api/billing/rates", headers=admin.auth, json=RATES)
    assert resp.status_code == 200, resp.text
    dispatcher = await add_user(client, admin, "dispatcher", "dispatch@acme.example")
    accounts = {"a": await add_customer(client, admin, "Globex Foods")}
    accounts["b"] = await add_customer(client, admin, "Initech Parts")
    customer_a = await add_user(client, admin, "customer", "ap@globex.example", accounts["a"])
    customer_b = await add_user(client, admin, "customer", "ap@initech.example", accounts["b"])
    drivers = {
        "d1": await add_driver(client, admin, "dee@acme.example"),
        "d2": await add_driver(client, admin, "dan@acme.example", city="Atlanta"),
    }
    vehicles = {
        "d1": (await add_vehicle(client, admin, "T-101"))["id"],
        "d2": (await add_vehicle(client, admin, "T-102"))["id"],
    }
    today = datetime.now(ZONE).date()
    first = today - timedelta(days=today.weekday() + 42)  # a Monday six weeks back
    data = Data(
        admin=admin,
        dispatcher=dispatcher,
        customer_a=customer_a,
        customer_b=customer_b,
        driver_user=drivers["d1"],
        accounts=accounts,
        drivers=drivers,
        vehicles=vehicles,
        loads=[
            LoadSpec(
                **{
                    k: getattr(s, k)
                    for k in (
                        "customer",
                        "driver",
                        "origin",
                        "destination",
                        "day",
                        "pickup_late",
                        "delivery_late",
                        "via_stop",
                        "dwell",
                    )
                }
            )
            for s in SPECS
        ],
        invoices=[
            InvoiceSpec(i.customer, list(i.loads), i.issued_day, i.due_offset) for i in INVOICES
        ],
        first=first,
        last=first + timedelta(days=13),
    )
    for spec in data.loads:
        await _run(client, data, spec)
    await _set_times(app, data)
    await _invoice(client, app, data)
    await _road_facts(app, data)
    return data
