"""Managing invoices (admins): create one for delivered shipments, issue, void, and
record a payment received offline (cheque, ACH, wire).

Every action calls the service the API calls (``billing.invoices``, ``checkout.pay``)
with the signed-in admin, commits through the app context so the events go out, and
redirects back to the invoice. Errors re-render the form with the message by its field.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from freight import idempotency as idem
from freight.access import Actor, Role
from freight.billing import invoices
from freight.billing.schemas import InvoiceCreate, VoidRequest
from freight.deps import Context, SessionDep
from freight.errors import DomainError
from freight.identity import accounts as shipper_accounts
from freight.web.admin_forms import Errors, errors_of, parse_money, parse_uuid
from freight.web.auth import CsrfForm, see_other, text, web_role
from freight.web.invoices import PAY_FIELDS, show_invoice, take_payment
from freight.web.templating import renderer

router = APIRouter(include_in_schema=False)

AdminUser = Annotated[Actor, Depends(web_role(Role.ADMIN))]
OFFLINE_METHODS = (("check", "Cheque"), ("ach", "ACH transfer"), ("wire", "Wire transfer"))
NEW_FIELDS = {"customer_id": "customer_id", "shipment_ids": "shipment_ids"}


async def _new_form(
    request: Request,
    actor: Actor,
    session: SessionDep,
    customer_id: uuid.UUID | None,
    *,
    status_code: int = 200,
    errors: Errors | None = None,
    chosen: set[str] | None = None,
) -> Response:
    accounts = await shipper_accounts.choices(session, actor)
    account = next((a for a in accounts if a.id == customer_id), None)
    shipments = await invoices.uninvoiced(session, actor, account.id) if account else []
    return renderer(request)(
        request,
        "invoice_new.html",
        actor=actor,
        status_code=status_code,
        accounts=accounts,
        account=account,
        shipments=shipments,
        chosen=chosen if chosen is not None else {str(s.id) for s in shipments},
        errors=errors or {},
    )


@router.get("/app/invoices/new")
async def new_invoice_form(
    request: Request, actor: AdminUser, session: SessionDep, customer_id: str = ""
) -> Response:
    """Pick an account, then its delivered shipments not yet invoiced."""
    return await _new_form(request, actor, session, parse_uuid(customer_id))


@router.post("/app/invoices/new")
async def create_invoice(
    request: Request, form: CsrfForm, actor: AdminUser, session: SessionDep, ctx: Context
) -> Response:
    """A draft invoice for the ticked shipments."""
    customer_id = parse_uuid(text(form, "customer_id"))
    ticked = [v for v in form.getlist("shipment_ids") if isinstance(v, str)]
    try:
        body = InvoiceCreate.model_validate(
            {"customer_id": str(customer_id) if customer_id else "", "shipment_ids": ticked}
        )
        invoice = await invoices.create(session, actor, body.customer_id, body.shipment_ids)
        await ctx.commit(session)
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        errors = errors_of(exc, NEW_FIELDS)
        if "shipment_ids" in errors and not ticked:
            errors["shipment_ids"] = "Tick at least one shipment"
        return await _new_form(
            request,
            actor,
            session,
            customer_id,
            status_code=exc.status if isinstance(exc, DomainError) else 422,
            errors=errors,
            chosen=set(ticked),
        )
    return see_other(f"/app/invoices/{invoice.id}?done=invoice-created")


@router.post("/app/invoices/{invoice_id:uuid}/issue")
async def issue_invoice(
    invoice_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: AdminUser,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """draft -> issued (due after the account's payment terms)."""
    try:
        await invoices.issue(session, actor, invoice_id)
        await ctx.commit(session)
    except DomainError as exc:
        await session.rollback()
        return await show_invoice(
            request,
            actor,
            session,
            ctx,
            invoice_id,
            status_code=exc.status,
            errors=errors_of(exc),
            failed_form="issue",
        )
    return see_other(f"/app/invoices/{invoice_id}?done=invoice-issued")


@router.post("/app/invoices/{invoice_id:uuid}/void")
async def void_invoice(
    invoice_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: AdminUser,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Void an invoice with nothing paid on it, giving the reason."""
    reason = text(form, "reason")
    try:
        body = VoidRequest.model_validate({"reason": reason})
        await invoices.void(session, actor, invoice_id, body.reason)
        await ctx.commit(session)
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        errors = errors_of(exc, {"reason": "reason"})
        if "reason" in errors and not reason:
            errors["reason"] = "Say why the invoice is void"
        return await show_invoice(
            request,
            actor,
            session,
            ctx,
            invoice_id,
            status_code=exc.status if isinstance(exc, DomainError) else 422,
            errors=errors,
            values={"reason": reason},
            failed_form="void",
        )
    return see_other(f"/app/invoices/{invoice_id}?done=invoice-voided")


@router.post("/app/invoices/{invoice_id:uuid}/payments")
async def record_payment(
    invoice_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: AdminUser,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Record a cheque, ACH or wire received, with its reference (once per form render)."""
    values = {
        "method": text(form, "method"),
        "offline_amount": text(form, "offline_amount"),
        "reference": text(form, "reference"),
        "offline_key": text(form, "offline_key"),
    }
    errors: Errors = {}
    status_code, amount = 422, 0
    try:
        amount = parse_money(values["offline_amount"])
    except ValueError as exc:
        errors["offline_amount"] = str(exc).capitalize()
    if values["method"] not in {m for m, _ in OFFLINE_METHODS}:
        errors["method"] = "Choose cheque, ACH or wire"
    if not values["reference"]:
        errors["reference"] = "Enter the cheque number or transfer reference"
    if not errors:
        body = {
            "invoice_id": str(invoice_id),
            "amount_cents": amount,
            "method": values["method"],
            "reference": values["reference"],
        }
        try:
            await take_payment(ctx, actor, session, values["offline_key"], body)
        except (ValidationError, DomainError) as exc:
            fields = {**PAY_FIELDS, "amount_cents": "offline_amount"}
            errors = errors_of(exc, fields)
            status_code = exc.status if isinstance(exc, DomainError) else 422
            if isinstance(exc, idem.KeyMismatch):
                values["offline_key"] = ""
        else:
            return see_other(f"/app/invoices/{invoice_id}?done=payment-recorded")
    return await show_invoice(
        request,
        actor,
        session,
        ctx,
        invoice_id,
        status_code=status_code,
        errors=errors,
        values=values,
        failed_form="offline",
    )
