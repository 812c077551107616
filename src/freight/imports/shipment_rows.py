"""Shipments as CSV rows: one pickup and one delivery stop per row, booked as the API
books them (``billing.booking.book``: the shipments create service, priced from the rate
card, routed, placed by address), the rate card read once per batch.

A row names its shipper account in ``customer``: the account's ``external_ref``, or its
id. An export writes a load of more than two stops with its first and last stop.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor
from freight.billing import booking
from freight.db import TenantMixin
from freight.errors import invalid
from freight.imports import lookups
from freight.imports.kinds import PAGE, Kind, Tools, cell, located
from freight.imports.reading import Columns
from freight.shipments import queries, road
from freight.shipments import service as shipments
from freight.shipments.models import Shipment
from freight.shipments.schemas import ShipmentCreate

STOP_KINDS = ("pickup", "delivery")
STOP_FIELDS = (
    "name",
    "address",
    "city",
    "region",
    "postal_code",
    "country",
    "lat",
    "lng",
    "window_start",
    "window_end",
)
LOAD_FIELDS = (
    "equipment_type",
    "weight_kg",
    "pieces",
    "commodity",
    "hazmat",
    "declared_value_cents",
    "price_cents",
    "currency",
    "notes",
)
STOP_COLUMNS = tuple(f"{kind}_{f}" for kind in STOP_KINDS for f in STOP_FIELDS)
REQUIRED_STOP = ("city", "window_start", "window_end")


class Shipments(Kind):
    name, noun, model, schema = "shipments", "shipment", Shipment, ShipmentCreate
    keys = ("id", "reference", "external_ref")
    columns = Columns(
        "shipments",
        known=("id", "reference", "external_ref", "customer", *LOAD_FIELDS, *STOP_COLUMNS),
        required=frozenset(
            {"customer", "equipment_type", "weight_kg"}
            | {f"{kind}_{f}" for kind in STOP_KINDS for f in REQUIRED_STOP}
        ),
        ignored=frozenset({"status"}),  # exported to inform; an import books PENDING loads
    )

    def body(self, cells: dict[str, str]) -> dict[str, Any]:
        found: dict[str, Any] = {f: cells[f] for f in LOAD_FIELDS if f in cells}
        found["stops"] = [
            {"kind": kind}
            | {f: cells[f"{kind}_{f}"] for f in STOP_FIELDS if f"{kind}_{f}" in cells}
            for kind in STOP_KINDS
        ]
        return found

    def column_of(self, error: Mapping[str, Any]) -> str:
        parts = located(error)
        if parts[:1] == ["customer_id"]:
            return "customer"
        if parts[:1] != ["stops"]:
            return super().column_of(error)
        if len(parts) < 2 or not isinstance(parts[1], int) or parts[1] >= len(STOP_KINDS):
            return ""  # about the stops together
        field = str(parts[2]) if len(parts) > 2 else (error.get("ctx") or {}).get("missing")
        return f"{STOP_KINDS[parts[1]]}_{field}" if field in STOP_FIELDS else ""

    async def prepare(
        self, session: AsyncSession, bodies: Sequence[BaseModel], tools: Tools
    ) -> None:
        for body in bodies:
            assert isinstance(body, ShipmentCreate)
            await road.prefetch(session, tools.router, body.stops, tools.geocoder)

    async def create(
        self, session: AsyncSession, actor: Actor, body: Any, cells: dict[str, str], tools: Tools
    ) -> TenantMixin:
        named = cells.get("customer")
        if named:
            body = body.model_copy(
                update={"customer_id": await _account(session, actor, named, tools)}
            )
        if tools.pricing is None:
            tools.pricing = booking.RateCardPricing()
        return await shipments.create(
            session, actor, body, tools.router, tools.pricing, None, tools.geocoder
        )

    async def export_page(
        self, session: AsyncSession, actor: Actor, cursor: str | None
    ) -> tuple[list[list[Any]], str | None]:
        rows, after = await queries.list_page(
            session, actor, queries.ShipmentFilters(), PAGE, cursor
        )
        accounts = await lookups.customer_keys(session, actor, (s.customer_id for s in rows))
        return [_cells(s, accounts) for s in rows], after


async def _account(session: AsyncSession, actor: Actor, named: str, tools: Tools) -> uuid.UUID:
    """The account a row names: an id as it is (the service checks it), else a reference."""
    try:
        return uuid.UUID(named)
    except ValueError:
        pass
    key = ("customer", named)
    if key not in tools.memo:
        tools.memo[key] = await lookups.customer_id(session, actor, named)
    found = tools.memo[key]
    if found is None:
        raise invalid("body", "customer", msg="no such shipper account")
    return found


def _cells(shipment: Shipment, accounts: Mapping[uuid.UUID, str]) -> list[Any]:
    """One shipment as exported: its keys, the load, its first and last stop, its status."""
    ends = (shipment.stops[0], shipment.stops[-1])
    return [
        cell(shipment.id),
        cell(shipment.reference),
        cell(shipment.external_ref),
        cell(accounts.get(shipment.customer_id, str(shipment.customer_id))),
        *(cell(getattr(shipment, f)) for f in LOAD_FIELDS),
        *(cell(getattr(stop, f)) for stop in ends for f in STOP_FIELDS),
        cell(shipment.status),
    ]
