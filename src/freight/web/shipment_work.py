"""Dispatchers' work on one shipment from its page: assign, unassign and reassign with a
reason, set the price by hand with a reason, and the plain moves (picked up, in transit).

Each form repeats the version the page showed as ``version`` and sends it as If-Match
to the service, so a change made meanwhile by someone else is refused (412) and the
page says so instead of acting on a load that is no longer what the dispatcher saw.
Editing the load itself is ``shipment_edit``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from freight import formatting as fmt
from freight.access import Actor, Role
from freight.billing import booking
from freight.deps import Context, SessionDep
from freight.dispatch import assignment, exceptions
from freight.dispatch.assignment import Planning
from freight.errors import DomainError
from freight.shipments import service
from freight.shipments.lifecycle import Status
from freight.web.auth import CsrfForm, text, web_role
from freight.web.forms import Failure, Invalid, submit
from freight.web.overrides import Override, override_of, warning_block
from freight.web.portal import page_context
from freight.web.templating import presentation_of, renderer

router = APIRouter(include_in_schema=False)
Dispatcher = Annotated[Actor, Depends(web_role(Role.DISPATCHER, Role.ADMIN))]
REASON_LIMIT = 500
STALE = (
    "Someone changed this load after you opened the page, so nothing was done. "
    "It is shown below as it is now."
)


# A service's field -> the page form's field it is said next to.
FIELDS = {
    "driver_id": "driver_id",
    "price_cents": "price",
    "reason": "reason",
    "window_start": "window_start",
    "window_end": "window_end",
}
A = TypeVar("A")
B = TypeVar("B")


def both(first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    """Two of the page's checks, with both their messages when both refuse."""
    problems: dict[str, str] = {}
    results: list[Any] = []
    for check in (first, second):
        try:
            results.append(check())
        except Invalid as exc:
            problems |= exc.errors
    if problems:
        raise Invalid(problems)
    return results[0], results[1]


def _planning(ctx: Context) -> Planning:
    return Planning.of(ctx.settings)


def version_of(form: FormData) -> int | None:
    """The version the page showed (sent as If-Match); None if the form lost it."""
    try:
        return int(text(form, "version"))
    except ValueError:
        return None


def reason_of(form: FormData, which: str, what: str) -> str:
    """The form's reason, required and at most ``REASON_LIMIT`` characters."""
    reason = text(form, "reason").strip()
    if not reason:
        raise Invalid({f"{which}-reason": f"Say why you {what}."})
    if len(reason) > REASON_LIMIT:
        raise Invalid({f"{which}-reason": f"Keep the reason to {REASON_LIMIT} characters."})
    return reason


def driver_of(form: FormData, which: str) -> uuid.UUID:
    """The chosen driver, or ``Invalid`` asking for one."""
    try:
        return uuid.UUID(text(form, "driver_id"))
    except ValueError:
        raise Invalid({f"{which}-driver_id": "Choose a driver."}) from None


def cents_of(form: FormData) -> int:
    """The typed price (``3,250.00``) in cents, or ``Invalid`` naming the field."""
    raw = text(form, "price").replace(",", "").replace("$", "").strip()
    try:
        cents = Decimal(raw) * 100
    except InvalidOperation:
        cents = Decimal(-1)
    if not cents.is_finite() or cents < 0 or cents != cents.to_integral_value() or cents > 10**12:
        raise Invalid({"price-price": "Enter a price such as 3250.00."})
    return int(cents)


def _sentence(message: str | None) -> str:
    message = (message or "That did not work.").strip()
    message = message[:1].upper() + message[1:]
    return message if message.endswith(".") else f"{message}."


def _again(
    request: Request,
    session: SessionDep,
    ctx: Context,
    actor: Actor,
    shipment_id: uuid.UUID,
    which: str,
    form: FormData,
    override: Override | None = None,
) -> Callable[[Failure], Awaitable[Response]]:
    """The shipment page again with the refused form's messages and what was typed, or
    with the warnings to confirm before the change lands."""

    async def again(failure: Failure) -> Response:
        context = await page_context(ctx, session, actor, shipment_id)
        panel = context["staff"]
        panel.errors = dict(failure.errors)
        if override and (block := warning_block(failure.error, override)):
            panel.errors, panel.warned = {}, {which: block}
        elif isinstance(failure.error, DomainError):
            loc = failure.error.errors[0].get("loc", []) if failure.error.errors else []
            field = FIELDS.get(str(loc[-1]) if loc else "", "form")
            said = STALE if failure.status == 412 else _sentence(failure.message)
            panel.errors = {f"{which}-{field}": said}
        panel.typed = {
            f"{which}-{k}": v
            for k in ("reason", "price", "driver_id", "status", "window_start", "window_end")
            if (v := text(form, k))
        }
        render = renderer(request)
        return render(
            request, "shipment_detail.html", actor=actor, status_code=failure.status, **context
        )

    return again


