"""Security headers for the web app's responses: a strict CSP without inline scripts.

Scripts, styles and connections come from this origin only; images may also come
from the configured tile server. The API's JSON and ``/docs`` are left alone.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

WEB_PREFIXES = ("/app", "/track", "/static")


def tile_origin(tile_url: str) -> str | None:
    """The origin map tiles come from (``{s}.`` subdomains as a wildcard), if any."""
    parts = urlsplit(tile_url)
    if not parts.scheme or not parts.netloc:
        return None
    host = parts.netloc
    if host.startswith("{s}."):
        host = "*." + host.removeprefix("{s}.")
    return f"{parts.scheme}://{host}"


def content_security_policy(tile_url: str) -> str:
    """The CSP for pages, allowing map tiles from ``tile_url``'s origin when set."""
    images = ["'self'", "data:", "blob:"]
    origin = tile_origin(tile_url)
    if origin:
        images.append(origin)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": images,
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        # The driver view's service worker and its web app manifest (offline, installable).
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


class SecurityHeadersMiddleware:
    """Adds the CSP and a permissions policy to every web-app response (the headers
    every response gets are added by ``observability.middleware``)."""

    def __init__(self, app: ASGIApp, tile_url: str) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", content_security_policy(tile_url).encode()),
            (b"permissions-policy", b"geolocation=(self), camera=(self), microphone=()"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == "/" or path.startswith(WEB_PREFIXES)):
            await self.app(scope, receive, send)
            return

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, add_headers)
