"""Offering loads from the board: the picker's Offer button offers the load to the chosen
driver, or, with "the best drivers in turn" chosen, starts a waterfall; the badge on an
offered load withdraws it."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from freight.deps import Context, SessionDep
from freight.dispatch import tendering
from freight.dispatch.schemas import OfferRequest
from freight.errors import DomainError
from freight.web.auth import CsrfForm, text
from freight.web.board import Dispatcher, board_page_with, sentence
from freight.web.forms import Failure, Invalid, submit

router = APIRouter(include_in_schema=False)
WATERFALL = "waterfall"  # the picker's value for "the best drivers in turn"


def _request_of(key: str, driver_field: str) -> OfferRequest:
    try:
        if driver_field == WATERFALL:
            return OfferRequest.model_validate({"waterfall": True})
        return OfferRequest.model_validate({"driver_id": driver_field})
    except ValidationError:
        raise Invalid(
            {key: "Choose a driver, or the best drivers in turn, to offer it to."}
        ) from None


@router.post("/app/dispatch/offer")
async def offer(
    request: Request, form: CsrfForm, actor: Dispatcher, session: SessionDep, ctx: Context
) -> Response:
    """Offer a pending load from its picker; refusals are said next to it."""
    shipment_field, driver_field = text(form, "shipment_id"), text(form, "driver_id")
    key = shipment_field or "_"

    async def make() -> uuid.UUID:
        try:
            shipment_id = uuid.UUID(shipment_field)
        except ValueError:
            raise Invalid({key: "Choose a load to offer."}) from None
        await tendering.make(
            session, actor, shipment_id, _request_of(key, driver_field), ctx.settings
        )
        return shipment_id

    async def again(failure: Failure) -> Response:
        errors, chosen = failure.errors, {}
        if isinstance(failure.error, DomainError):
            errors, chosen = {key: sentence(failure.message)}, {key: driver_field}
        return await board_page_with(
            request, session, ctx, actor, failure.status, assign_errors=errors, chosen=chosen
        )

    return await submit(
        ctx, session, make, done=lambda shipment_id: f"/app/dispatch?offered={shipment_id}",
        failed=again,
    )  # fmt: skip


@router.post("/app/dispatch/offers/{offer_id}/withdraw")
async def withdraw(
    request: Request,
    offer_id: uuid.UUID,
    form: CsrfForm,
    actor: Dispatcher,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Take an offer (a whole waterfall) back; the load stays pending."""

    async def take_back() -> None:
        await tendering.withdraw(session, actor, offer_id)

    async def again(failure: Failure) -> Response:
        notice = sentence(failure.message)
        return await board_page_with(request, session, ctx, actor, failure.status, notice=notice)

    return await submit(
        ctx, session, take_back, done="/app/dispatch", failed=again, error_page=(404,)
    )
