"""Jinja2 rendering for the web app: one ``render`` that every page goes through.

``render`` adds what the layout needs (the signed-in user, the CSRF token, the map
settings, the navigation for the user's role) and sets the CSRF cookie when the
token is new.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from freight import formatting as fmt
from freight.access import Actor, Role
from freight.billing.statuses import VOIDABLE_INVOICE, InvoiceStatus
from freight.fleet.statuses import DriverStatus
from freight.identity.organization import Presentation
from freight.places.nearby import in_words
from freight.routing.router import LABELS
from freight.security.web_sessions import csrf_token_for
from freight.settings import Settings
from freight.shipments.lifecycle import ACTIVE, LOADED, Status
from freight.timezones import zone
from freight.web.wording import label_of

TEMPLATES_DIR = Path(__file__).with_name("templates")
# Signed out (the sign-in form, public tracking): US conventions, times in Chicago's zone.
DEFAULT_PRESENTATION = Presentation()

# The navigation each role sees: (label, path).
NAVIGATION: dict[Role, list[tuple[str, str]]] = {
    Role.CUSTOMER: [
        ("Shipments", "/app/shipments"),
        ("Book", "/app/shipments/new"),
        ("Invoices", "/app/invoices"),
        ("Service report", "/app/reports/service"),
    ],
    Role.DISPATCHER: [
        ("Board", "/app/dispatch"),
        ("Shipments", "/app/shipments"),
        ("Drivers", "/app/drivers"),
        ("Vehicles", "/app/vehicles"),
        ("Accounts", "/app/accounts"),
        ("Import", "/app/imports"),
        ("Invoices", "/app/invoices"),
        ("Reports", "/app/reports"),
    ],
    Role.DRIVER: [("My loads", "/app/driver")],
    Role.ADMIN: [
        ("Board", "/app/dispatch"),
        ("Shipments", "/app/shipments"),
        ("Drivers", "/app/drivers"),
        ("Vehicles", "/app/vehicles"),
        ("Accounts", "/app/accounts"),
        ("Import", "/app/imports"),
        ("Invoices", "/app/invoices"),
        ("Reports", "/app/reports"),
        ("Admin", "/app/admin"),
    ],
}

HOME: dict[Role, str] = {
    Role.CUSTOMER: "/app/shipments",
    Role.DISPATCHER: "/app/dispatch",
    Role.DRIVER: "/app/driver",
    Role.ADMIN: "/app/dispatch",
}


def _presentation(context: Context) -> Presentation:
    found = context.get("presentation")
    return found if isinstance(found, Presentation) else DEFAULT_PRESENTATION


@pass_context
def _money(context: Context, cents: int | None, currency: str = "USD") -> str:
    """``123456, "USD"`` as ``$1,234.56`` in the organisation's locale."""
    return fmt.money(cents, currency, _presentation(context).locale)


@pass_context
def _when(context: Context, value: datetime | str | None, tz: str | None = None) -> str:
    """A moment in zone ``tz`` (a stop's), else the organisation's: ``Dec 3, 2:30 PM CST``."""
    shown = _presentation(context)
    return fmt.when(value, tz or shown.timezone, shown.locale)


@pass_context
def _day(context: Context, value: datetime | str | None) -> str:
    """A date in the organisation's zone: ``Dec 3, 2026``."""
    shown = _presentation(context)
    return fmt.day(value, shown.timezone, shown.locale)


@pass_context
def _weight(context: Context, kg: float | None) -> str:
    """Kilograms in the organisation's unit: ``8,000 lb`` or ``3,629 kg``."""
    shown = _presentation(context)
    return fmt.weight(kg, shown.units, shown.locale)


@pass_context
def _distance(context: Context, km: float | None) -> str:
    """Kilometres in the organisation's unit: ``1,240 mi`` or ``1,996 km``."""
    shown = _presentation(context)
    return fmt.distance(km, shown.units, shown.locale)


def _distance_source(value: Any) -> str:
    """Where a distance came from, for people: ``road estimate`` or ``OSRM``."""
    return LABELS.get(str(value), LABELS["estimate"])


