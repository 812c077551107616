"""Shipment threads: who may take part, posting, paging, read pointers, unread counts.

The participants of a thread are exactly the people who may see the shipment: its
account's customer users, its assigned driver, and the organisation's dispatchers and
admins (``shipments.queries.visible``); anyone else gets 404. Messages are written by
people, so API keys have no part in threads. Functions never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any, cast

from sqlalchemy import Select, Table, and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from freight import events
from freight.access import Actor
from freight.db import utcnow
from freight.errors import Forbidden, invalid
from freight.identity.models import User
from freight.messaging.models import Message, ReadPointer
from freight.shipments import service as shipments
from freight.shipments.models import Shipment
from freight.shipments.queries import visible

UNREAD_SUMMARY_LIMIT = 500


def _user_of(actor: Actor) -> uuid.UUID:
    if actor.user_id is None:
        raise Forbidden("shipment messages are for signed-in users, not API keys")
    return actor.user_id


async def thread_of(session: AsyncSession, actor: Actor, shipment_id: uuid.UUID) -> Shipment:
    """The shipment whose thread the caller may read and post to, else 404."""
    _user_of(actor)
    return await shipments.get_visible(session, actor, shipment_id)


def check_body(body: str, max_chars: int) -> None:
    """Plain text within the limit; NUL is refused (PostgreSQL cannot store it)."""
    if len(body) > max_chars:
        raise invalid("body", "body", msg=f"at most {max_chars} characters")
    if not body.strip():
        raise invalid("body", "body", msg="must not be blank")
    if "\x00" in body:
        raise invalid("body", "body", msg="must not contain NUL characters")


async def _advance(
    session: AsyncSession, user_id: uuid.UUID, shipment_id: uuid.UUID, up_to_id: int
) -> None:
    """Move the read pointer forward (never back), creating it if needed, in one statement."""
    table = cast(Table, ReadPointer.__table__)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(
        user_id=user_id, shipment_id=shipment_id, up_to_id=up_to_id, updated_at=utcnow()
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.user_id, table.c.shipment_id],
        set_={"up_to_id": stmt.excluded.up_to_id, "updated_at": stmt.excluded.updated_at},
        where=table.c.up_to_id < stmt.excluded.up_to_id,
    )
    await session.execute(stmt)


async def post(
    session: AsyncSession, actor: Actor, shipment_id: uuid.UUID, body: str, max_chars: int
) -> Message:
    """Add a message to the thread and record ``message.posted`` (replayed on reconnect)."""
    shipment = await thread_of(session, actor, shipment_id)
    check_body(body, max_chars)
    user_id = _user_of(actor)
    name = await session.scalar(select(User.full_name).where(User.id == user_id))
    message = Message(
        organization_id=shipment.organization_id,
        shipment_id=shipment.id,
        author_id=user_id,
        author_role=actor.role.value,
        author_name=name or "",
        body=body,
        created_at=utcnow(),
    )
    session.add(message)
    await session.flush()
    data: dict[str, Any] = {
        "message_id": message.id,
        "shipment_id": str(shipment.id),
        "author_id": str(user_id),
        "author_role": message.author_role,
        "author_name": message.author_name,
        "body": body,
        "created_at": message.created_at.isoformat(),
    }
    await events.record(
        session, actor, shipment.organization_id, "message.posted", data, shipment_id=shipment.id
    )
    await _advance(session, user_id, shipment.id, message.id)  # you have read what you wrote
    return message


async def last_read(session: AsyncSession, user_id: uuid.UUID, shipment_id: uuid.UUID) -> int:
    """The caller's read pointer in this thread (0 before reading anything)."""
    pointer = await session.scalar(
        select(ReadPointer.up_to_id).where(
            ReadPointer.user_id == user_id, ReadPointer.shipment_id == shipment_id
        )
    )
    return int(pointer or 0)


def _from_others(user_id: uuid.UUID) -> Any:
    return or_(Message.author_id.is_(None), Message.author_id != user_id)


