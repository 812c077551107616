"""Routes for rates, quotes, invoices and their PDF."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from freight.access import Actor, Role
from freight.billing import invoices, ledger, pdf, rates
from freight.billing.schemas import (
    AgingRead,
    InvoiceCreate,
    InvoicePage,
    InvoiceRead,
    LineRead,
    QuoteRead,
    QuoteRequest,
    RateCardIn,
    RateCardRead,
    VoidRequest,
)
from freight.billing.statuses import InvoiceStatus
from freight.deps import (
    DEFAULT_LIMIT,
    Admin,
    Context,
    Cursor,
    Limit,
    SessionDep,
    Staff,
    require_role,
)
from freight.identity import accounts
from freight.openapi import problems
from freight.routing.router import route_unlocked
from freight.shipments.schemas import ShipmentList, ShipmentRead

router = APIRouter(tags=["billing"])

Reader = Annotated[Actor, Depends(require_role(Role.ADMIN, Role.DISPATCHER, Role.CUSTOMER))]


@router.get("/api/billing/rates", responses=problems(409))
async def get_rates(actor: Staff, session: SessionDep) -> RateCardRead:
    """The organisation's rates and billing settings."""
    return RateCardRead.model_validate(await rates.require_card(session, actor))


@router.put("/api/billing/rates")
async def put_rates(
    body: RateCardIn, actor: Admin, session: SessionDep, ctx: Context
) -> RateCardRead:
    """Set the organisation's rates, tax, detention terms and the auto-invoice switch."""
    card = await rates.put_card(session, actor, body)
    await ctx.commit(session)
    return RateCardRead.model_validate(card)


@router.post("/api/quotes", responses=problems(409))
async def quote(body: QuoteRequest, actor: Reader, session: SessionDep, ctx: Context) -> QuoteRead:
    """Price a prospective shipment, line by line, from the organisation's rates.

    The distance is the configured router's; ``distance_source`` says which (``estimate``:
    great-circle km x the road factor, when no routing server is configured or it failed).
    """
    route = await route_unlocked(session, ctx.router, body.stops)  # before any lock is taken
    card, charge, lines = await rates.quote(session, actor, body, route)
    subtotal, tax, total = rates.totals(lines, card.tax_rate_bp)
    return QuoteRead(
        currency=card.currency,
        equipment_type=body.equipment_type,
        distance_km=charge.distance_km,
        distance_source=charge.distance_source,
        duration_s=route.duration_s,
        lines=[LineRead.model_validate(line) for line in lines],
        price_cents=charge.price_cents,
        subtotal_cents=subtotal,
        tax_rate_bp=card.tax_rate_bp,
        tax_cents=tax,
        total_cents=total,
        detention_free_minutes=card.detention_free_minutes,
        detention_hourly_cents=card.detention_hourly_cents,
    )


@router.get("/api/invoices")
async def list_invoices(
    actor: Reader,
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    status_: Annotated[InvoiceStatus | None, Query(alias="status")] = None,
    customer_id: uuid.UUID | None = None,
    overdue: Annotated[bool, Query(description="only open invoices past due")] = False,
) -> InvoicePage:
    """Invoices, newest first (a customer: their account's, once issued)."""
    rows, next_cursor = await ledger.list_page(
        session, actor, limit, cursor, status_, customer_id, overdue=overdue
    )
    return InvoicePage(items=[ledger.to_read(i) for i in rows], next_cursor=next_cursor)


@router.get("/api/invoices/uninvoiced")
async def uninvoiced_shipments(
    customer_id: uuid.UUID, actor: Admin, session: SessionDep
) -> ShipmentList:
    """The account's delivered shipments on no live invoice yet (what a new invoice can bill)."""
    await accounts.get(session, actor, customer_id)  # 404 for another organisation's account
    rows = await invoices.uninvoiced(session, actor, customer_id)
    return ShipmentList(items=[ShipmentRead.model_validate(s) for s in rows])


@router.post("/api/invoices", status_code=status.HTTP_201_CREATED, responses=problems(409))
async def create_invoice(
    body: InvoiceCreate, actor: Admin, session: SessionDep, ctx: Context, response: Response
) -> InvoiceRead:
    """A draft invoice for delivered shipments of one account."""
    invoice = await invoices.create(session, actor, body.customer_id, body.shipment_ids)
    await ctx.commit(session)
    response.headers["Location"] = f"/api/invoices/{invoice.id}"
    return ledger.to_read(invoice)


@router.get("/api/invoices/aging")
async def aging(actor: Reader, session: SessionDep, as_of: date | None = None) -> AgingRead:
    """Open balances by account: current, 1-30, 31-60, 61-90 and over 90 days past due."""
    return await ledger.aging(session, actor, as_of)


@router.get("/api/invoices/{invoice_id}")
async def get_invoice(invoice_id: uuid.UUID, actor: Reader, session: SessionDep) -> InvoiceRead:
    """One invoice with its lines."""
    return ledger.to_read(await ledger.get_visible(session, actor, invoice_id))


@router.get(
    "/api/invoices/{invoice_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def invoice_pdf(
    invoice_id: uuid.UUID, actor: Reader, session: SessionDep, ctx: Context
) -> Response:
    """The invoice as a PDF."""
    document = await invoices.pdf_of(session, actor, invoice_id, pdf.company_party(ctx.settings))
    return Response(document.data, media_type="application/pdf", headers=document.headers("inline"))


@router.post("/api/invoices/{invoice_id}/issue", responses=problems(409))
async def issue_invoice(
    invoice_id: uuid.UUID, actor: Admin, session: SessionDep, ctx: Context
) -> InvoiceRead:
    """draft -> issued, due after the account's payment terms."""
    invoice = await invoices.issue(session, actor, invoice_id)
    await ctx.commit(session)
    return ledger.to_read(invoice)


@router.post("/api/invoices/{invoice_id}/void", responses=problems(409))
async def void_invoice(
    invoice_id: uuid.UUID, body: VoidRequest, actor: Admin, session: SessionDep, ctx: Context
) -> InvoiceRead:
    """Void an invoice with nothing paid on it; its shipments may be invoiced again."""
    invoice = await invoices.void(session, actor, invoice_id, body.reason)
    await ctx.commit(session)
    return ledger.to_read(invoice)
