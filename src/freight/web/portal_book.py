"""Booking a shipment from a plain HTML form (``book.js`` adds the live quote).

The form's fields are named after the API's (``stops-0-city`` for ``stops[0].city``),
so the API's own schema checks them and its errors land next to the right field.
A city from the list of known places fills in its coordinates when none were given.
The weight is typed in the organisation's unit (``weight``, lb or kg) and each window as
a wall-clock time at its stop; both are converted to the API's kg and UTC here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
from freight.demo import HUBS
from freight.deps import Context, SessionDep
from freight.errors import DomainError
from freight.identity import accounts as shipper_accounts
from freight.identity.organization import Presentation
from freight.routing.router import prefetch_route
from freight.schema import EquipmentType
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
# city name (lower case) -> (region, lat, lng); known places need no coordinates typed in
PLACES = {city.lower(): (region, lat, lng, zone_at(lat, lng)) for city, region, lat, lng in HUBS}


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


def stop_zone(stop: dict[str, str]) -> str | None:
    """The IANA zone of a stop on the form: its coordinates', else its known city's."""
    try:
        return zone_at(float(stop["lat"]), float(stop["lng"]))
    except ValueError:
        known = PLACES.get(stop["city"].strip().lower())
        return known[3] if known else None


def stop_body(stop: dict[str, str], fallback_zone: str) -> dict[str, Any]:
    """One stop as the API takes it; blanks are left out so the schema names them.

    Windows are wall-clock times at the stop (in ``fallback_zone`` when it cannot be placed).
    """
    body: dict[str, Any] = {k: v for k, v in stop.items() if v}
    known = PLACES.get(stop["city"].strip().lower())
    if known and not (stop["lat"] or stop["lng"]):
        body["lat"], body["lng"] = known[1], known[2]
        body.setdefault("region", known[0])
    tz = stop_zone(stop) or fallback_zone
    for key in ("window_start", "window_end"):
        if key in body:
            body[key] = fmt.from_local_input(body[key], tz) or body[key]
    if "country" in body:
        body["country"] = body["country"].upper()
    return body


def _weight_kg(raw: str, shown: Presentation) -> float | str:
    """The weight typed in the organisation's unit, in kg; else as typed, for the schema."""
    amount = fmt.parse_number(raw, shown.locale)
    return raw if amount is None else round(fmt.to_kg(amount, shown.units), 3)


def shipment_body(
    values: dict[str, str], stops: list[dict[str, str]], shown: Presentation
) -> dict[str, Any]:
    """The booking as the API takes it; raises ValueError for a bad declared value."""
    body: dict[str, Any] = {
        k: values[k]
        for k in ("customer_id", "equipment_type", "pieces", "commodity", "notes")
        if values.get(k)
    }
    if values.get("weight"):
        body["weight_kg"] = _weight_kg(values["weight"], shown)
    body["hazmat"] = bool(values.get("hazmat"))
    body["stops"] = [
        stop_body(s, shown.timezone) for s in stops if any(v for k, v in s.items() if k != "kind")
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
        if name.endswith(("-lat", "-lng")) and problem.get("type") == "missing":
            message = "Pick a city from the list, or enter its latitude and longitude."
        elif name == "weight" and problem.get("type") != "value_error":
            message = wording.weight_range(MAX_WEIGHT_KG, shown)
        else:
            message = wording.plain(problem)
        found[name] = message
    return found


async def _render(
    request: Request,
    actor: Actor,
    session: SessionDep,
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
        places=sorted(PLACES.items()),
        max_stops=MAX_STOPS,
        stop_zones=[stop_zone(s) for s in stops],
        weight_unit=fmt.weight_unit(presentation_of(request).units),
        fresh=fresh,  # a new, untouched form: the script may bring back a saved draft
        warnings=warnings,
    )


@router.get("/app/shipments/new")
async def booking_form(request: Request, actor: Booker, session: SessionDep) -> Response:
    """The booking form."""
    values, stops = blank_form()
    return await _render(request, actor, session, values, stops, fresh=True)


@router.post("/app/shipments/new")
async def book(
    request: Request, form: CsrfForm, actor: Booker, session: SessionDep, ctx: Context
) -> Response:
    """Book: on success to the new shipment's page, else the form again with its errors."""
    values, stops = read_form(form)
    if restopped(form, stops):
        return await _render(request, actor, session, values, stops)

    override = override_of(form, presentation_of(request))

    async def place() -> Shipment:
        body = ShipmentCreate.model_validate(checked_body(values, stops, presentation_of(request)))
        if actor.role == Role.CUSTOMER:
            body.customer_id = None
        await prefetch_route(session, ctx.router, body.stops)  # before any lock is taken
        return await booking.book(session, actor, body, ctx.router, override.heed)

    async def again(failure: Failure) -> Response:
        block = warning_block(failure.error, override)
        no_account = actor.is_staff and not values["customer_id"]
        errors = {} if block else booking_errors(failure, no_account, presentation_of(request))
        return await _render(
            request, actor, session, values, stops, errors, failure.status, warnings=block
        )

    return await submit(
        ctx,
        session,
        place,
        done=lambda shipment: f"/app/shipments/{shipment.id}?done=booked",
        failed=again,
    )


def checked_body(
    values: dict[str, str], stops: list[dict[str, str]], shown: Presentation
) -> dict[str, Any]:
    """``shipment_body``, with a bad declared value said next to its field."""
    try:
        return shipment_body(values, stops, shown)
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
