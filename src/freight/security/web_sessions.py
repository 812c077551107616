"""Browser sessions: a signed cookie naming a server-side session, and CSRF protection.

The session cookie is a JWT (``typ: web``) naming the user, the organisation and the
server-side session (``sid``, a row of ``user_sessions``); it is HttpOnly,
SameSite=Lax and Secure, and expires after ``web_session_hours``. Whether the user
and that session may still act is checked on every request (``deps.principal``):
sign-out, a password change, a deactivation or ``web_session_idle_minutes`` without a
request end it server-side, so a copied cookie dies with it.

CSRF: a signed-in request must repeat the session's CSRF token, an HMAC of its
``sid`` under the secret key, in the ``csrf_token`` form field or the
``X-CSRF-Token`` header. Before sign-in (the sign-in form), a random token in its own
HttpOnly, SameSite=Strict cookie is repeated instead (double submit). A page learns
its token from ``<meta name="csrf-token">``; another site can neither read it nor set
it. With Secure cookies the names carry the ``__Host-`` prefix, so no subdomain or
plain-HTTP page can plant either cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from http.cookies import SimpleCookie

import jwt
from fastapi import Request, Response

from freight.db import utcnow
from freight.errors import Forbidden, Unauthorized
from freight.settings import Settings

SESSION_NAME = "freight_session"
CSRF_NAME = "freight_csrf"
HOST_PREFIX = "__Host-"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
WEB = "web"
ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class WebClaims:
    """Who a session cookie belongs to, and which server-side session it names."""

    user_id: uuid.UUID
    organization_id: uuid.UUID
    session_id: uuid.UUID
    name: str = ""


class WebSessions:
    """Issue, read and clear the session and CSRF cookies."""

    def __init__(self, settings: Settings) -> None:
        self._key = settings.secret_key.get_secret_value()
        self._issuer = settings.jwt_issuer
        self._ttl = timedelta(hours=settings.web_session_hours)
        self.idle = timedelta(minutes=settings.web_session_idle_minutes)
        self._secure = settings.web_secure_cookies
        prefix = HOST_PREFIX if self._secure else ""  # browsers refuse __Host- without Secure
        self.session_cookie = prefix + SESSION_NAME
        self.csrf_cookie = prefix + CSRF_NAME

    # --- the session ----------------------------------------------------------------

    def start(
        self,
        response: Response,
        user_id: uuid.UUID,
        organization_id: uuid.UUID,
        name: str,
        session_id: uuid.UUID,
    ) -> None:
        """Sign the user in on this response, with the CSRF token bound to the session."""
        now = utcnow()
        claims = {
            "sub": str(user_id),
            "org": str(organization_id),
            "sid": str(session_id),
            "name": name,
            "typ": WEB,
            "iss": self._issuer,
            "iat": now,
            "exp": now + self._ttl,
        }
        value = jwt.encode(claims, self._key, algorithm=ALGORITHM)
        response.set_cookie(
            self.session_cookie,
            value,
            max_age=int(self._ttl.total_seconds()),
            httponly=True,
            secure=self._secure,
            samesite="lax",
            path="/",
        )
        # The cookie only mirrors the token for clients that read it; the server derives it.
        self.set_csrf(response, self.csrf_for(session_id))

    def end(self, response: Response) -> None:
        """Sign out in the browser: drop both cookies (the server ends the session row)."""
        for name in (self.session_cookie, self.csrf_cookie):
            response.delete_cookie(name, path="/", secure=self._secure, httponly=True)

    def read(self, value: str | None) -> WebClaims:
        """The claims of a session cookie value; 401 when absent, forged or expired."""
        if not value:
            raise Unauthorized("not signed in")
        try:
            claims = jwt.decode(
                value,
                self._key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "org", "sid", "typ"]},
            )
            if claims["typ"] != WEB:
                raise Unauthorized("invalid session")
            return WebClaims(
                uuid.UUID(claims["sub"]),
                uuid.UUID(claims["org"]),
                uuid.UUID(claims["sid"]),
                str(claims.get("name", "")),
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("session expired") from None
        except (jwt.InvalidTokenError, ValueError, TypeError):
            raise Unauthorized("invalid session") from None

    def claims_in(self, cookies: Mapping[str, str]) -> WebClaims:
        """The claims of the session cookie among ``cookies``; 401 when absent or invalid."""
        return self.read(cookies.get(self.session_cookie))

    # --- CSRF ---------------------------------------------------------------------------

    def csrf_for(self, session_id: uuid.UUID) -> str:
        """The CSRF token of one session: an HMAC of its id, so it cannot outlive or leave it."""
        mac = hmac.new(self._key.encode(), b"csrf:" + session_id.bytes, hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()

    def expected_csrf(self, cookies: Mapping[str, str]) -> str | None:
        """The token a request must repeat: its session's, or before sign-in its CSRF cookie's."""
        try:
            return self.csrf_for(self.claims_in(cookies).session_id)
        except Unauthorized:
            return cookies.get(self.csrf_cookie) or None

    def csrf_ok(self, cookies: Mapping[str, str], presented: str | None) -> bool:
        """True when ``presented`` is the token this request must repeat (constant-time)."""
        expected = self.expected_csrf(cookies)
        if not expected or not presented:
            return False
        return hmac.compare_digest(expected.encode(), presented.encode())

    def set_csrf(self, response: Response, token: str) -> None:
        """Store the CSRF token in its cookie."""
        response.set_cookie(
            self.csrf_cookie,
            token,
            max_age=int(self._ttl.total_seconds()),
            httponly=True,
            secure=self._secure,
            samesite="strict",
            path="/",
        )


def new_csrf_token() -> str:
    """A fresh unguessable CSRF token (for forms shown before sign-in)."""
    return secrets.token_urlsafe(32)


def web_sessions_of(request: Request) -> WebSessions:
    """The running app's web sessions."""
    web: WebSessions = request.app.state.ctx.web
    return web


def csrf_token_for(request: Request) -> str:
    """The CSRF token for the page being rendered: its session's, the cookie's, or a new one.

    A new one is remembered on ``request.state`` so the response can set the cookie.
    """
    existing = getattr(request.state, "csrf_token", None) or web_sessions_of(request).expected_csrf(
        request.cookies
    )
    if existing:
        return str(existing)
    token = new_csrf_token()
    request.state.csrf_token = token
    request.state.csrf_is_new = True
    return token


def check_csrf(request: Request, presented: str | None) -> None:
    """403 unless the request repeats the CSRF token of its session (or sign-in form)."""
    if not web_sessions_of(request).csrf_ok(request.cookies, presented):
        raise Forbidden("missing or wrong CSRF token; reload the page and try again")


def cookies_from_environ(environ: Mapping[str, object]) -> dict[str, str]:
    """The cookies of a raw ASGI/WSGI environ (socket.io hands us one at connect)."""
    raw = environ.get("HTTP_COOKIE")
    if not isinstance(raw, str):
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed header is no cookies at all
        return {}
    return {name: morsel.value for name, morsel in jar.items()}
