"""Booking a shipment from a plain HTML form (``book.js`` adds the live quote).

The form's fields are named after the API's (``stops-0-city`` for ``stops[0].city``),
so the API's own schema checks them and its errors land next to the right field.
Stops are booked by address: the server places each from its postal code or city
(``freight.places``), and the script suggests places from ``/api/places`` as the city is
typed (a pick fills in its region and coordinates).
The weight is typed in the organisation's unit (``weight``, lb or kg) and each window as
a wall-clock time at its stop; both are converted to the API's kg and UTC here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Annotated, Any, get_args

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from freight import formatting as fmt
from freight.access import Actor, Role
from freight.billing import booking
from freight.deps import Context, SessionDep
from freight.errors import DomainError, ValidationFailed
from freight.identity import accounts as shipper_accounts
from freight.identity.organization import Presentation
from freight.places.geocoder import Geocoder
from freight.places.placing import place_stops
from freight.schema import EquipmentType
from freight.shipments import road
from freight.shipments.schemas import ShipmentCreate
from freight.timezones import zone_at
from freight.web import wording
from freight.web.auth import CsrfForm, text, web_role
from freight.web.forms import Failure, Invalid, submit
from freight.web.overrides import WarningBlock, override_of, warning_block
from freight.web.templating import presentation_of, renderer

if TYPE_CHECKING:
    from freight.identity.models import Customer
    from freight.shipments.models import Shipment

router = APIRouter(include_in_schema=False)

Booker = Annotated[Actor, Depends(web_role(Role.CUSTOMER, Role.DISPATCHER, Role.ADMIN))]
EQUIPMENT = list(get_args(EquipmentType))
STOP_FIELDS = (
    "kind",
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
MAX_STOPS = 10
MAX_WEIGHT_KG = 100_000  # the schema's limit, said in the organisation's unit


def _stamp(day: datetime, hour: int) -> str:
    return datetime.combine(day.date(), time(hour)).strftime("%Y-%m-%dT%H:%M")


def blank_stop(kind: str, day: datetime) -> dict[str, str]:
    """A new stop's form values: the kind, the US, and a daytime window on ``day``."""
    stop = dict.fromkeys(STOP_FIELDS, "")
    stop.update(kind=kind, country="US", window_start=_stamp(day, 8), window_end=_stamp(day, 16))
    return stop


def blank_form() -> tuple[dict[str, str], list[dict[str, str]]]:
    """The empty booking form: a pickup tomorrow and a delivery the day after."""
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    values = {"equipment_type": "dry_van", "customer_id": "", "hazmat": ""}
    return values, [blank_stop("pickup", tomorrow), blank_stop("delivery", tomorrow + timedelta(1))]


def read_form(form: FormData) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The posted values as typed (to show them again) and the stops in order."""
    names = ("customer_id", "equipment_type", "weight", "pieces", "commodity")
    values = {name: text(form, name) for name in (*names, "declared_value", "notes")}
    values["hazmat"] = "on" if text(form, "hazmat") else ""
    try:
        count = min(max(int(text(form, "stop_count")), 2), MAX_STOPS)
    except ValueError:
        count = 2
    stops = [{f: text(form, f"stops-{i}-{f}") for f in STOP_FIELDS} for i in range(count)]
    return values, stops


def restopped(form: FormData, stops: list[dict[str, str]]) -> bool:
    """Add a stop before the last, or remove one (keeping two), when the form's buttons
    asked for it (without the script: with it the page does this itself)."""
    if text(form, "add_stop") and len(stops) < MAX_STOPS:
        stops.insert(len(stops) - 1, blank_stop("delivery", datetime.now(UTC) + timedelta(1)))
        return True
    which = text(form, "remove_stop")
    if which.isdigit() and int(which) < len(stops) and len(stops) > 2:
        del stops[int(which)]
        return True
    return False


@dataclass
class _Address:
    """A form stop's address, for placing it before its windows are read."""

    city: str
    region: str | None
    postal_code: str | None
    country: str
    lat: float | None = None
    lng: float | None = None


