"""Jinja2 rendering for the web app: one ``render`` that every page goes through.

``render`` adds what the layout needs (the signed-in user, the CSRF token, the map
settings, the navigation for the user's role) and sets the CSRF cookie when the
token is new.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from freight.access import Actor, Role
from freight.billing.statuses import VOIDABLE_INVOICE, InvoiceStatus
from freight.fleet.statuses import DriverStatus
from freight.security.web_sessions import csrf_token_for
from freight.settings import Settings
from freight.shipments.lifecycle import ACTIVE, LOADED, Status

TEMPLATES_DIR = Path(__file__).with_name("templates")

# The navigation each role sees: (label, path).
NAVIGATION: dict[Role, list[tuple[str, str]]] = {
    Role.CUSTOMER: [
        ("Shipments", "/app/shipments"),
        ("Book", "/app/shipments/new"),
        ("Invoices", "/app/invoices"),
    ],
    Role.DISPATCHER: [
        ("Board", "/app/dispatch"),
        ("Shipments", "/app/shipments"),
        ("Drivers", "/app/drivers"),
        ("Vehicles", "/app/vehicles"),
        ("Accounts", "/app/accounts"),
        ("Invoices", "/app/invoices"),
    ],
    Role.DRIVER: [("My loads", "/app/driver")],
    Role.ADMIN: [
        ("Board", "/app/dispatch"),
        ("Shipments", "/app/shipments"),
        ("Drivers", "/app/drivers"),
        ("Vehicles", "/app/vehicles"),
        ("Accounts", "/app/accounts"),
        ("Invoices", "/app/invoices"),
        ("Admin", "/app/admin"),
    ],
}

HOME: dict[Role, str] = {
    Role.CUSTOMER: "/app/shipments",
    Role.DISPATCHER: "/app/dispatch",
    Role.DRIVER: "/app/driver",
    Role.ADMIN: "/app/dispatch",
}


def _money(cents: int | None, currency: str = "USD") -> str:
    """``123456, "USD"`` as ``USD 1,234.56``."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}{currency} {whole:,}.{part:02d}"


def _when(value: datetime | str | None) -> str:
    """A timestamp as ``2026-11-28 14:05 UTC``."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _label(value: str | None) -> str:
    """``IN_TRANSIT`` or ``dry_van`` as ``In transit`` / ``Dry van``."""
    if not value:
        return ""
    text = str(value).replace("_", " ").lower()
    return text[:1].upper() + text[1:]


def build_templates() -> Jinja2Templates:
    """The template environment (autoescaping on, as for every ``.html``)."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.filters["money"] = _money
    env.filters["when"] = _when
    env.filters["label"] = _label
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
