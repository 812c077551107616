"""The IFTA page (admins): a quarter's miles per state and province, the fuel bought
there, taxable gallons and MPG, for the fleet and each truck, with the CSV and PDF to
file from. Included before the report pages, whose ``/app/reports/{name}`` would match."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from freight.access import Actor, Role
from freight.billing.pdf import Look
from freight.deps import SessionDep
from freight.errors import DomainError
from freight.fleet import console
from freight.identity import organization
from freight.ifta import export, summary
from freight.web.auth import web_role
from freight.web.templating import renderer

router = APIRouter(include_in_schema=False)
Admin = Annotated[Actor, Depends(web_role(Role.ADMIN))]
SHOWN_QUARTERS = 6


def quarters(today: date, count: int = SHOWN_QUARTERS) -> list[str]:
    """This quarter and the ones before it, newest first: ``2026Q4``, ``2026Q3``..."""
    year, q = today.year, (today.month - 1) // 3 + 1
    out = []
    for _ in range(count):
        out.append(f"{year}Q{q}")
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    return out


def _choice(request: Request) -> tuple[str, uuid.UUID | None, str]:
    asked = request.query_params.get("quarter", "")
    offered = quarters(date.today())
    quarter = asked.upper() if asked.upper() in offered else offered[1]  # the last whole one
    raw = request.query_params.get("vehicle_id", "")
    try:
        vehicle = uuid.UUID(raw) if raw else None
    except ValueError:
        vehicle = None
    return quarter, vehicle, raw


@router.get("/app/reports/ifta")
async def ifta_page(request: Request, actor: Admin, session: SessionDep) -> Response:
    """The quarter's summary as tables, with its downloads."""
    quarter, vehicle, raw = _choice(request)
    error, report, status_code = None, None, 200
    try:
        report = await summary.report(session, actor, quarter, vehicle)
    except DomainError as exc:
        error, status_code = exc.detail or "That summary cannot be made.", exc.status
    trucks = await console.vehicles_by_number(session, actor)
    query = f"quarter={quarter}" + (f"&vehicle_id={raw}" if vehicle else "")
    return renderer(request)(
        request,
        "ifta.html",
        actor=actor,
        status_code=status_code,
        report=report,
        error=error,
        quarter=quarter,
        quarters=quarters(date.today()),
        trucks=trucks,
        vehicle_id=raw,
        query=query,
    )


@router.get("/app/reports/ifta/download.{kind}")
async def ifta_file(kind: str, request: Request, actor: Admin, session: SessionDep) -> Response:
    """The summary as CSV or as a PDF on the organisation's paper."""
    quarter, vehicle, _ = _choice(request)
    report = await summary.report(session, actor, quarter, vehicle)
    name = f"ifta-{report.quarter}"
    if kind == "csv":
        body: str | bytes = export.to_csv(report)
        media = "text/csv"
    elif kind == "pdf":
        org = await organization.get(session, actor)
        shown = await organization.presentation(session, actor.organization_id)
        look = Look(shown.paper_size, shown.locale, shown.timezone, shown.units)
        body = await export.render_async(report, org.name, look)
        media = "application/pdf"
    else:
        return Response(status_code=404)
    headers = {"Content-Disposition": f'attachment; filename="{name}.{kind}"'}
    return Response(body, media_type=media, headers=headers)