def _done(shipment_id: uuid.UUID, notice: str) -> str:
    return f"/app/shipments/{shipment_id}?done={notice}#staff"


@router.post("/app/shipments/{shipment_id}/assign")
async def assign(
    shipment_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: Dispatcher,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Give the pending load to the chosen driver from its own page."""
    override = override_of(form, presentation_of(request))

    async def give() -> None:
        driver_id = driver_of(form, "assign")
        shipment = await service.get_visible(session, actor, shipment_id)
        service.check_version(shipment, version_of(form))
        await assignment.assign(
            session, actor, shipment_id, driver_id, None, _planning(ctx), heed=override.heed
        )

    again = _again(request, session, ctx, actor, shipment_id, "assign", form, override)
    done = _done(shipment_id, "assigned")
    return await submit(ctx, session, give, done=done, failed=again, error_page=(404,))


@router.post("/app/shipments/{shipment_id}/unassign")
async def unassign(
    shipment_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: Dispatcher,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Take the load back from its driver, with a reason; the driver is free again."""

    async def take_back() -> None:
        reason = reason_of(form, "unassign", "are unassigning the driver")
        await assignment.unassign(session, actor, shipment_id, reason, version_of(form))

    again = _again(request, session, ctx, actor, shipment_id, "unassign", form)
    done = _done(shipment_id, "unassigned")
    return await submit(ctx, session, take_back, done=done, failed=again, error_page=(404,))


@router.post("/app/shipments/{shipment_id}/reassign")
async def reassign(
    shipment_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: Dispatcher,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Give the load to another driver in one step, with a reason (the old one is freed)."""
    override = override_of(form, presentation_of(request))

    async def hand_over() -> None:
        driver_id, reason = both(
            lambda: driver_of(form, "reassign"),
            lambda: reason_of(form, "reassign", "are changing the driver"),
        )
        await assignment.reassign(
            session,
            actor,
            shipment_id,
            driver_id,
            reason,
            _planning(ctx),
            version_of(form),
            heed=override.heed,
        )

    again = _again(request, session, ctx, actor, shipment_id, "reassign", form, override)
    done = _done(shipment_id, "reassigned")
    return await submit(ctx, session, hand_over, done=done, failed=again, error_page=(404,))


@router.post("/app/shipments/{shipment_id}/price")
async def override_price(
    shipment_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: Dispatcher,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Set the price by hand with a reason (staff only; it stays through later edits)."""

    async def set_price() -> None:
        cents, reason = both(
            lambda: cents_of(form), lambda: reason_of(form, "price", "set this price")
        )
        await booking.override_price(session, actor, shipment_id, cents, reason, version_of(form))

    again = _again(request, session, ctx, actor, shipment_id, "price", form)
    done = _done(shipment_id, "priced")
    return await submit(ctx, session, set_price, done=done, failed=again, error_page=(404,))


@router.post("/app/shipments/{shipment_id}/move")
async def move(
    shipment_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: Dispatcher,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """A plain move the state machine allows staff (picked up, in transit)."""
    override = override_of(form, presentation_of(request))

    async def step() -> None:
        try:
            target = Status(text(form, "status"))
        except ValueError:
            raise Invalid({"move-form": "Choose what happened to the load."}) from None
        await service.transition(
            session, actor, shipment_id, target, if_match=version_of(form), heed=override.heed
        )

    again = _again(request, session, ctx, actor, shipment_id, "move", form, override)
    done = _done(shipment_id, "moved")
    return await submit(ctx, session, step, done=done, failed=again, error_page=(404,))


@router.post("/app/shipments/{shipment_id}/reattempt")
async def reattempt(
    shipment_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: Dispatcher,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """After a failed delivery: a new window at the delivery stop (its local time)."""

    async def again_window() -> None:
        shipment = await service.get_visible(session, actor, shipment_id)
        service.check_version(shipment, version_of(form))
        zone = shipment.stops[-1].timezone
        start = fmt.from_local_input(text(form, "window_start"), zone)
        end = fmt.from_local_input(text(form, "window_end"), zone)
        missing = {
            f"reattempt-{name}": "Enter a date and time."
            for name, value in (("window_start", start), ("window_end", end))
            if value is None
        }
        if missing or start is None or end is None:
            raise Invalid(missing)
        note = text(form, "note").strip() or None
        await exceptions.reattempt(session, actor, shipment_id, start, end, note)

    again = _again(request, session, ctx, actor, shipment_id, "reattempt", form)
    done = _done(shipment_id, "moved")
    return await submit(ctx, session, again_window, done=done, failed=again, error_page=(404,))
