"""Browser sessions: a signed, expiring cookie, and CSRF protection by double submit.

The session cookie is a JWT (``typ: web``) naming the user and organisation; it is
HttpOnly, SameSite=Lax and Secure, and expires after ``web_session_hours``. Whether
the user may still act is checked on every request (a deactivated user is out at
once), exactly as for API tokens.

CSRF: a random token lives in its own HttpOnly, SameSite=Strict cookie, and every
unsafe request made with the session cookie must repeat it, in the ``csrf_token``
form field or the ``X-CSRF-Token`` header. A page learns it from its
``<meta name="csrf-token">``; another site can neither read it nor set it.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from http.cookies import SimpleCookie

import jwt
from fastapi import Request, Response

from freight.db import utcnow
from freight.errors import Forbidden, Unauthorized
from freight.settings import Settings

SESSION_COOKIE = "freight_session"
CSRF_COOKIE = "freight_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
WEB = "web"
ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class WebClaims:
    """Who a session cookie belongs to."""

    user_id: uuid.UUID
    organization_id: uuid.UUID
    name: str = ""


class WebSessions:
    """Issue, read and clear the session and CSRF cookies."""

    def __init__(self, settings: Settings) -> None:
        self._key = settings.secret_key.get_secret_value()
        self._issuer = settings.jwt_issuer
        self._ttl = timedelta(hours=settings.web_session_hours)
        self._secure = settings.web_secure_cookies

    # --- the session ----------------------------------------------------------------

    def start(
        self, response: Response, user_id: uuid.UUID, organization_id: uuid.UUID, name: str
    ) -> None:
        """Sign the user in on this response (and give them a fresh CSRF token)."""
        now = utcnow()
        claims = {
            "sub": str(user_id),
            "org": str(organization_id),
            "name": name,
            "typ": WEB,
            "iss": self._issuer,
            "iat": now,
            "exp": now + self._ttl,
        }
        value = jwt.encode(claims, self._key, algorithm=ALGORITHM)
        response.set_cookie(
            SESSION_COOKIE,
            value,
            max_age=int(self._ttl.total_seconds()),
            httponly=True,
            secure=self._secure,
            samesite="lax",
            path="/",
        )
        self.set_csrf(response, new_csrf_token())

    def end(self, response: Response) -> None:
        """Sign out: drop both cookies."""
        for name in (SESSION_COOKIE, CSRF_COOKIE):
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
                options={"require": ["exp", "iat", "sub", "org", "typ"]},
            )
            if claims["typ"] != WEB:
                raise Unauthorized("invalid session")
            return WebClaims(
                uuid.UUID(claims["sub"]), uuid.UUID(claims["org"]), str(claims.get("name", ""))
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("session expired") from None
        except (jwt.InvalidTokenError, ValueError, TypeError):
            raise Unauthorized("invalid session") from None

    # --- CSRF ---------------------------------------------------------------------------

    def set_csrf(self, response: Response, token: str) -> None:
        """Store the CSRF token in its cookie."""
        response.set_cookie(
            CSRF_COOKIE,
            token,
            max_age=int(self._ttl.total_seconds()),
            httponly=True,
            secure=self._secure,
            samesite="strict",
            path="/",
        )


def new_csrf_token() -> str:
    """A fresh unguessable CSRF token."""
    return secrets.token_urlsafe(32)


def csrf_token_for(request: Request) -> str:
    """The CSRF token for the page being rendered: the cookie's, or a new one.

    A new one is remembered on ``request.state`` so the response can set the cookie.
    """
    existing = getattr(request.state, "csrf_token", None) or request.cookies.get(CSRF_COOKIE)
    if existing:
        return str(existing)
    token = new_csrf_token()
    request.state.csrf_token = token
    request.state.csrf_is_new = True
    return token


def csrf_matches(cookie: str | None, presented: str | None) -> bool:
    """True when the presented token equals the cookie's (constant-time)."""
    if not cookie or not presented:
        return False
    return hmac.compare_digest(cookie.encode(), presented.encode())


def check_csrf(request: Request, presented: str | None) -> None:
    """403 unless the request repeats its CSRF cookie."""
    if not csrf_matches(request.cookies.get(CSRF_COOKIE), presented):
        raise Forbidden("missing or wrong CSRF token; reload the page and try again")


def cookies_from_environ(environ: dict[str, object]) -> dict[str, str]:
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
