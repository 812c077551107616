"""Shipment threads on pages: the no-JavaScript way to read and post a message.

Pages include ``_messages.html`` (``shipment_id`` in the context, ``messages`` when
the page has loaded them with ``load_thread``); ``js/messages.js`` then takes the
thread over through the JSON API. Without JavaScript the form posts here, and this
page shows the whole thread (and the error, keeping what was typed).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import Response

from freight.access import Actor, Role
from freight.deps import Context, SessionDep
from freight.messaging import service as messaging
from freight.shipments import service as shipments
from freight.web.auth import CsrfForm, WebUser, safe_next, text
from freight.web.forms import Failure, submit
from freight.web.templating import renderer

if TYPE_CHECKING:
    from freight.messaging.models import Message

router = APIRouter(include_in_schema=False)

THREAD_PAGE_SIZE = 200


def home_of_thread(actor: Actor, shipment_id: uuid.UUID) -> str:
    """Where the caller usually reads this thread (the page that includes the partial)."""
    if actor.role is Role.DRIVER:
        return f"/app/driver/loads/{shipment_id}#messages"
    return f"/app/shipments/{shipment_id}#messages"


async def load_thread(
    session: SessionDep, actor: Actor, shipment_id: uuid.UUID
) -> Sequence[Message]:
    """The first page of the thread, oldest first (404 when the caller may not see it)."""
    rows, _, _, _ = await messaging.page(session, actor, shipment_id, THREAD_PAGE_SIZE, None)
    return rows


@router.get("/app/shipments/{shipment_id}/messages")
async def thread_page(
    request: Request, shipment_id: uuid.UUID, actor: WebUser, session: SessionDep
) -> Response:
    """The thread on its own page (also where the no-JS form lands after an error)."""
    return await _thread(request, actor, session, shipment_id, home_of_thread(actor, shipment_id))


async def _thread(
    request: Request,
    actor: Actor,
    session: SessionDep,
    shipment_id: uuid.UUID,
    back: str,
    status_code: int = 200,
    **extra: str,
) -> Response:
    shipment = await shipments.get_visible(session, actor, shipment_id)
    messages = await load_thread(session, actor, shipment_id)
    return renderer(request)(
        request,
        "board_thread.html",
        actor=actor,
        status_code=status_code,
        shipment=shipment,
        shipment_id=shipment_id,
        messages=messages,
        back=back,
        **extra,
    )


@router.post("/app/shipments/{shipment_id}/messages")
async def post_message(
    request: Request,
    shipment_id: uuid.UUID,
    form: CsrfForm,
    actor: WebUser,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Post to the thread, then back to the page the form was on (anyone signed in may
    try; the service lets in exactly the shipment's participants, others get 404)."""
    body = form.get("body")
    body = body if isinstance(body, str) else ""
    back = safe_next(text(form, "next"), home_of_thread(actor, shipment_id))

    async def again(failure: Failure) -> Response:
        error = f"Message: {failure.message}."
        typed = {"message_body": body, "message_error": error}
        return await _thread(request, actor, session, shipment_id, back, failure.status, **typed)

    max_chars = ctx.settings.message_max_chars
    return await submit(
        ctx,
        session,
        lambda: messaging.post(session, actor, shipment_id, body, max_chars),
        done=back,
        failed=again,
        error_page=(403, 404),
    )
