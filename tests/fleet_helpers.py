"""Drivers, vehicles and loads in a given state, built through the API."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient
from PIL import Image

from tests.helpers import Session, add_user
from tests.shipments.factory import CITIES, shipment_body


@dataclass
class DriverAt:
    session: Session
    driver: dict[str, Any]

    @property
    def id(self) -> str:
        driver_id: str = self.driver["id"]
        return driver_id

    @property
    def auth(self) -> dict[str, str]:
        return self.session.auth


async def add_vehicle(
    client: AsyncClient, staff: Session, number: str = "T-100", **fields: Any
) -> dict[str, Any]:
    body = {"number": number, "kind": "tractor", "equipment_type": "dry_van", "capacity_kg": 20000}
    body.update(fields)
    resp = await client.post("/api/vehicles", headers=staff.auth, json=body)
    assert resp.status_code == 201, resp.text
    vehicle: dict[str, Any] = resp.json()
    return vehicle


async def add_driver(
    client: AsyncClient, admin: Session, email: str, city: str = "Chicago", **fields: Any
) -> DriverAt:
    """A driver user with an available driver record positioned at ``city``."""
    user = await add_user(client, admin, "driver", email)
    _, lat, lng = CITIES[city]
    body = {
        "user_id": str(user.id),
        "full_name": f"Driver {email.split('@')[0]}",
        "phone": "+1 312 555 0142",
        "license_number": "D400-1234-5678",
        "license_region": "IL",
        "equipment_types": ["dry_van", "reefer"],
        "status": "available",
        "home_lat": lat,
        "home_lng": lng,
        "hos_minutes_remaining": 4200,
    }
    body.update(fields)
    resp = await client.post("/api/drivers", headers=admin.auth, json=body)
    assert resp.status_code == 201, resp.text
    # Sign in again so the access token's holder resolves to the new driver record.
    return DriverAt(user, resp.json())


async def book_load(
    client: AsyncClient, staff: Session, customer_id: str, **overrides: Any
) -> dict[str, Any]:
    resp = await client.post(
        "/api/shipments", headers=staff.auth, json=shipment_body(customer_id, **overrides)
    )
    assert resp.status_code == 201, resp.text
    load: dict[str, Any] = resp.json()
    return load


async def due_now(client: AsyncClient, staff: Session, load: dict[str, Any]) -> dict[str, Any]:
    """The load with its windows open around now (pickup, then delivery), so a driver who
    runs it now is on time: no ``outside_window`` warning."""
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    stops = [
        s
        | {
            "window_start": start.isoformat(),
            "window_end": (start + timedelta(hours=h)).isoformat(),
        }
        for s, h in zip(load["stops"], (4, 10), strict=True)
    ]
    resp = await client.patch(
        f"/api/shipments/{load['id']}",
        headers={**staff.auth, "If-Match": "*"},
        json={"stops": stops},
    )
    assert resp.status_code == 200, resp.text
    moved: dict[str, Any] = resp.json()
    return moved


async def assign(
    client: AsyncClient, staff: Session, load_id: str, driver: DriverAt
) -> dict[str, Any]:
    resp = await client.post(
        f"/api/shipments/{load_id}/assign", headers=staff.auth, json={"driver_id": driver.id}
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def move(
    client: AsyncClient, who: Session | DriverAt, load_id: str, status: str
) -> dict[str, Any]:
    resp = await client.post(
        f"/api/shipments/{load_id}/transitions", headers=who.auth, json={"status": status}
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def tiny_png(width: int = 1, height: int = 1) -> bytes:
    """A real PNG image (white pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg(width: int = 2, height: int = 2, exif: bytes = b"") -> bytes:
    """A real JPEG image (grey pixels), with these raw EXIF bytes if given."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (128, 128, 128)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


TINY_JPEG = jpeg()
