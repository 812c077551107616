"""FastAPI dependencies as ``Annotated`` aliases: the session, the caller, role guards."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, Role
from freight.context import AppContext
from freight.db import end_read
from freight.errors import Forbidden, Unauthorized
from freight.fleet import service as fleet
from freight.identity import api_keys, sessions
from freight.identity import service as identity
from freight.identity.principals import principal_key
from freight.observability.middleware import unless_server_error
from freight.pagination import DEFAULT_LIMIT, MAX_LIMIT
from freight.security.web_sessions import CSRF_HEADER


async def get_context(request: Request) -> AppContext:
    """The running app's resources."""
    ctx: AppContext = request.app.state.ctx
    return ctx


Context = Annotated[AppContext, Depends(get_context)]


# Methods whose requests only read: their sessions begin deferred (no lock on SQLite).
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request, ctx: Context) -> AsyncIterator[AsyncSession]:
    """One session per request; the route commits, closing rolls back anything uncommitted.

    A read-only request gets a read-only session, so it never queues for (or holds) the
    embedded database's write lock; other methods take the lock when they begin.
    """
    factory = ctx.read_sessions if request.method in READ_METHODS else ctx.sessions
    async with factory() as session:
        yield session


# "function" scope: the session closes before the response is sent, freeing its connection.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def principal(
    ctx: AppContext,
    session: AsyncSession,
    user_id: uuid.UUID,
    org_id: uuid.UUID,
    session_id: uuid.UUID,
) -> Actor:
    """The active user a token names, as an Actor, while its session is live.

    The session row is read on every call, never cached, so sign-out, a password change
    (also from the CLI, which cannot reach this process's cache) and the idle timeout
    take effect on the next request. The user's access facts are cached.
    """
    if await sessions.check(session, session_id, user_id, ctx.web.idle):
        # The touch is a transaction of its own: a read request's deferred SQLite snapshot
        # cannot be upgraded to a write once another writer has committed.
        await end_read(session)
        await sessions.touch(session, session_id)
        await ctx.commit(session)
    cached = await ctx.cache.get(principal_key(user_id))
    if cached is None:
        user = await identity.active_user(session, user_id, org_id)
        role = Role(user.role)
        driver_id = (
            await fleet.driver_id_for_user(session, user.id) if role == Role.DRIVER else None
        )
        cached = {
            "org": str(user.organization_id),
            "role": user.role,
            "customer_id": str(user.customer_id) if user.customer_id else None,
            "driver_id": str(driver_id) if driver_id else None,
        }
        # The committed user.* and driver.* events drop the entry at once (identity
        # .principals); the lifetime only bounds changes made behind the app's back.
        await ctx.cache.set(principal_key(user_id), cached, ctx.settings.cache_ttl_s)
    if cached["org"] != str(org_id):
        raise Unauthorized("account disabled")
    return Actor(
        organization_id=org_id,
        role=Role(cached["role"]),
        user_id=user_id,
        customer_id=uuid.UUID(cached["customer_id"]) if cached["customer_id"] else None,
        driver_id=uuid.UUID(cached["driver_id"]) if cached["driver_id"] else None,
    )


async def current_actor(request: Request, ctx: Context, session: SessionDep) -> Actor:
    """Authenticate by API key or bearer token, then count the call against the caller's limit."""
    api_key = request.headers.get("x-api-key")
    authorization = request.headers.get("authorization")
    if api_key:
        key = await api_keys.authenticate_api_key(session, api_key)
        await ctx.commit(session)  # keeps last_used_at; this unit of work ends here
        actor = Actor(organization_id=key.organization_id, role=Role(key.role), api_key_id=key.id)
    elif authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("expected 'Authorization: Bearer <token>'")
        claims = ctx.tokens.verify_access(token.strip())
        actor = await principal(
            ctx, session, claims.user_id, claims.organization_id, claims.session_id
        )
    elif request.cookies.get(ctx.web.session_cookie):
        # The web app's own calls: the session cookie, and the session's CSRF token
        # repeated in a header on every call (another site can send the cookie, not the token).
        web = ctx.web.claims_in(request.cookies)
        if not ctx.web.csrf_ok(request.cookies, request.headers.get(CSRF_HEADER)):
            raise Unauthorized("a session cookie needs the X-CSRF-Token header")
        actor = await principal(ctx, session, web.user_id, web.organization_id, web.session_id)
    else:
        raise Unauthorized()
    await count_api_call(request, ctx, actor)
    request.state.actor = actor
    return actor


async def count_api_call(request: Request, ctx: AppContext, actor: Actor) -> None:
    """Refuse (429) a caller whose API window is full; count this call unless it fails 5xx."""
    await ctx.limits.check(ctx.limits.api, actor.principal)
    unless_server_error(
        request.scope.setdefault("state", {}),
        partial(ctx.limits.record, ctx.limits.api, actor.principal),
    )


CurrentUser = Annotated[Actor, Depends(current_actor)]


# Every guard require_role made: the OpenAPI document lists 403 for the operations using one.
ROLE_GUARDS: set[Callable[..., Any]] = set()


def require_role(*roles: Role) -> Callable[[Actor], Coroutine[Any, Any, Actor]]:
    """A dependency that lets only these roles through (others get 403)."""
    allowed = frozenset(roles)

    async def guard(actor: CurrentUser) -> Actor:
        if actor.role not in allowed:
            raise Forbidden(f"this action needs one of the roles: {', '.join(sorted(allowed))}")
        return actor

    ROLE_GUARDS.add(guard)
    return guard


Admin = Annotated[Actor, Depends(require_role(Role.ADMIN))]
Staff = Annotated[Actor, Depends(require_role(Role.ADMIN, Role.DISPATCHER))]

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
Cursor = Annotated[str | None, Query(max_length=200, description="from a previous next_cursor")]


def client_address(request: Request) -> str:
    """The caller's address as the server saw it (behind a proxy, configure uvicorn's
    ``--forwarded-allow-ips`` so this is the real client)."""
    return request.client.host if request.client else "unknown"


__all__ = ["DEFAULT_LIMIT", "Admin", "Context", "CurrentUser", "SessionDep", "Staff"]
