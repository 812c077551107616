"""Invoice pages: the list, one invoice with its PDF, and paying it by card.

Customers see their account's issued invoices and pay them by card; dispatchers and
admins see all of them (admins also manage them: ``admin_invoicing``). Reads go
through ``billing.ledger`` with the caller, so scoping is exactly the API's. A card
payment goes through ``billing.checkout.pay`` like ``POST /api/payments``, with an
Idempotency-Key minted when the form is rendered: submitting the form twice replays
the first answer and never charges twice.

Card details: Stripe.js (which turns a card into a ``pm_...`` payment method in the
browser) cannot be loaded under this app's CSP, so the form takes the payment method
id and the server creates and confirms the PaymentIntent, as the API does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from freight import idempotency as idem
from freight.access import Actor, Role
from freight.billing import checkout, invoices, ledger, payments, pdf
from freight.billing.schemas import PaymentCreate
from freight.billing.statuses import OPEN_INVOICE, InvoiceStatus, PaymentStatus
from freight.context import AppContext
from freight.deps import Context, SessionDep
from freight.identity import accounts as shipper_accounts
from freight.web.admin_forms import Errors, notice, parse_uuid, read_money
from freight.web.auth import CsrfForm, text, web_role
from freight.web.forms import Failure, Invalid, Rerender, submit
from freight.web.templating import renderer

router = APIRouter(include_in_schema=False)

Reader = Annotated[Actor, Depends(web_role(Role.CUSTOMER, Role.DISPATCHER, Role.ADMIN))]
Payer = Annotated[Actor, Depends(web_role(Role.CUSTOMER))]

STATUSES = (*InvoiceStatus, "overdue")  # the filter: a status, or open and past due
PAGE_SIZE = 25
PAID_NOTICE: dict[str, str] = {
    PaymentStatus.SUCCEEDED: "payment-succeeded",
    PaymentStatus.PENDING: "payment-pending",
    PaymentStatus.FAILED: "payment-failed",
}


@router.get("/app/invoices")
async def invoice_list(
    request: Request,
    actor: Reader,
    session: SessionDep,
    status: str = "",
    customer_id: str = "",
    cursor: str | None = None,
) -> Response:
    """Invoices newest first, filtered by status (or overdue) and, for staff, account."""
    chosen = status if status in STATUSES else ""
    account = parse_uuid(customer_id) if actor.role != Role.CUSTOMER else None
    rows, next_cursor = await ledger.list_page(
        session,
        actor,
        PAGE_SIZE,
        cursor,
        status=chosen if chosen not in ("", "overdue") else None,
        customer_id=account,
        overdue=chosen == "overdue",
    )
    accounts = await shipper_accounts.choices(session, actor) if actor.is_staff else []
    names = await shipper_accounts.names(session, actor, (i.customer_id for i in rows))
    return renderer(request)(
        request,
        "invoices_list.html",
        actor=actor,
        invoices=[ledger.to_read(i) for i in rows],
        names=names,
        statuses=STATUSES,
        status=chosen,
        accounts=accounts,
        customer_id=str(account) if account else "",
        next_cursor=next_cursor,
        notice=notice(request.query_params.get("done")),
    )


async def show_invoice(
    request: Request,
    actor: Actor,
    session: SessionDep,
    ctx: AppContext,
    invoice_id: uuid.UUID,
    *,
    status_code: int = 200,
    errors: Errors | None = None,
    values: dict[str, str] | None = None,
    failed_form: str = "",
) -> Response:
    """The invoice page (also re-rendered with a form's errors and what was typed)."""
    invoice = await ledger.get_visible(session, actor, invoice_id)
    history, _ = await payments.list_page(session, actor, 200, None, invoice.id)
    names = await shipper_accounts.names(session, actor, [invoice.customer_id])
    open_balance = await payments.open_balance(session, invoice)
    payable = invoice.status in OPEN_INVOICE and open_balance > 0
    values = values or {}
    return renderer(request)(
        request,
        "invoice_detail.html",
        actor=actor,
        status_code=status_code,
        invoice=ledger.to_read(invoice),
        account_name=names.get(invoice.customer_id, ""),
        payments=history,
        open_balance=open_balance,
        can_pay_card=payable
        and actor.role == Role.CUSTOMER
        and ctx.settings.stripe_secret_key is not None,
        cards_off=payable and ctx.settings.stripe_secret_key is None,
        test_mode=_test_mode(ctx),
        is_admin=actor.role == Role.ADMIN,
        payable=payable,
        errors=errors or {},
        failed_form=failed_form,
        values=values,
        # A fresh key per render; a re-rendered form keeps the key it was posted with.
        pay_key=values.get("idempotency_key") or str(uuid.uuid4()),
        offline_key=values.get("offline_key") or str(uuid.uuid4()),
        notice=notice(request.query_params.get("done")),
    )


def invoice_form(
    request: Request,
    actor: Actor,
    session: SessionDep,
    ctx: AppContext,
    invoice_id: uuid.UUID,
    failed_form: str,
    values: dict[str, str] | None = None,
    key_field: str = "",
) -> Rerender:
    """The invoice page again with a refused form's messages and what was typed in it.

    A key reused for a different payment (``KeyMismatch``) is dropped so the corrected
    form gets a new one.
    """

    async def again(failure: Failure) -> Response:
        if key_field and values is not None and isinstance(failure.error, idem.KeyMismatch):
            values[key_field] = ""
        return await show_invoice(
            request,
            actor,
            session,
            ctx,
            invoice_id,
            status_code=failure.status,
            errors=failure.errors,
            values=values,
            failed_form=failed_form,
        )

    return again


def _test_mode(ctx: AppContext) -> bool:
    key = ctx.settings.stripe_secret_key
    return key is not None and key.get_secret_value().startswith("sk_test_")


@router.get("/app/invoices/{invoice_id:uuid}")
async def invoice_page(
    invoice_id: uuid.UUID, request: Request, actor: Reader, session: SessionDep, ctx: Context
) -> Response:
    """One invoice: lines, totals, dates, payments, the PDF, and what the caller may do."""
    return await show_invoice(request, actor, session, ctx, invoice_id)


@router.get("/app/invoices/{invoice_id:uuid}/pdf")
async def invoice_pdf(
    invoice_id: uuid.UUID, actor: Reader, session: SessionDep, ctx: Context
) -> Response:
    """The invoice's PDF as a download (the API's access check and renderer)."""
    document = await invoices.pdf_of(session, actor, invoice_id, pdf.company_party(ctx.settings))
    headers = document.headers("attachment")
    return Response(document.data, media_type="application/pdf", headers=headers)


async def take_payment(
    ctx: AppContext, actor: Actor, session: SessionDep, key: str, body: dict[str, Any]
) -> checkout.Answer:
    """``POST /api/payments``'s path: validate, end the read transaction, pay once per key."""
    checked = idem.check_key(key)
    payment = PaymentCreate.model_validate(body)
    await ctx.commit(session)  # checkout runs its own units of work
    return await checkout.pay(ctx, actor, checked, payment)


PAY_FIELDS = {
    "amount_cents": "amount",
    "payment_method": "payment_method",
    "Idempotency-Key": "form",
    "reference": "reference",
    "method": "method",
}


@router.post("/app/invoices/{invoice_id:uuid}/pay")
async def pay_by_card(
    invoice_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: Payer,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """A customer pays (part of) an invoice by card."""
    values = {name: text(form, name) for name in ("amount", "payment_method", "idempotency_key")}

    async def pay() -> checkout.Answer:
        body = {"invoice_id": str(invoice_id), "method": "card", **_card_payment(values)}
        return await take_payment(ctx, actor, session, values["idempotency_key"], body)

    again = invoice_form(
        request, actor, session, ctx, invoice_id, "card", values, "idempotency_key"
    )
    return await submit(ctx, session, pay, done=_paid(invoice_id), failed=again, fields=PAY_FIELDS)


def _card_payment(values: dict[str, str]) -> dict[str, object]:
    """The card payment the form describes, or ``Invalid`` naming what is wrong."""
    errors: Errors = {}
    amount = read_money(values, "amount", errors)
    if not values["payment_method"]:
        errors["payment_method"] = "Enter the card's payment method"
    if errors:
        raise Invalid(errors)
    return {"amount_cents": amount, "payment_method": values["payment_method"]}


def _paid(invoice_id: uuid.UUID) -> Callable[[checkout.Answer], str]:
    """Back to the invoice, with the notice for how the card payment went."""

    def done(answer: checkout.Answer) -> str:
        code = PAID_NOTICE.get(str(answer.body["status"]), "payment-pending")
        return f"/app/invoices/{invoice_id}?done={code}"

    return done
