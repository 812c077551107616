"""The web app: server-rendered pages for shippers, dispatchers, drivers and admins.

Pages live under ``/app`` (signed in with a session cookie) and ``/track`` (public);
their scripts and styles under ``/static/app``, and the npm browser libraries under
``/static/vendor``. ``install`` adds all of it to the API app.
"""

from __future__ import annotations

from http import HTTPStatus

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from freight.errors import (
    DomainError,
    handle_http_error,
    handle_validation_error,
)
from freight.errors import handle_domain_error as domain_error_as_json
from freight.settings import Settings
from freight.web import (
    accounts,
    admin,
    auth,
    board,
    board_offers,
    driver,
    driver_app,
    driver_devices,
    driver_exceptions,
    driver_offers,
    drivers,
    ifta_page,
    imports,
    invoices,
    mail_pages,
    messages,
    portal,
    public,
    reports,
    shipment_documents,
    shipment_edit,
    shipment_work,
    vehicles,
)
from freight.web.security import WEB_PREFIXES, SecurityHeadersMiddleware
from freight.web.templating import TEMPLATES_DIR, Renderer, renderer

log = structlog.get_logger("freight.web")
STATIC_DIR = TEMPLATES_DIR.with_name("static")
# npm package -> the directory of it the browser may load (swagger-ui-dist: /docs)
VENDOR = {
    "socket.io-client": "dist",
    "leaflet": "dist",
    "swagger-ui-dist": ".",
    # Outlines for the map without a tile server: countries and US states.
    "topojson-client": "src",
    "world-atlas": ".",
    "us-atlas": ".",
    # The driver view offline: its outbox in IndexedDB, its service worker's Workbox.
    "idb": "build",
    "workbox-sw": "build",
    "workbox-core": "build",
    "workbox-routing": "build",
    "workbox-strategies": "build",
    "workbox-expiration": "build",
    "workbox-cacheable-response": "build",
}


def _is_page(request: Request) -> bool:
    path = request.url.path
    return path == "/" or (path.startswith(WEB_PREFIXES) and not path.startswith("/static"))


async def _sign_in(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, auth.SignInRequired)
    return auth.sign_in_redirect(exc)


async def _domain_error(request: Request, exc: Exception) -> Response:
    """Pages answer an error with an HTML page; the API keeps its problem+json."""
    assert isinstance(exc, DomainError)
    if not _is_page(request):
        return await domain_error_as_json(request, exc)
    render: Renderer = request.app.state.web_render
    actor = getattr(request.state, "actor", None)
    return render(
        request,
        "error.html",
        actor=actor,
        status_code=exc.status,
        title=exc.title or HTTPStatus(exc.status).phrase,
        detail=exc.detail,
    )


async def _bad_request(request: Request, exc: Exception) -> Response:
    """A page address with an invalid query value: an HTML 422 naming it."""
    assert isinstance(exc, RequestValidationError)
    if not _is_page(request):
        return await handle_validation_error(request, exc)
    names = sorted({str(err["loc"][-1]) for err in exc.errors() if err.get("loc")})
    return renderer(request)(
        request,
        "error.html",
        actor=getattr(request.state, "actor", None),
        status_code=422,
        title="That address is not valid",
        detail=f"Check the value of: {', '.join(names) or 'the request'}.",
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown pages and wrong methods under the web paths: an HTML page."""
    assert isinstance(exc, StarletteHTTPException)
    if not _is_page(request):
        return await handle_http_error(request, exc)
    missing = exc.status_code == 404
    return renderer(request)(
        request,
        "error.html",
        actor=getattr(request.state, "actor", None),
        status_code=exc.status_code,
        title="Page not found" if missing else HTTPStatus(exc.status_code).phrase,
        detail="There is no page at this address." if missing else "That did not work here.",
    )


def install(app: FastAPI, settings: Settings) -> None:
    """Add the pages, their assets and their security headers to ``app``."""
    app.state.web_render = Renderer(settings)
    shipment_pages = (portal, shipment_edit, shipment_work, shipment_documents, public, messages)
    fleet_pages = (
        board,
        board_offers,
        driver,
        driver_app,
        driver_offers,
        driver_exceptions,
        drivers,
        driver_devices,
        vehicles,
        accounts,
        imports,
    )
    report_pages = (ifta_page, reports)  # IFTA first: /app/reports/{name} would match it
    for module in (auth, *shipment_pages, *fleet_pages, admin, invoices, *report_pages, mail_pages):
        app.include_router(module.router)
    app.add_exception_handler(auth.SignInRequired, _sign_in)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _bad_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.mount("/static/app", StaticFiles(directory=STATIC_DIR), name="web-static")
    for package, folder in VENDOR.items():
        directory = settings.web_vendor_dir / package / folder
        if not directory.is_dir():
            log.warning("web.vendor_missing", package=package, hint="run `npm ci`")
        app.mount(
            f"/static/vendor/{package}",
            StaticFiles(directory=directory, check_dir=False),
            name=f"vendor-{package}",
        )
    app.add_middleware(SecurityHeadersMiddleware, tile_url=settings.map_tile_url)