def _zone_abbreviation(value: datetime | str | None, tz: str | None) -> str:
    """The abbreviation of ``tz`` at that moment (``CST`` or ``CDT``)."""
    here = zone(tz)
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        moment = None
    if moment is None:
        moment = datetime.now(UTC)
    # A form's wall-clock value (no offset) is a time in that zone, not in UTC.
    local = moment.replace(tzinfo=here) if moment.tzinfo is None else moment.astimezone(here)
    return local.tzname() or ""


def _label(value: str | None) -> str:
    """``IN_TRANSIT`` or ``dry_van`` as ``In transit`` / ``Dry van``."""
    if not value:
        return ""
    text = str(value).replace("_", " ").lower()
    return text[:1].upper() + text[1:]


@pass_context
def _near(context: Context, near: Any, seen_at: Any = None) -> str:
    """A position in words (``nearby.in_words``): ``7 mi E of Joplin, MO · 12 min ago``,
    from a ``Nearby`` or its ``{place, km, direction}`` form; '' for none."""
    shown = _presentation(context)
    return in_words(near, shown.units, shown.locale, fmt.as_datetime(seen_at)) or ""


def _rests(rests: Any) -> str:
    """The rests an ETA assumed: ``a 30-minute break and a 10-hour rest``."""
    words = []
    for rest in rests:
        if rest.kind == "break":
            words.append(f"a {rest.minutes}-minute break")
        elif rest.minutes >= 34 * 60:
            words.append(f"a {rest.minutes // 60}-hour restart")
        else:
            words.append(f"a {rest.minutes // 60}-hour rest")
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def build_templates() -> Jinja2Templates:
    """The template environment (autoescaping on, as for every ``.html``)."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.filters["money"] = _money
    env.filters["when"] = _when
    env.filters["day"] = _day
    env.filters["weight"] = _weight
    env.filters["distance"] = _distance
    env.filters["distance_source"] = _distance_source
    env.filters["zone_abbreviation"] = _zone_abbreviation
    env.filters["label"] = _label
    env.filters["field_label"] = label_of
    env.filters["weight_unit"] = fmt.weight_unit
    env.filters["rests"] = _rests
    env.filters["near"] = _near
    env.filters["time_left"] = fmt.time_left
    env.globals["navigation"] = NAVIGATION
    # The domains' vocabularies, so a page never spells a status or a set of them itself.
    env.globals.update(
        ShipmentStatus=Status,
        ACTIVE_SHIPMENT=ACTIVE,
        LOADED=LOADED,
        DriverStatus=DriverStatus,
        InvoiceStatus=InvoiceStatus,
        VOIDABLE_INVOICE=VOIDABLE_INVOICE,
    )
    return templates


def presentation_of(request: Request) -> Presentation:
    """How the signed-in reader's organisation shows numbers and times (else the default)."""
    shown = getattr(request.state, "presentation", None)
    return shown if isinstance(shown, Presentation) else DEFAULT_PRESENTATION


class Renderer:
    """Renders pages with the layout's context."""

    def __init__(self, settings: Settings) -> None:
        self.templates = build_templates()
        self.settings = settings

    def __call__(
        self,
        request: Request,
        template: str,
        *,
        actor: Actor | None = None,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        """The page ``template`` with ``context``, for ``actor`` (None when signed out)."""
        csrf = csrf_token_for(request)
        values = {
            "request": request,
            "actor": actor,
            "user_name": getattr(request.state, "user_name", None),
            "csrf_token": csrf,
            "nav": NAVIGATION.get(actor.role, []) if actor else [],
            "tile_url": self.settings.map_tile_url,
            "attribution": self.settings.map_attribution,
            "current_path": request.url.path,
            "presentation": getattr(request.state, "presentation", DEFAULT_PRESENTATION),
            **context,
        }
        response = self.templates.TemplateResponse(
            request, template, values, status_code=status_code
        )
        if getattr(request.state, "csrf_is_new", False):
            request.app.state.ctx.web.set_csrf(response, csrf)
        response.headers["Cache-Control"] = "no-store"
        return response


def renderer(request: Request) -> Renderer:
    """The app's page renderer."""
    render: Renderer = request.app.state.web_render
    return render
