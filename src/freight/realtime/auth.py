"""Who a socket is, re-checked for as long as it stays connected.

A connection keeps the credential it authenticated with (an access token, or the web
app's session cookie), so the gateway can check it again: at every ``subscribe``
(then resolved into an actor exactly as a REST call is), on every periodic sweep
(an expired token closes the connection), and on ``reauth`` with a fresh token.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor
from freight.context import AppContext
from freight.deps import principal
from freight.errors import Unauthorized
from freight.security.web_sessions import cookies_from_environ

MAX_TOKEN_CHARS = 4096


@dataclass(frozen=True)
class Credential:
    """What a connection proved: a bearer token, or a session cookie (with CSRF at connect)."""

    user_id: uuid.UUID
    organization_id: uuid.UUID
    session_id: uuid.UUID  # the server-side session (ended by logout, password change...)
    expires_at: float  # epoch seconds, from the verified credential
    token: str | None = None
    cookie: str | None = None

    def expired(self) -> bool:
        """Past its expiry (the sweep's cheap test: no decoding, no signature check)."""
        return time.time() >= self.expires_at

    def check(self, ctx: AppContext) -> None:
        """Still valid (signature, expiry); ``Unauthorized`` otherwise."""
        if self.token is not None:
            claims = ctx.tokens.verify_access(self.token)
        else:
            claims = ctx.web.read(self.cookie)  # type: ignore[assignment]
        named = (claims.user_id, claims.organization_id, claims.session_id)
        if named != (self.user_id, self.organization_id, self.session_id):
            raise Unauthorized("credential changed")

    async def resolve(self, ctx: AppContext, session: AsyncSession) -> Actor:
        """The caller as REST resolves it now: the credential, its live session, the user."""
        self.check(ctx)
        return await principal(ctx, session, self.user_id, self.organization_id, self.session_id)


def from_token(ctx: AppContext, token: Any) -> Credential:
    """A credential from a bearer access token (``auth.token`` or ``reauth``)."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise Unauthorized("no token")
    claims = ctx.tokens.verify_access(token)
    expires_at = claims.expires_at.timestamp()
    return Credential(
        claims.user_id, claims.organization_id, claims.session_id, expires_at, token=token
    )


def from_handshake(ctx: AppContext, environ: dict[str, Any], auth: Any) -> Credential:
    """``auth.token``, or the web app's session cookie with ``auth.csrf`` (so another
    site's page cannot ride a signed-in browser)."""
    auth = auth if isinstance(auth, dict) else {}
    token = auth.get("token")
    if isinstance(token, str) and token:
        return from_token(ctx, token)
    cookies = cookies_from_environ(environ)
    cookie = cookies.get(ctx.web.session_cookie)
    if not cookie:
        raise Unauthorized("no token")
    csrf = auth.get("csrf")
    if not ctx.web.csrf_ok(cookies, csrf if isinstance(csrf, str) else None):
        raise Unauthorized("a session cookie needs the CSRF token")
    web = ctx.web.read(cookie)  # verified here; the expiry is then read without a key
    expires_at = float(jwt.decode(cookie, options={"verify_signature": False})["exp"])
    return Credential(web.user_id, web.organization_id, web.session_id, expires_at, cookie=cookie)