async def unread_in(
    session: AsyncSession, user_id: uuid.UUID, shipment_id: uuid.UUID, after: int
) -> int:
    """Messages from others after ``after`` in one thread."""
    count = await session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.shipment_id == shipment_id, Message.id > after, _from_others(user_id))
    )
    return int(count or 0)


def parse_cursor(cursor: str | None) -> int:
    """The message id a cursor points after (ASCII digits only), else 422."""
    if not cursor:
        return 0
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
        raise invalid("query", "cursor", msg="not a valid cursor")
    return int(cursor)


async def page(
    session: AsyncSession, actor: Actor, shipment_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[Sequence[Message], str | None, int, int]:
    """One page of the thread, oldest first; with the cursor, unread count and pointer."""
    await thread_of(session, actor, shipment_id)
    user_id = _user_of(actor)
    after = parse_cursor(cursor)
    stmt = (
        select(Message)
        .where(Message.shipment_id == shipment_id, Message.id > after)
        .order_by(Message.id)
        .limit(limit + 1)
    )
    rows = list((await session.execute(stmt)).scalars().all())
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    pointer = await last_read(session, user_id, shipment_id)
    unread = await unread_in(session, user_id, shipment_id, pointer)
    return rows[:limit], next_cursor, unread, pointer


async def mark_read(
    session: AsyncSession, actor: Actor, shipment_id: uuid.UUID, up_to_id: int
) -> tuple[int, int]:
    """Move the caller's pointer to a message of this thread; the pointer and unread count."""
    await thread_of(session, actor, shipment_id)
    user_id = _user_of(actor)
    found = await session.scalar(
        select(Message.id).where(Message.id == up_to_id, Message.shipment_id == shipment_id)
    )
    if found is None:
        raise invalid("body", "up_to_id", msg="no such message in this thread")
    await _advance(session, user_id, shipment_id, up_to_id)
    pointer = await last_read(session, user_id, shipment_id)
    return pointer, await unread_in(session, user_id, shipment_id, pointer)


async def unread_summary(session: AsyncSession, actor: Actor) -> list[tuple[uuid.UUID, int]]:
    """Per shipment the caller may see, the messages from others they have not read."""
    user_id = _user_of(actor)
    stmt = (
        select(Message.shipment_id, func.count())
        .join(Shipment, Shipment.id == Message.shipment_id)
        .outerjoin(
            ReadPointer,
            and_(ReadPointer.shipment_id == Message.shipment_id, ReadPointer.user_id == user_id),
        )
        .where(Message.id > func.coalesce(ReadPointer.up_to_id, 0), _from_others(user_id))
        .group_by(Message.shipment_id)
        .order_by(func.max(Message.id).desc())
        .limit(UNREAD_SUMMARY_LIMIT)
    )
    rows = (await session.execute(visible(cast(Select[Any], stmt), actor))).all()
    return [(row[0], int(row[1])) for row in rows]


async def unread_counts(
    session: AsyncSession, actor: Actor, shipment_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """For each of these shipments the caller may see, the messages from others they
    have not read yet (shipments without any are left out): one query for a whole list."""
    if actor.user_id is None or not shipment_ids:
        return {}
    user_id = actor.user_id
    stmt = (
        select(Message.shipment_id, func.count())
        .join(Shipment, Shipment.id == Message.shipment_id)
        .outerjoin(
            ReadPointer,
            and_(ReadPointer.shipment_id == Message.shipment_id, ReadPointer.user_id == user_id),
        )
        .where(
            Message.shipment_id.in_(list(shipment_ids)),
            Message.id > func.coalesce(ReadPointer.up_to_id, 0),
            _from_others(user_id),
        )
        .group_by(Message.shipment_id)
    )
    rows = (await session.execute(visible(cast(Select[Any], stmt), actor))).all()
    return {row[0]: int(row[1]) for row in rows}
