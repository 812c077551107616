"""The web app: server-rendered pages for shippers, dispatchers, drivers and admins.

Pages live under ``/app`` (signed in with a session cookie) and ``/track`` (public);
their scripts and styles under ``/static/app``, and the npm browser libraries under
``/static/vendor``. ``install`` adds all of it to the API app.
"""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from freight.errors import DomainError
from freight.errors import handle_domain_error as domain_error_as_json
from freight.settings import Settings
from freight.web import admin, auth, board, driver, portal, public
from freight.web.security import WEB_PREFIXES, SecurityHeadersMiddleware
from freight.web.templating import TEMPLATES_DIR, Renderer

log = structlog.get_logger("freight.web")
STATIC_DIR = TEMPLATES_DIR.with_name("static")
# npm package -> the directory of it the browser may load
VENDOR = {"socket.io-client": "dist", "leaflet": "dist"}


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
        title=exc.title,
        detail=exc.detail,
    )


def install(app: FastAPI, settings: Settings) -> None:
    """Add the pages, their assets and their security headers to ``app``."""
    app.state.web_render = Renderer(settings)
    for module in (auth, portal, public, board, driver, admin):
        app.include_router(module.router)
    app.add_exception_handler(auth.SignInRequired, _sign_in)
    app.add_exception_handler(DomainError, _domain_error)
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
