"""``Idempotency-Key``: the first response to a create is stored and replayed to its caller.

A record is keyed by organisation, caller (``Actor.principal``), route and a sha256 of
the key (keys are never stored in clear), and holds a hash of the request. Another user
of the same organisation or account presenting the same key gets no replay: their key
names another request. A replay also re-checks that the caller may still see what was
created. The first request inserts its record in the same transaction as its work, so
a concurrent request with the same key waits on the unique index (PostgreSQL) or the
write lock (SQLite), then finds the record. A replay with the same request gets the
stored status and body; the same key with another request is a 422. While the first
request is still working (a card payment waits on the provider between two
transactions) the others poll for its response, up to ``idempotency_wait_s``; then 409.

Requests that fail store nothing, as with Stripe's own keys: a retry is evaluated
afresh. If the owner dies mid-way, its lease (``locked_at``) expires after
``idempotency_lock_s`` and the next request with the key resumes the work. Stored
bodies never hold a secret (a payment's ``client_secret`` is answered once, never kept).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Header, Response
from sqlalchemy import JSON, Index, Integer, String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from freight.access import Actor
from freight.db import Base, TenantMixin, utcnow
from freight.errors import Conflict, ValidationFailed, invalid

MAX_KEY = 255
REPLAYED = "Idempotent-Replayed"

# The optional header of every create route (payments require it).
KeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=300,
        description="a retry with the same key and body replays the first response",
    ),
]


class IdempotencyRecord(TenantMixin, Base):
    """The first response to a request with an ``Idempotency-Key``, for its replays.

    ``status_code`` is null while the first request is still being processed.
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (
        Index(
            "uq_idempotency_records_scope_key",
            "organization_id",
            "scope",
            "key",
            "route",
            unique=True,
        ),
    )

    # The caller the key belongs to (``Actor.principal``): replays are theirs only.
    scope: Mapped[str] = mapped_column(String(80))
    # sha256 of the client's key, hex.
    key: Mapped[str] = mapped_column(String(255))
    route: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    # The owner's lease: another request may resume the work once it has expired.
    locked_at: Mapped[datetime | None] = mapped_column(default=None)
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)


class KeyMismatch(ValidationFailed):
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class Stored:
    """A response stored for replay."""

    status_code: int
    body: dict[str, Any]
    resource_id: uuid.UUID | None = None


def check_key(key: str | None) -> str:
    """The header's key, or a 422 naming it."""
    if key is None or not key.strip():
        raise invalid("header", "Idempotency-Key", msg="this request needs an Idempotency-Key")
    key = key.strip()
    if len(key) > MAX_KEY or not key.isprintable():
        raise invalid("header", "Idempotency-Key", msg=f"at most {MAX_KEY} printable characters")
    return key


def optional_key(key: str | None) -> str | None:
    """The header's key when one was sent (checked like ``check_key``), else None."""
    return None if key is None else check_key(key)


def hash_key(key: str) -> str:
    """What is stored of a client's key: its sha256, so a database read reveals no key."""
    return hashlib.sha256(key.encode()).hexdigest()


def request_hash(body: Any) -> str:
    """sha256 of the canonical JSON of the parsed request (key order and spacing do not count)."""
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


async def claim(
    session: AsyncSession, actor: Actor, key: str, route: str, digest: str
) -> IdempotencyRecord | None:
    """Take the key in the caller's transaction; None when another request holds it."""
    record = IdempotencyRecord(
        organization_id=actor.organization_id,
        scope=actor.principal,
        key=hash_key(key),
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
    session: AsyncSession, actor: Actor, key: str, route: str
) -> IdempotencyRecord | None:
    """The caller's record of this key, read fresh."""
    return await session.scalar(
        select(IdempotencyRecord)
        .where(
            IdempotencyRecord.organization_id == actor.organization_id,
            IdempotencyRecord.scope == actor.principal,
            IdempotencyRecord.key == hash_key(key),
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
    return Stored(record.status_code, record.response_body, record.resource_id)


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
    session: AsyncSession,
    record_id: uuid.UUID,
    status_code: int,
    body: dict[str, Any],
    resource_id: uuid.UUID | None = None,
) -> None:
    """Store the response (in the transaction that makes the outcome durable)."""
    values: dict[str, Any] = {
        "status_code": status_code,
        "response_body": body,
        "completed_at": utcnow(),
    }
    if resource_id is not None:
        values["resource_id"] = resource_id
    await session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id, IdempotencyRecord.status_code.is_(None))
        .values(**values)
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


@dataclass
class Once:
    """One create under an optional key: ``replay`` is set when the key was already used."""

    record: IdempotencyRecord | None = None
    replay: Stored | None = None

    async def done(
        self, session: AsyncSession, status_code: int, body: dict[str, Any], resource_id: Any
    ) -> None:
        """Store the answer in the create's own transaction (before its commit)."""
        if self.record is not None:
            await complete(session, self.record.id, status_code, body, resource_id)


async def once(
    session: AsyncSession,
    actor: Actor,
    key: str | None,
    route: str,
    request: Any,
    still_visible: Callable[[uuid.UUID], Awaitable[object]],
) -> Once:
    """Claim ``key`` for a create done in one transaction, or find the answer to replay.

    ``still_visible`` re-reads the created resource as the caller (raising ``NotFound``
    when they may no longer see it) before anything is replayed.
    """
    checked = optional_key(key)
    if checked is None:
        return Once()
    digest = request_hash(request)
    record = await claim(session, actor, checked, route, digest)
    if record is not None:
        return Once(record=record)
    existing = await find(session, actor, checked, route)
    if existing is None:  # the holder rolled back between our insert and our read
        raise in_progress()
    check_same_request(existing, digest)
    answer = stored(existing)
    if answer is None:
        raise in_progress()
    if answer.resource_id is not None:
        await still_visible(answer.resource_id)
    return Once(replay=answer)


async def answered(session: AsyncSession, actor: Actor, key: str | None, route: str) -> bool:
    """True when ``key`` already has a stored answer on ``route``: a replay is coming, so
    checks only a first request must pass (is the load still deliverable?) are skipped."""
    checked = optional_key(key)
    if checked is None:
        return False
    record = await find(session, actor, checked, route)
    return record is not None and stored(record) is not None


def file_digest(data: bytes) -> str:
    """What a request hash holds of an uploaded file: its sha256."""
    return hashlib.sha256(data).hexdigest()


def mark_replayed(response: Response, answer: Stored) -> None:
    """The replay's status and the header that tells a client it is one."""
    response.status_code = answer.status_code
    response.headers[REPLAYED] = "true"
