"""Managing invoices (admins): create one for delivered shipments, issue, void, and
record a payment received offline (cheque, ACH, wire).

Every action calls the service the API calls (``billing.invoices``, ``checkout.pay``)
with the signed-in admin, commits through the app context so the events go out, and
redirects back to the invoice. Errors re-render the form with the message by its field.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from freight.access import Actor, Role
from freight.billing import invoices
from freight.billing.schemas import InvoiceCreate, VoidRequest
from freight.deps import Context, SessionDep
from freight.identity import accounts as shipper_accounts
from freight.web.admin_forms import Errors, parse_uuid, read_money
from freight.web.auth import CsrfForm, text, web_role
from freight.web.forms import Failure, Invalid, said, submit
from freight.web.invoices import PAY_FIELDS, invoice_form, take_payment
from freight.web.templating import renderer

if TYPE_CHECKING:
    from freight.billing.models import Invoice

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

    async def create() -> Invoice:
        data = {"customer_id": str(customer_id) if customer_id else "", "shipment_ids": ticked}
        body = InvoiceCreate.model_validate(data)
        return await invoices.create(session, actor, body.customer_id, body.shipment_ids)

    async def again(failure: Failure) -> Response:
        status, errors, chosen = failure.status, failure.errors, set(ticked)
        return await _new_form(
            request, actor, session, customer_id, status_code=status, errors=errors, chosen=chosen
        )

    failed = said({"shipment_ids": "Tick at least one shipment"}, again) if not ticked else again
    return await submit(
        ctx,
        session,
        create,
        done=lambda invoice: f"/app/invoices/{invoice.id}?done=invoice-created",
        failed=failed,
        fields=NEW_FIELDS,
    )


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
    return await submit(
        ctx,
        session,
        lambda: invoices.issue(session, actor, invoice_id),
        done=f"/app/invoices/{invoice_id}?done=invoice-issued",
        failed=invoice_form(request, actor, session, ctx, invoice_id, "issue"),
    )


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

    async def void() -> None:
        body = VoidRequest.model_validate({"reason": reason})
        await invoices.void(session, actor, invoice_id, body.reason)

    values = {"reason": reason}
    again = invoice_form(request, actor, session, ctx, invoice_id, "void", values)
    if not reason:
        again = said({"reason": "Say why the invoice is void"}, again)
    done = f"/app/invoices/{invoice_id}?done=invoice-voided"
    return await submit(ctx, session, void, done=done, failed=again, fields={"reason": "reason"})


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
        name: text(form, name) for name in ("method", "offline_amount", "reference", "offline_key")
    }

    async def record() -> None:
        body = {"invoice_id": str(invoice_id), **_offline_payment(values)}
        await take_payment(ctx, actor, session, values["offline_key"], body)

    again = invoice_form(request, actor, session, ctx, invoice_id, "offline", values, "offline_key")
    fields = {**PAY_FIELDS, "amount_cents": "offline_amount"}
    done = f"/app/invoices/{invoice_id}?done=payment-recorded"
    return await submit(ctx, session, record, done=done, failed=again, fields=fields)


def _offline_payment(values: dict[str, str]) -> dict[str, object]:
    """The payment the offline form describes, or ``Invalid`` naming what is wrong."""
    errors: Errors = {}
    amount = read_money(values, "offline_amount", errors)
    if values["method"] not in {m for m, _ in OFFLINE_METHODS}:
        errors["method"] = "Choose cheque, ACH or wire"
    if not values["reference"]:
        errors["reference"] = "Enter the cheque number or transfer reference"
    if errors:
        raise Invalid(errors)
    return {"amount_cents": amount, "method": values["method"], "reference": values["reference"]}
