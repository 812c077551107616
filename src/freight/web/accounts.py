"""The shipper accounts pages (dispatchers and admins): the list with the form to open
one, and an account's page: its billing details and terms (editable), its users, its
latest shipments and its invoices.

Writes go through ``identity.accounts``, which records ``customer.*`` events.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from freight.access import Actor, Role
from freight.billing import ledger
from freight.deps import Context, SessionDep
from freight.identity import accounts
from freight.identity.schemas import CustomerCreate, CustomerUpdate
from freight.shipments import queries
from freight.web.admin_forms import Errors, notice, parse_money
from freight.web.auth import CsrfForm, text, web_role
from freight.web.forms import Failure, Invalid, Rerender, said, submit
from freight.web.templating import renderer

router = APIRouter(include_in_schema=False)

Staff = Annotated[Actor, Depends(web_role(Role.DISPATCHER, Role.ADMIN))]
TEXT = (
    "name",
    "billing_email",
    "notification_emails",
    "phone",
    "billing_address",
    "payment_terms_days",
    "credit_limit",
)
FIELDS = {f: f for f in TEXT} | {"credit_limit_cents": "credit_limit"}
MESSAGES = {
    "name": "Enter the company's name",
    "billing_email": "Enter the email invoices go to, such as ap@globex.example",
    "notification_emails": "Enter up to 10 addresses such as ops@globex.example, "
    "separated by commas",
    "phone": "Enter a phone number of at most 40 characters",
    "billing_address": "Enter an address of at most 500 characters",
    "payment_terms_days": "Enter the payment terms in days, from 0 to 365",
}
LATEST = 50
Show = Callable[[int, Errors], Awaitable[Response]]


def _values(form: Any) -> dict[str, str]:
    return {name: text(form, name) for name in TEXT}


def _body(values: dict[str, str]) -> dict[str, Any]:
    """The ``CustomerCreate`` / ``CustomerUpdate`` body (the credit limit in cents)."""
    body: dict[str, Any] = {n: values[n] or None for n in TEXT if n != "credit_limit"}
    body["name"], body["billing_email"] = values["name"], values["billing_email"]
    body["payment_terms_days"] = values["payment_terms_days"] or "30"
    contacts = values["notification_emails"].replace(";", ",").replace("\n", ",")
    body["notification_emails"] = [a.strip() for a in contacts.split(",") if a.strip()]
    limit = values["credit_limit"]
    try:
        body["credit_limit_cents"] = parse_money(limit) if limit else None
    except ValueError:
        message = "Enter an amount such as 25,000.00, or leave it empty"
        raise Invalid({"credit_limit": message}) from None
    return body


def _again(show: Show) -> Rerender:
    async def again(failure: Failure) -> Response:
        return await show(failure.status, dict(failure.errors))

    return said(MESSAGES, again)


async def _list_page(
    request: Request,
    actor: Actor,
    session: SessionDep,
    *,
    status_code: int = 200,
    errors: Errors | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    found = await accounts.choices(session, actor)
    return renderer(request)(
        request,
        "accounts.html",
        actor=actor,
        status_code=status_code,
        accounts=found,
        errors=errors or {},
        values=values or {"payment_terms_days": "30"},
        notice=notice(request.query_params.get("done")),
    )


@router.get("/app/accounts")
async def accounts_page(request: Request, actor: Staff, session: SessionDep) -> Response:
    """Every shipper account by name, and the form to open one."""
    return await _list_page(request, actor, session)


@router.post("/app/accounts")
async def open_account(
    request: Request, form: CsrfForm, actor: Staff, session: SessionDep, ctx: Context
) -> Response:
    """Open a shipper account."""
    values = _values(form)

    async def add() -> Any:
        return await accounts.create(session, actor, CustomerCreate.model_validate(_body(values)))

    async def show(status: int, errors: Errors) -> Response:
        return await _list_page(
            request, actor, session, status_code=status, errors=errors, values=values
        )

    return await submit(
        ctx,
        session,
        add,
        done=lambda c: f"/app/accounts/{c.id}?done=account-created",
        failed=_again(show),
        fields=FIELDS,
    )


def _values_of(customer: Any) -> dict[str, str]:
    limit = customer.credit_limit_cents
    return {
        "name": customer.name,
        "billing_email": customer.billing_email,
        "notification_emails": ", ".join(customer.notification_emails or []),
        "phone": customer.phone or "",
        "billing_address": customer.billing_address or "",
        "payment_terms_days": str(customer.payment_terms_days),
        "credit_limit": "" if limit is None else f"{limit / 100:.2f}",
    }


async def _account_page(
    request: Request,
    actor: Actor,
    session: SessionDep,
    customer_id: uuid.UUID,
    *,
    status_code: int = 200,
    errors: Errors | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    customer = await accounts.get(session, actor, customer_id)
    filters = queries.ShipmentFilters(customer_id=customer_id)
    shipments, more_shipments = await queries.list_page(session, actor, filters, LATEST, None)
    invoices, more_invoices = await ledger.list_page(
        session, actor, LATEST, None, customer_id=customer_id
    )
    return renderer(request)(
        request,
        "account.html",
        actor=actor,
        status_code=status_code,
        customer=customer,
        users=await accounts.users_of(session, actor, customer_id),
        shipments=shipments,
        more_shipments=more_shipments is not None,
        invoices=[ledger.to_read(i) for i in invoices],
        more_invoices=more_invoices is not None,
        errors=errors or {},
        values=values or _values_of(customer),
        notice=notice(request.query_params.get("done")),
    )


@router.get("/app/accounts/{customer_id:uuid}")
async def account_page(
    customer_id: uuid.UUID, request: Request, actor: Staff, session: SessionDep
) -> Response:
    """One shipper account: billing details, users, shipments and invoices."""
    return await _account_page(request, actor, session, customer_id)


@router.post("/app/accounts/{customer_id:uuid}")
async def edit_account(
    customer_id: uuid.UUID,
    request: Request,
    form: CsrfForm,
    actor: Staff,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """Save an account's billing details and terms."""
    values = _values(form)

    async def edit() -> Any:
        body = CustomerUpdate.model_validate(_body(values))
        return await accounts.update(session, actor, customer_id, body)

    async def show(status: int, errors: Errors) -> Response:
        return await _account_page(
            request, actor, session, customer_id, status_code=status, errors=errors, values=values
        )

    return await submit(
        ctx,
        session,
        edit,
        done=f"/app/accounts/{customer_id}?done=account-updated",
        failed=_again(show),
        fields=FIELDS,
        error_page=(404,),
    )
