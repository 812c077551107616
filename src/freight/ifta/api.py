"""Routes for fuel purchases and the IFTA quarterly summary.

``GET /api/reports/ifta`` is a fixed path under the reports' ``/api/reports/{name}``: the
app includes this router before the reports router, so this route is matched first.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status
from starlette.responses import Response

from freight.billing.pdf import Look
from freight.deps import Admin, Context, SessionDep, Staff
from freight.identity import organization
from freight.ifta import export, fuel_import, service, summary
from freight.ifta.schemas import (
    FuelPurchaseCreate,
    FuelPurchaseList,
    FuelPurchaseRead,
    IftaReport,
    Quarter,
)
from freight.imports import upload
from freight.imports.api import UPLOAD_FORM
from freight.imports.schemas import ImportResult
from freight.openapi import problems

fuel = APIRouter(prefix="/api/fuel-purchases", tags=["ifta"])
reports = APIRouter(prefix="/api/reports", tags=["ifta"])

QuarterQuery = Annotated[Quarter, Query(description="a calendar quarter, e.g. 2026Q4")]
VehicleQuery = Annotated[uuid.UUID | None, Query(description="one truck only")]
Format = Literal["json", "csv", "pdf"]
FILE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "content": {"text/csv": {}, "application/pdf": {}},
        "description": "the summary (JSON, or CSV / PDF with format=csv|pdf)",
    }
}


@fuel.post("", status_code=status.HTTP_201_CREATED)
async def create_fuel_purchase(
    body: FuelPurchaseCreate, actor: Staff, session: SessionDep, ctx: Context
) -> FuelPurchaseRead:
    """Enter a fuel receipt of one truck (a 422 names the field at fault)."""
    purchase = await service.create(session, actor, body)
    await ctx.commit(session)
    return FuelPurchaseRead.model_validate(purchase)


@fuel.get("")
async def list_fuel_purchases(
    actor: Staff,
    session: SessionDep,
    quarter: Annotated[Quarter | None, Query(description="e.g. 2026Q4")] = None,
    vehicle_id: VehicleQuery = None,
) -> FuelPurchaseList:
    """The fuel receipts of a quarter (without one: the newest 5,000), oldest first."""
    period = await service.quarter_for(session, actor, quarter) if quarter else None
    rows = await service.listed(session, actor, period, vehicle_id)
    return FuelPurchaseList(items=[FuelPurchaseRead.model_validate(r) for r in rows])


@fuel.post("/import", openapi_extra=UPLOAD_FORM, responses=problems(413))
async def import_fuel_purchases(
    request: Request,
    actor: Staff,
    session: SessionDep,
    ctx: Context,
    dry_run: Annotated[bool, Query(description="true: check every row and write nothing")] = False,
) -> ImportResult:
    """Import fuel receipts from CSV: columns ``vehicle`` (the truck's number),
    ``purchased_at``, ``jurisdiction``, ``quantity`` (required), ``unit`` (gal or L),
    ``amount`` (e.g. 412.50), ``currency``, ``vendor``, ``receipt_ref``. Errors come per row
    and column; a truck's receipt already entered is skipped."""
    form = await upload.read_form(request)
    try:
        file = upload.csv_file(form)
        return await fuel_import.run(
            session,
            actor,
            file.file,
            dry_run=dry_run,
            commit=ctx.commit,
            max_bytes=ctx.settings.import_max_file_bytes,
        )
    finally:
        await form.close()


@reports.get("/ifta", response_model=IftaReport, responses=FILE_RESPONSES)
async def ifta_report(
    actor: Admin,
    session: SessionDep,
    quarter: QuarterQuery,
    vehicle_id: VehicleQuery = None,
    format: Annotated[Format, Query(description="json (default), csv or pdf")] = "json",
) -> IftaReport | Response:
    """The quarter's IFTA summary: miles per US state and Canadian province from the GPS
    track, fuel bought there, taxable gallons and MPG, for the fleet and per truck."""
    report = await summary.report(session, actor, quarter, vehicle_id)
    name = f"ifta-{report.quarter}"
    if format == "csv":
        headers = {"Content-Disposition": f'attachment; filename="{name}.csv"'}
        return Response(export.to_csv(report), media_type="text/csv", headers=headers)
    if format == "pdf":
        org = await organization.get(session, actor)
        shown = await organization.presentation(session, actor.organization_id)
        look = Look(shown.paper_size, shown.locale, shown.timezone, shown.units)
        document = await export.render_async(report, org.name, look)
        headers = {"Content-Disposition": f'attachment; filename="{name}.pdf"'}
        return Response(document, media_type="application/pdf", headers=headers)
    return report
