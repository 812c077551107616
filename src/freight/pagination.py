"""Keyset (cursor) pagination, newest first, stable while rows are inserted."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from freight.db import IdMixin
from freight.errors import invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_ROW_ID = 2**63 - 1  # the largest integer id a cursor may name (a 64-bit column)


K = TypeVar("K", bound=IdMixin)


def encode_cursor(created_at: datetime, ident: uuid.UUID) -> str:
    """An opaque cursor that points just after this row."""
    raw = json.dumps([created_at.isoformat(), str(ident)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """Parse a cursor from ``encode_cursor``; anything else is a 422 on ``cursor``."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, ident = json.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = datetime.fromisoformat(created)
        if moment.tzinfo is None:
            raise ValueError("cursor time without offset")
        return moment.astimezone(UTC), uuid.UUID(ident)
    except (ValueError, TypeError, OverflowError, json.JSONDecodeError):
        raise invalid("query", "cursor", msg="not a valid cursor") from None


async def page_newest_first(
    session: AsyncSession, model: type[K], stmt: Select[Any], limit: int, cursor: str | None
) -> tuple[Sequence[K], str | None]:
    """One page of ``stmt`` ordered newest first, and the cursor for the next page."""
    if cursor:
        created, ident = decode_cursor(cursor)
        stmt = stmt.where(
            or_(
                model.created_at < created,
                and_(model.created_at == created, model.id < ident),
            )
        )
    stmt = stmt.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)
    rows = list((await session.execute(stmt)).scalars().all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(last.created_at, last.id)
    return rows, next_cursor
