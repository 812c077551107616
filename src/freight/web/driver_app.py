"""The driver view as an installable app that opens without signal: its web app manifest
and its service worker (``js/driver_sw.js``, Workbox from npm), served from ``/app/driver``
so the worker's scope covers every driver page."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from freight.web.templating import TEMPLATES_DIR

router = APIRouter(include_in_schema=False)
STATIC = TEMPLATES_DIR.with_name("static")
WORKER = STATIC / "js" / "driver_sw.js"
SCOPE = "/app/driver"  # the loads page itself, and everything under it

MANIFEST = {
    "name": "Freight: my loads",
    "short_name": "Freight",
    "description": "Run your loads, share your location and take the proof of delivery.",
    "id": SCOPE,
    "start_url": SCOPE,
    "scope": SCOPE,
    "display": "standalone",
    "orientation": "portrait",
    "background_color": "#ffffff",
    "theme_color": "#102a43",
    "icons": [
        {
            "src": f"/static/app/icons/driver-{size}.png",
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "any maskable",
        }
        for size in (192, 512)
    ],
}


@cache
def assets_version() -> str:
    """A digest of the scripts, styles and icons: a new release installs a new worker,
    whose caches replace the old ones."""
    digest = hashlib.sha256()
    for folder in ("js", "css", "icons"):
        for path in sorted((STATIC / folder).rglob("*")):
            if path.is_file():
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _worker_source(path: Path) -> str:
    return path.read_text().replace("__ASSETS_VERSION__", assets_version())


@router.get("/app/driver/sw.js")
async def service_worker() -> Response:
    """The driver view's service worker, for the whole ``/app/driver`` scope."""
    return Response(
        _worker_source(WORKER),
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": SCOPE, "Cache-Control": "no-cache"},
    )


@router.get("/app/driver/manifest.webmanifest")
async def manifest() -> Response:
    """The web app manifest that lets a driver add the view to the home screen."""
    return JSONResponse(
        MANIFEST, media_type="application/manifest+json", headers={"Cache-Control": "no-cache"}
    )