async def stop_zone(stop: dict[str, str], geocoder: Geocoder) -> str | None:
    """The IANA zone of a stop on the form: at its coordinates, else where its address
    places it (None when it cannot be placed: the booking then says why)."""
    try:
        return zone_at(float(stop["lat"]), float(stop["lng"]))
    except ValueError:
        pass
    if not stop["city"].strip():
        return None
    address = _Address(
        stop["city"], stop["region"] or None, stop["postal_code"] or None, stop["country"] or "US"
    )
    try:
        await place_stops([address], geocoder)
    except ValidationFailed:
        return None
    assert address.lat is not None and address.lng is not None
    return zone_at(address.lat, address.lng)


def stop_body(stop: dict[str, str], zone: str) -> dict[str, Any]:
    """One stop as the API takes it; blanks are left out so the schema names them, and the
    windows, typed as wall-clock times at the stop, become UTC in ``zone``."""
    body: dict[str, Any] = {k: v for k, v in stop.items() if v}
    for key in ("window_start", "window_end"):
        if key in body:
            body[key] = fmt.from_local_input(body[key], zone) or body[key]
    if "country" in body:
        body["country"] = body["country"].upper()
    return body


def _weight_kg(raw: str, shown: Presentation) -> float | str:
    """The weight typed in the organisation's unit, in kg; else as typed, for the schema."""
    amount = fmt.parse_number(raw, shown.locale)
    return raw if amount is None else round(fmt.to_kg(amount, shown.units), 3)


def shipment_body(
    values: dict[str, str],
    stops: list[dict[str, str]],
    shown: Presentation,
    zones: Sequence[str | None],
) -> dict[str, Any]:
    """The booking as the API takes it, each stop's windows read in its zone (``zones``,
    the organisation's when it cannot be placed); raises ValueError for a bad declared
    value."""
    body: dict[str, Any] = {
        k: values[k]
        for k in ("customer_id", "equipment_type", "pieces", "commodity", "notes")
        if values.get(k)
    }
    if values.get("weight"):
        body["weight_kg"] = _weight_kg(values["weight"], shown)
    body["hazmat"] = bool(values.get("hazmat"))
    body["stops"] = [
        stop_body(s, zone or shown.timezone)
        for s, zone in zip(stops, zones, strict=True)
        if any(v for k, v in s.items() if k != "kind")
    ]
    if values.get("declared_value"):
        try:
            cents = Decimal(values["declared_value"].replace(",", "")) * 100
        except InvalidOperation:
            raise ValueError("declared_value") from None
        if cents != cents.to_integral_value() or cents < 0:
            raise ValueError("declared_value")
        body["declared_value_cents"] = int(cents)
    return body


def field_name(loc: Iterable[str | int]) -> str:
    """An error location as the form field it belongs to (``stops-0-city``)."""
    parts = [str(p) for p in loc if p != "body"]
    if parts and parts[0] == "declared_value_cents":
        return "declared_value"
    if parts and parts[0] == "weight_kg":
        return "weight"
    return "-".join(parts) or "form"


def errors_of(problems: Iterable[Mapping[str, Any]], shown: Presentation) -> dict[str, str]:
    """Field name -> the first message about it, in plain words (weights in ``shown`` units)."""
    found: dict[str, str] = {}
    for problem in problems:
        name = field_name(problem.get("loc", ()))
        if name in found:
            continue
        if problem.get("type") == "unplaceable":
            message = unplaceable(problem)
        elif name == "weight" and problem.get("type") != "value_error":
            message = wording.weight_range(MAX_WEIGHT_KG, shown)
        else:
            message = wording.plain(problem)
        found[name] = message
    return found


def unplaceable(problem: Mapping[str, Any]) -> str:
    """``We could not find "Sprngfeld" in US. Did you mean Springfield, IL?``"""
    suggestions = (problem.get("ctx") or {}).get("suggestions") or []
    said = "We could not find this city."
    if suggestions:
        said += f" Did you mean {' or '.join(suggestions)}?"
    else:
        said += " Check its spelling, or add the postal code."
    return said


