"""CSV files to import, as a spreadsheet would save them."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from httpx import AsyncClient, Response

from tests.helpers import Session

SHIPMENT_HEADER = [
    "external_ref",
    "customer",
    "equipment_type",
    "weight_kg",
    "pickup_city",
    "pickup_region",
    "pickup_window_start",
    "pickup_window_end",
    "delivery_city",
    "delivery_region",
    "delivery_lat",
    "delivery_lng",
    "delivery_window_start",
    "delivery_window_end",
]


def csv_text(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def shipment_row(ref: str, customer: str, day: int = 8, **changes: Any) -> list[Any]:
    """A dry-van load Chicago -> Dallas in December 2027 (Dallas by coordinates)."""
    values: dict[str, Any] = {
        "external_ref": ref,
        "customer": customer,
        "equipment_type": "dry_van",
        "weight_kg": 12000,
        "pickup_city": "Chicago",
        "pickup_region": "IL",
        "pickup_window_start": f"2027-12-{day:02d}T08:00:00-06:00",
        "pickup_window_end": f"2027-12-{day:02d}T12:00:00-06:00",
        "delivery_city": "Dallas",
        "delivery_region": "TX",
        "delivery_lat": 32.7767,
        "delivery_lng": -96.797,
        "delivery_window_start": f"2027-12-{day + 1:02d}T08:00:00-06:00",
        "delivery_window_end": f"2027-12-{day + 1:02d}T17:00:00-06:00",
    }
    values.update(changes)
    return [values[c] for c in SHIPMENT_HEADER]


def shipments_csv(customer: str, count: int, prefix: str = "LOAD") -> str:
    return csv_text(
        SHIPMENT_HEADER, [shipment_row(f"{prefix}-{i}", customer) for i in range(count)]
    )


CUSTOMER_HEADER = [
    "external_ref",
    "name",
    "billing_email",
    "payment_terms_days",
    "notification_emails",
]


def customers_csv(count: int, prefix: str = "ACCT") -> str:
    rows = [
        [f"{prefix}-{i}", f"Shipper {i}", f"ap{i}@shipper.example", 30, "ops@shipper.example"]
        for i in range(count)
    ]
    return csv_text(CUSTOMER_HEADER, rows)


VEHICLE_HEADER = ["number", "kind", "equipment_type", "capacity_kg", "status"]


def vehicles_csv(count: int, prefix: str = "T") -> str:
    rows = [[f"{prefix}-{i}", "tractor", "reefer", 20000, "active"] for i in range(count)]
    return csv_text(VEHICLE_HEADER, rows)


DRIVER_HEADER = [
    "external_ref",
    "full_name",
    "phone",
    "equipment_types",
    "status",
    "vehicle_number",
]


def drivers_csv(count: int, vehicle: str = "", prefix: str = "DRV") -> str:
    rows = [
        [f"{prefix}-{i}", f"Driver {i}", "+1 312 555 0100", "dry_van;reefer", "available", vehicle]
        for i in range(count)
    ]
    return csv_text(DRIVER_HEADER, rows)


async def send(
    client: AsyncClient,
    who: Session | None,
    kind: str,
    content: str | bytes,
    *,
    dry_run: bool = False,
    filename: str = "import.csv",
    content_type: str = "text/csv",
) -> Response:
    """POST the file to the import endpoint, as a browser's form would."""
    data = content.encode() if isinstance(content, str) else content
    return await client.post(
        f"/api/imports/{kind}",
        params={"dry_run": str(dry_run).lower()},
        headers=who.auth if who else {},
        files={"file": (filename, data, content_type)},
    )
