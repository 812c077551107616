"""What can be imported: each kind's columns, and how one of its rows becomes the body the
API's own create service takes (so an import obeys exactly the API's rules).

A kind names the columns that identify a row already there (``keys``): ``id`` (as
exported), ``external_ref`` (the client's own reference), a vehicle's ``number``, a
shipment's ``reference``. A row whose key is found is skipped, never changed.
"""

from __future__ import annotations

import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor
from freight.billing.booking import RateCardPricing
from freight.db import TenantMixin
from freight.errors import invalid
from freight.fleet import service as fleet
from freight.fleet.models import Driver, Vehicle
from freight.fleet.schemas import DriverCreate, VehicleCreate
from freight.identity import accounts
from freight.identity.models import Customer
from freight.identity.schemas import CustomerCreate
from freight.imports import lookups
from freight.imports.reading import Columns, escaped
from freight.places.geocoder import Geocoder, Place, PlaceQuery
from freight.routing.router import Router

PAGE = 200  # rows an export reads at a time
LIST_SEPARATORS = re.compile(r"[;,\s]+")


@dataclass
class Tools:
    """What the create services need besides the session, and one import's look-ups."""

    router: Router
    geocoder: Geocoder | None
    memo: dict[tuple[str, str], uuid.UUID | None] = field(default_factory=dict)
    pricing: RateCardPricing | None = None  # one batch's rate card

    @classmethod
    def of(cls, router: Router, geocoder: Geocoder) -> Tools:
        """The tools of one import: the app's router, and its geocoder asked once per place."""
        return cls(router, RememberingGeocoder(geocoder))


def listed(cell: str | None) -> list[str]:
    """A list cell: values split by semicolons, commas or spaces."""
    return [v for v in LIST_SEPARATORS.split(cell or "") if v]


def located(error: Mapping[str, Any]) -> list[Any]:
    """An error's ``loc`` without the leading ``body`` a service's errors carry."""
    loc = list(error.get("loc") or ())
    return loc[1:] if loc[:1] == ["body"] else loc


def cell(value: Any) -> Any:
    """A value as an export writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return escaped(value) if isinstance(value, str) else value


class Kind(ABC):
    """One importable kind; subclasses fill in the parts that differ."""

    name: ClassVar[str]
    noun: ClassVar[str]  # "driver", in "no such driver"
    model: ClassVar[type[TenantMixin]]
    schema: ClassVar[type[BaseModel]]
    columns: ClassVar[Columns]
    keys: ClassVar[tuple[str, ...]] = ("id", "external_ref")
    # Where an error that names no field belongs (a taken vehicle number).
    whole_row: ClassVar[str] = ""

    @property
    def exported(self) -> tuple[str, ...]:
        """The columns an export writes: the imported ones, then those it only informs of."""
        return (*self.columns.known, *sorted(self.columns.ignored))

    def body(self, cells: dict[str, str]) -> dict[str, Any]:
        """The create body for these cells (values stay text: the schema parses them)."""
        return {c: v for c, v in cells.items() if c in self.schema.model_fields}

    def column_of(self, error: Mapping[str, Any]) -> str:
        """The CSV column an error (the schema's, or a service's ``{loc, msg}``) is about."""
        parts = located(error)
        name = str(parts[0]) if parts else ""
        return name if name in self.columns.known else self.whole_row

    async def prepare(
        self, session: AsyncSession, bodies: Sequence[BaseModel], tools: Tools
    ) -> None:
        """Work to do before a batch takes the write lock (asking remote servers)."""
        return None  # most kinds have none

    @abstractmethod
    async def create(
        self, session: AsyncSession, actor: Actor, body: Any, cells: dict[str, str], tools: Tools
    ) -> TenantMixin:
        """Create the row with the API's service (never commits)."""

    @abstractmethod
    async def export_page(
        self, session: AsyncSession, actor: Actor, cursor: str | None
    ) -> tuple[list[list[Any]], str | None]:
        """One page of the export: rows of cells in ``exported`` order, and the next cursor."""


async def _remembered(tools: Tools, what: str, key: str, find: Any) -> uuid.UUID | None:
    if (what, key) not in tools.memo:
        tools.memo[what, key] = await find()
    return tools.memo[what, key]


