"""The driver's answers to load offers: read the offer's rate confirmation, accept (the
load is theirs and the rate confirmation accepted, or the page says why not) and decline
with a reason."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from freight.access import Actor
from freight.deps import Context, SessionDep
from freight.dispatch import tendering
from freight.dispatch.assignment import Planning
from freight.documents import service as documents
from freight.errors import DomainError
from freight.web.auth import CsrfForm, text
from freight.web.driver import DECLINE_REASONS, Driver, my_loads_page
from freight.web.forms import Failure, Rerender, submit

router = APIRouter(include_in_schema=False)


def _refused(request: Request, actor: Actor, session: SessionDep, offer_id: uuid.UUID) -> Rerender:
    async def again(failure: Failure) -> Response:
        error = failure.error
        message = "That answer was not sent."
        if isinstance(error, DomainError) and error.detail:
            message = error.detail
        return await my_loads_page(
            request,
            actor,
            session,
            failure.status,
            offer_error={"offer_id": str(offer_id), "message": message},
        )

    return again


@router.get("/app/driver/offers/{offer_id}/rate-confirmation")
async def rate_confirmation(
    offer_id: uuid.UUID, actor: Driver, session: SessionDep, ctx: Context
) -> Response:
    """The offer's rate confirmation, which Accept agrees to (a PDF)."""
    found = await documents.offer_file(ctx, session, actor, offer_id)
    return Response(found.data, media_type=found.document.content_type, headers=found.headers)


@router.post("/app/driver/offers/{offer_id}/accept")
async def accept(
    request: Request,
    offer_id: uuid.UUID,
    form: CsrfForm,
    actor: Driver,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Take the load: on to its page, or back to my loads saying why it cannot be mine."""

    async def take() -> uuid.UUID:
        planning = Planning.of(ctx.settings)
        offer = await tendering.accept(session, actor, offer_id, planning, ctx.confirmation)
        return offer.shipment_id

    def done(shipment_id: uuid.UUID) -> str:
        return f"/app/driver/loads/{shipment_id}"

    failed = _refused(request, actor, session, offer_id)
    return await submit(ctx, session, take, done=done, failed=failed, error_page=(404,))


@router.post("/app/driver/offers/{offer_id}/decline")
async def decline(
    request: Request,
    offer_id: uuid.UUID,
    form: CsrfForm,
    actor: Driver,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Say no, with one of the usual reasons and a note if the driver adds one."""
    choice = text(form, "reason")
    note = text(form, "note").strip()[:300]
    reason = choice if choice in DECLINE_REASONS else None
    if note:
        reason = f"{reason or 'Other'}: {note}"

    async def say_no() -> None:
        await tendering.decline(session, actor, offer_id, reason)

    failed = _refused(request, actor, session, offer_id)
    return await submit(ctx, session, say_no, done="/app/driver", failed=failed, error_page=(404,))
