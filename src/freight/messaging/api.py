"""Routes for shipment threads, read receipts and unread counts."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from freight import idempotency as idem
from freight.db import utcnow
from freight.deps import DEFAULT_LIMIT, Context, CurrentUser, Cursor, Limit, SessionDep
from freight.messaging import service
from freight.messaging.schemas import (
    MessageCreate,
    MessagePage,
    MessageRead,
    ReadRequest,
    ReadState,
    UnreadShipment,
    UnreadSummary,
)

router = APIRouter(prefix="/api/shipments", tags=["messages"])
unread_router = APIRouter(prefix="/api/messages", tags=["messages"])


@router.get("/{shipment_id}/messages")
async def list_messages(
    shipment_id: uuid.UUID,
    actor: CurrentUser,
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> MessagePage:
    """The thread, oldest first, with your unread count and read pointer."""
    rows, next_cursor, unread, pointer = await service.page(
        session, actor, shipment_id, limit, cursor
    )
    return MessagePage(
        items=[MessageRead.model_validate(m) for m in rows],
        next_cursor=next_cursor,
        unread_count=unread,
        last_read_id=pointer,
    )


@router.post("/{shipment_id}/messages", status_code=status.HTTP_201_CREATED)
async def post_message(
    shipment_id: uuid.UUID,
    body: MessageCreate,
    actor: CurrentUser,
    session: SessionDep,
    ctx: Context,
    response: Response,
    idempotency_key: idem.KeyHeader = None,
) -> MessageRead:
    """Write to the thread (plain text, stored and returned exactly as sent).

    With ``Idempotency-Key`` a retry with the same body returns the first message.
    """
    once = await idem.once(
        session,
        actor,
        idempotency_key,
        f"POST /api/shipments/{shipment_id}/messages",
        body.model_dump(mode="json"),
        lambda _: service.thread_of(session, actor, shipment_id),
    )
    if once.replay is not None:
        idem.mark_replayed(response, once.replay)
        read = MessageRead.model_validate(once.replay.body)
    else:
        message = await service.post(
            session, actor, shipment_id, body.body, ctx.settings.message_max_chars
        )
        read = MessageRead.model_validate(message)
        await once.done(session, 201, read.model_dump(mode="json"), shipment_id)
        await ctx.commit(session)  # publishes message.posted: clients get message:new
    response.headers["Location"] = f"/api/shipments/{shipment_id}/messages?cursor={read.id - 1}"
    return read


@router.post("/{shipment_id}/messages/read")
async def mark_read(
    shipment_id: uuid.UUID, body: ReadRequest, actor: CurrentUser, session: SessionDep, ctx: Context
) -> ReadState:
    """You have read the thread up to this message (the pointer never moves back)."""
    pointer, unread = await service.mark_read(session, actor, shipment_id, body.up_to_id)
    await ctx.commit(session)
    assert actor.user_id is not None  # the service refuses API keys
    await ctx.live.emit(
        "message:read",
        shipment_id,
        {
            "shipment_id": str(shipment_id),
            "user_id": str(actor.user_id),
            "up_to_id": pointer,
            "at": utcnow().isoformat(),
        },
    )
    return ReadState(
        shipment_id=shipment_id, user_id=actor.user_id, up_to_id=pointer, unread_count=unread
    )


@unread_router.get("/unread")
async def unread_counts(actor: CurrentUser, session: SessionDep) -> UnreadSummary:
    """Per shipment you may see, how many messages from others you have not read."""
    rows = await service.unread_summary(session, actor)
    return UnreadSummary(
        items=[UnreadShipment(shipment_id=s, unread_count=n) for s, n in rows],
        total=sum(n for _, n in rows),
    )