class Customers(Kind):
    name, noun, model, schema = "customers", "shipper account", Customer, CustomerCreate
    columns = Columns(
        "customers",
        known=(
            "id",
            "external_ref",
            "name",
            "billing_email",
            "phone",
            "billing_address",
            "payment_terms_days",
            "credit_limit_cents",
            "notification_emails",
        ),
        required=frozenset({"name", "billing_email"}),
    )

    def body(self, cells: dict[str, str]) -> dict[str, Any]:
        found = super().body(cells)
        if "notification_emails" in found:
            found["notification_emails"] = listed(found["notification_emails"])
        return found

    async def create(
        self, session: AsyncSession, actor: Actor, body: Any, cells: dict[str, str], tools: Tools
    ) -> TenantMixin:
        return await accounts.create(session, actor, body)

    async def export_page(
        self, session: AsyncSession, actor: Actor, cursor: str | None
    ) -> tuple[list[list[Any]], str | None]:
        rows, after = await accounts.list_page(session, actor, PAGE, cursor)
        return [[cell(getattr(c, f)) for f in self.columns.known] for c in rows], after


class Vehicles(Kind):
    name, noun, model, schema = "vehicles", "vehicle", Vehicle, VehicleCreate
    keys = ("id", "number")
    whole_row = "number"  # the one unique field: "a vehicle with this number already exists"
    columns = Columns(
        "vehicles",
        known=("id", "number", "kind", "equipment_type", "capacity_kg", "vin", "status"),
        required=frozenset({"number", "kind", "equipment_type", "capacity_kg"}),
    )

    async def create(
        self, session: AsyncSession, actor: Actor, body: Any, cells: dict[str, str], tools: Tools
    ) -> TenantMixin:
        return await fleet.create_vehicle(session, actor, body)

    async def export_page(
        self, session: AsyncSession, actor: Actor, cursor: str | None
    ) -> tuple[list[list[Any]], str | None]:
        rows, after = await fleet.list_vehicles(session, actor, PAGE, cursor)
        return [[cell(getattr(v, f)) for f in self.columns.known] for v in rows], after


class Drivers(Kind):
    name, noun, model, schema = "drivers", "driver", Driver, DriverCreate
    columns = Columns(
        "drivers",
        known=(
            "id",
            "external_ref",
            "full_name",
            "phone",
            "license_number",
            "license_region",
            "equipment_types",
            "status",
            "home_lat",
            "home_lng",
            "hos_minutes_remaining",
            "vehicle_number",
        ),
        required=frozenset({"full_name"}),
    )

    def body(self, cells: dict[str, str]) -> dict[str, Any]:
        found = super().body(cells)
        if "equipment_types" in found:
            found["equipment_types"] = listed(found["equipment_types"])
        return found

    def column_of(self, error: Mapping[str, Any]) -> str:
        return (
            "vehicle_number" if located(error)[:1] == ["vehicle_id"] else super().column_of(error)
        )

    async def create(
        self, session: AsyncSession, actor: Actor, body: Any, cells: dict[str, str], tools: Tools
    ) -> TenantMixin:
        number = cells.get("vehicle_number")
        if number:
            found = await _remembered(
                tools, "vehicle", number, lambda: lookups.vehicle_id(session, actor, number)
            )
            if found is None:
                raise invalid("body", "vehicle_number", msg="no such vehicle")
            body = body.model_copy(update={"vehicle_id": found})
        return await fleet.create_driver(session, actor, body)

    async def export_page(
        self, session: AsyncSession, actor: Actor, cursor: str | None
    ) -> tuple[list[list[Any]], str | None]:
        rows, after = await fleet.list_drivers(session, actor, None, PAGE, cursor)
        numbers = await lookups.vehicle_numbers(session, actor, (d.vehicle_id for d in rows))
        fields = self.columns.known[:-1]  # all but vehicle_number
        return [
            [cell(getattr(d, f)) for f in fields] + [cell(numbers.get(d.vehicle_id))]  # type: ignore[arg-type]
            for d in rows
        ], after


class RememberingGeocoder:
    """One import's geocoder: the app's, asked once per distinct query (a file names the
    same few cities thousands of times). The answers, and so the stops' ``geocode``, are
    the app geocoder's own."""

    def __init__(self, geocoder: Geocoder) -> None:
        self._geocoder = geocoder
        self._answers: dict[PlaceQuery, list[Place]] = {}
        self.name = geocoder.name
        self.remote = geocoder.remote

    async def search(self, query: PlaceQuery) -> list[Place]:
        """The app geocoder's answer, from this import's memory after the first time."""
        if query not in self._answers:
            self._answers[query] = await self._geocoder.search(query)
        return self._answers[query]

    def knows_country(self, code: str) -> bool:
        """As the app geocoder."""
        return self._geocoder.knows_country(code)

    async def aclose(self) -> None:
        """Nothing to close: the app's geocoder is the app's to close."""
