"""Unread counts for a whole list of loads (the dispatch board's column): one query,
messages from others after the caller's read pointer, only loads the caller may see."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import event

from freight.access import Actor, Role
from freight.messaging import service
from tests.fleet_helpers import book_load
from tests.helpers import Session, add_customer
from tests.messaging.conftest import Thread, said


def actor_of(person: Any, role: Role) -> Actor:
    user = person.session.user if hasattr(person, "session") else person.user
    customer = user.get("customer_id")
    return Actor(
        organization_id=uuid.UUID(user["organization_id"]),
        role=role,
        user_id=uuid.UUID(user["id"]),
        customer_id=uuid.UUID(customer) if customer else None,
    )


async def counts(app: FastAPI, actor: Actor, ids: list[str]) -> tuple[dict[str, int], int]:
    """The caller's counts for these loads, and how many queries it took."""
    statements: list[str] = []
    async with app.state.ctx.sessions() as session:
        engine = session.bind.sync_engine

        def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if statement.lstrip().upper().startswith("SELECT"):  # not BEGIN
                statements.append(statement)

        event.listen(engine, "before_cursor_execute", seen)
        try:
            found = await service.unread_counts(session, actor, [uuid.UUID(i) for i in ids])
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    return {str(k): v for k, v in found.items()}, len(statements)


async def test_counts_per_load_in_one_query_until_read(
    app: FastAPI, client: AsyncClient, thread: Thread, admin: Session
) -> None:
    other_account = await add_customer(client, admin, "Initech")
    second = await book_load(client, admin, other_account)
    quiet = await book_load(client, admin, other_account)
    await said(client, thread, thread.buyer, "Dock 4, please.")
    last = await said(client, thread, thread.buyer, "And call ahead.")
    reply = await client.post(
        f"/api/shipments/{second['id']}/messages", headers=admin.auth, json={"body": "Noted"}
    )
    assert reply.status_code == 201, reply.text
    ids = [thread.load["id"], second["id"], quiet["id"]]
    dispatcher = actor_of(thread.dispatcher, Role.DISPATCHER)
    found, statements = await counts(app, dispatcher, ids)
    assert found == {thread.load["id"]: 2, second["id"]: 1}
    assert statements == 1
    # your own messages are never unread; the buyer sees only their account's load
    assert (await counts(app, actor_of(admin, Role.ADMIN), ids))[0] == {thread.load["id"]: 2}
    assert (await counts(app, actor_of(thread.buyer, Role.CUSTOMER), ids))[0] == {}
    read = await client.post(
        f"{thread.url}/read", headers=thread.dispatcher.auth, json={"up_to_id": last["id"]}
    )
    assert read.status_code == 200, read.text
    assert (await counts(app, dispatcher, ids))[0] == {second["id"]: 1}
    # another organisation's staff count nothing, whatever ids they pass
    assert (await counts(app, actor_of(thread.outsider, Role.ADMIN), ids))[0] == {}
