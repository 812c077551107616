"""API keys: created by an admin for integrations, shown once, stored as a hash, revoked
at will (and with the admin who made them), refreshed at most once a minute when used.

Functions take the session first, raise DomainErrors and never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from freight.access import Actor, get_scoped, scoped
from freight.db import end_read, utcnow
from freight.errors import Unauthorized, invalid
from freight.identity.models import ApiKey, User
from freight.identity.schemas import ApiKeyCreate
from freight.pagination import page_newest_first
from freight.security.tokens import digest, new_secret

API_KEY_PREFIX = "frk"
API_KEY_TOUCH_INTERVAL = timedelta(minutes=1)


async def create_api_key(
    session: AsyncSession, actor: Actor, body: ApiKeyCreate
) -> tuple[ApiKey, str]:
    """A new key and its secret, which is returned this once and stored only as a hash."""
    if body.expires_at is not None and body.expires_at <= utcnow():
        raise invalid("body", "expires_at", msg="must be in the future")
    secret = new_secret(API_KEY_PREFIX)
    key = ApiKey(
        organization_id=actor.organization_id,
        name=body.name,
        role=body.role,
        prefix=secret[:12],
        key_hash=digest(secret),
        created_by=actor.user_id,
        expires_at=body.expires_at,
    )
    session.add(key)
    await session.flush()
    return key, secret


async def list_api_keys(
    session: AsyncSession, actor: Actor, limit: int, cursor: str | None
) -> tuple[Sequence[ApiKey], str | None]:
    """The organisation's keys, newest first (never their secrets)."""
    return await page_newest_first(session, ApiKey, scoped(ApiKey, actor), limit, cursor)


async def get_api_key(session: AsyncSession, actor: Actor, key_id: uuid.UUID) -> ApiKey:
    """One API key of the caller's organisation."""
    return await get_scoped(session, ApiKey, actor, key_id)


async def active_counts(session: AsyncSession, actor: Actor) -> tuple[int, int]:
    """How many active users and live (unrevoked) API keys the organisation has."""
    users = await session.scalar(
        scoped(User, actor, select(func.count(User.id))).where(User.is_active.is_(True))
    )
    keys = await session.scalar(
        scoped(ApiKey, actor, select(func.count(ApiKey.id))).where(ApiKey.revoked_at.is_(None))
    )
    return users or 0, keys or 0


async def revoke_api_key(session: AsyncSession, actor: Actor, key_id: uuid.UUID) -> None:
    """Revoke a key; it answers 401 from then on."""
    key = await get_scoped(session, ApiKey, actor, key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        await session.flush()


async def revoke_keys_created_by(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Revoke the live keys an admin made: they must not outlive the admin's authority."""
    await session.execute(
        update(ApiKey)
        .where(ApiKey.created_by == user_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def authenticate_api_key(session: AsyncSession, secret: str) -> ApiKey:
    """The live key with this secret, its last-used time refreshed at most once a minute."""
    key = await session.scalar(select(ApiKey).where(ApiKey.key_hash == digest(secret)))
    if key is None or key.revoked_at is not None:
        raise Unauthorized("invalid API key")
    now = utcnow()
    if key.expires_at is not None and key.expires_at <= now:
        raise Unauthorized("API key expired")
    if key.last_used_at is None or now - key.last_used_at > API_KEY_TOUCH_INTERVAL:
        # A new transaction whose first statement writes: on SQLite it waits for the lock
        # even in a read-only request, where a read-then-write one would fail at once.
        await end_read(session)
        key.last_used_at = now
        await session.flush()
    return key
