"""Server-side sign-in sessions: started at login, checked on every call, ended for good.

Every access token and web cookie names its session (``sid``). A call is honoured only
while that row is live; logout ends one row, a password change or a deactivation ends
all of a user's rows, and a web session unused for ``web_session_idle_minutes`` ends
itself. Functions take the session first and never commit.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from freight.db import utcnow
from freight.errors import Unauthorized
from freight.identity.models import UserSession

# last_seen_at is written at most this often (or a quarter of the idle limit, if shorter),
# so a busy session does not write on every call and an active one never looks idle.
TOUCH_INTERVAL = timedelta(minutes=1)


class SessionKind(StrEnum):
    WEB = "web"
    API = "api"


async def start(session: AsyncSession, user_id: uuid.UUID, kind: SessionKind) -> UserSession:
    """A new live session for this user."""
    row = UserSession(user_id=user_id, kind=kind.value, last_seen_at=utcnow())
    session.add(row)
    await session.flush()
    return row


async def check(
    session: AsyncSession, session_id: uuid.UUID, user_id: uuid.UUID, idle: timedelta
) -> bool:
    """Raise ``Unauthorized`` unless this user's session is live; True when a touch is due.

    ``idle`` applies to web sessions only; API logins are bounded by their token lifetimes,
    so they are never touched. Nothing is written here: see ``touch``.
    """
    row = await session.get(UserSession, session_id, populate_existing=True)
    if row is None or row.user_id != user_id or row.ended_at is not None:
        raise Unauthorized("session ended; sign in again")
    if row.kind != SessionKind.WEB:
        return False
    now = utcnow()
    if now - row.last_seen_at > idle:
        # Nothing to write: last_seen_at stays old, so every later call is refused too.
        raise Unauthorized("session timed out; sign in again")
    return now - row.last_seen_at >= min(TOUCH_INTERVAL, idle / 4)


async def touch(session: AsyncSession, session_id: uuid.UUID) -> None:
    """Record that a session was used now (the idle timeout counts from here)."""
    await session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
        .values(last_seen_at=utcnow())
    )


async def live_ids(session: AsyncSession, session_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these sessions are not ended."""
    live: set[uuid.UUID] = set()
    for start_at in range(0, len(session_ids), 500):
        chunk = session_ids[start_at : start_at + 500]
        rows = await session.scalars(
            select(UserSession.id).where(UserSession.id.in_(chunk), UserSession.ended_at.is_(None))
        )
        live.update(rows)
    return live


async def end(session: AsyncSession, session_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """End one session of this user (unknown or already ended: nothing to do)."""
    await session.execute(
        update(UserSession)
        .where(
            UserSession.id == session_id,
            UserSession.user_id == user_id,
            UserSession.ended_at.is_(None),
        )
        .values(ended_at=utcnow())
    )


async def end_all(session: AsyncSession, user_id: uuid.UUID) -> None:
    """End every live session of this user (password change, deactivation)."""
    await session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


async def end_login(session: AsyncSession, session_id: uuid.UUID) -> None:
    """End the session of one API login (its refresh family), whoever holds it."""
    await session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