async def zones_of(stops: list[dict[str, str]], geocoder: Geocoder) -> list[str | None]:
    """Each form stop's zone (see ``stop_zone``)."""
    return [await stop_zone(s, geocoder) for s in stops]


async def _render(
    request: Request,
    actor: Actor,
    session: SessionDep,
    zones: list[str | None],
    values: dict[str, str],
    stops: list[dict[str, str]],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    fresh: bool = False,
    warnings: WarningBlock | None = None,
) -> Response:
    accounts: Sequence[Customer] = []
    if actor.is_staff:
        accounts, _ = await shipper_accounts.list_page(session, actor, 200, None)
    return renderer(request)(
        request,
        "shipment_book.html",
        actor=actor,
        status_code=status_code,
        values=values,
        stops=stops,
        errors=errors or {},
        equipment=EQUIPMENT,
        accounts=accounts,
        max_stops=MAX_STOPS,
        stop_zones=zones,
        weight_unit=fmt.weight_unit(presentation_of(request).units),
        fresh=fresh,  # a new, untouched form: the script may bring back a saved draft
        warnings=warnings,
    )


@router.get("/app/shipments/new")
async def booking_form(
    request: Request, actor: Booker, session: SessionDep, ctx: Context
) -> Response:
    """The booking form."""
    values, stops = blank_form()
    zones = await zones_of(stops, ctx.geocoder)
    return await _render(request, actor, session, zones, values, stops, fresh=True)


@router.post("/app/shipments/new")
async def book(
    request: Request, form: CsrfForm, actor: Booker, session: SessionDep, ctx: Context
) -> Response:
    """Book: on success to the new shipment's page, else the form again with its errors."""
    values, stops = read_form(form)
    restop = restopped(form, stops)
    zones = await zones_of(stops, ctx.geocoder)
    if restop:
        return await _render(request, actor, session, zones, values, stops)

    override = override_of(form, presentation_of(request))

    async def place() -> Shipment:
        shown = presentation_of(request)
        body = ShipmentCreate.model_validate(checked_body(values, stops, shown, zones))
        if actor.role == Role.CUSTOMER:
            body.customer_id = None
        await road.prefetch(session, ctx.router, body.stops, ctx.geocoder)  # before any lock
        return await booking.book(session, actor, body, ctx.router, override.heed, ctx.geocoder)

    async def again(failure: Failure) -> Response:
        block = warning_block(failure.error, override)
        no_account = actor.is_staff and not values["customer_id"]
        errors = {} if block else booking_errors(failure, no_account, presentation_of(request))
        return await _render(
            request, actor, session, zones, values, stops, errors, failure.status, warnings=block
        )

    return await submit(
        ctx,
        session,
        place,
        done=lambda shipment: f"/app/shipments/{shipment.id}?done=booked",
        failed=again,
    )


def checked_body(
    values: dict[str, str],
    stops: list[dict[str, str]],
    shown: Presentation,
    zones: Sequence[str | None],
) -> dict[str, Any]:
    """``shipment_body``, with a bad declared value said next to its field."""
    try:
        return shipment_body(values, stops, shown, zones)
    except ValueError:
        raise Invalid({"declared_value": "Enter an amount such as 4500.00."}) from None


def booking_errors(failure: Failure, no_account: bool, shown: Presentation) -> dict[str, str]:
    """The booking form's messages by field (``stops-0-city``) for a refused booking.

    Staff who chose no account hear so with the form's other mistakes, not after them.
    """
    error = failure.error
    if isinstance(error, DomainError):
        if not error.errors:
            return {"form": wording.sentence(error.detail or "Not valid")}
        return errors_of(error.errors, shown)
    if isinstance(error, ValidationError):
        errors = errors_of(error.errors(), shown)
    else:
        errors = dict(failure.errors)
    if no_account:
        errors.setdefault("customer_id", "Choose the customer's account.")
    return errors
