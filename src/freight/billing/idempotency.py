"""``Idempotency-Key``: the first response to a request is stored and replayed.

A record is keyed by organisation, key and route, and holds a hash of the request body.
The first request inserts it in the same transaction as the work it does, so a
concurrent request with the same key waits on the unique index (PostgreSQL) or the
write lock (SQLite), then finds the record. A replay with the same body gets the stored
status and body; the same key with another body is a 422. While the first request is
still working (a card payment waits on the provider between two transactions) the others
poll for its response, up to ``idempotency_wait_s``; then 409, retry later.

Requests that fail validation store nothing, as with Stripe's own keys: a retry is
evaluated afresh. If the owner dies mid-way, its lease (``locked_at``) expires after
``idempotency_lock_s`` and the next request with the key resumes the work.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from freight.billing.models import IdempotencyRecord
from freight.db import utcnow
from freight.errors import Conflict, ValidationFailed, invalid

MAX_KEY = 255


class KeyMismatch(ValidationFailed):
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class Stored:
    """A response stored for replay."""

    status_code: int
    body: dict[str, Any]


def check_key(key: str | None) -> str:
    """The header's key, or a 422 naming it."""
    if key is None or not key.strip():
        raise invalid("header", "Idempotency-Key", msg="this request needs an Idempotency-Key")
    key = key.strip()
    if len(key) > MAX_KEY or not key.isprintable():
        raise invalid("header", "Idempotency-Key", msg=f"at most {MAX_KEY} printable characters")
    return key


def request_hash(body: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of the parsed body (key order and spacing do not count)."""
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


async def claim(
    session: AsyncSession, organization_id: uuid.UUID, key: str, route: str, digest: str
) -> IdempotencyRecord | None:
    """Take the key in the caller's transaction; None when another request holds it."""
    record = IdempotencyRecord(
        organization_id=organization_id,
        key=key,
        route=route,
        request_hash=digest,
        locked_at=utcnow(),
    )
    try:
        async with session.begin_nested():
            session.add(record)
    except IntegrityError:
        return None
    return record


async def find(
    session: AsyncSession, organization_id: uuid.UUID, key: str, route: str
) -> IdempotencyRecord | None:
    """The record of this key, read fresh."""
    return await session.scalar(
        select(IdempotencyRecord)
        .where(
            IdempotencyRecord.organization_id == organization_id,
            IdempotencyRecord.key == key,
            IdempotencyRecord.route == route,
        )
        .execution_options(populate_existing=True)
    )


def check_same_request(record: IdempotencyRecord, digest: str) -> None:
    """A 422 when the key was first used with another body."""
    if record.request_hash != digest:
        raise KeyMismatch(
            "this Idempotency-Key was used with a different request; use a new key",
            errors=[{"loc": ["header", "Idempotency-Key"], "msg": "reused with another body"}],
        )


def stored(record: IdempotencyRecord) -> Stored | None:
    """The stored response, once the first request finished."""
    if record.status_code is None or record.response_body is None:
        return None
    return Stored(record.status_code, record.response_body)


def lease_expired(record: IdempotencyRecord, lock_s: float, now: datetime | None = None) -> bool:
    """True when the owner released the key or stopped renewing it."""
    if record.locked_at is None:
        return True
    return record.locked_at + timedelta(seconds=lock_s) <= (now or utcnow())


async def take_over(session: AsyncSession, record: IdempotencyRecord) -> bool:
    """Take an expired lease (only one request wins); commit it before working."""
    result = await session.execute(
        update(IdempotencyRecord)
        .where(
            IdempotencyRecord.id == record.id,
            IdempotencyRecord.status_code.is_(None),
            IdempotencyRecord.locked_at.is_(None)
            if record.locked_at is None
            else IdempotencyRecord.locked_at == record.locked_at,
        )
        .values(locked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def release(session: AsyncSession, record_id: uuid.UUID) -> None:
    """Give up the lease without a response, so a retry may resume at once."""
    await session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id, IdempotencyRecord.status_code.is_(None))
        .values(locked_at=None)
        .execution_options(synchronize_session=False)
    )


async def complete(
    session: AsyncSession, record_id: uuid.UUID, status_code: int, body: dict[str, Any]
) -> None:
    """Store the response (in the transaction that makes the outcome durable)."""
    await session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id, IdempotencyRecord.status_code.is_(None))
        .values(status_code=status_code, response_body=body, completed_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def in_progress() -> Conflict:
    """409 for a request whose twin is still being processed."""
    error = Conflict(
        "a request with this Idempotency-Key is still being processed; retry shortly",
        headers={"Retry-After": "1"},
    )
    error.code = "idempotency_in_progress"
    return error
