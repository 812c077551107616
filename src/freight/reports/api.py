"""The reports route: one report by name, as JSON, CSV or PDF."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from freight.access import Actor, Role
from freight.db import utcnow
from freight.deps import Context, SessionDep, require_role
from freight.openapi import problems
from freight.reports import export, period, service
from freight.reports.schemas import AnyReport, ReportName
from freight.schema import EquipmentType

router = APIRouter(tags=["reports"])

Reader = Annotated[Actor, Depends(require_role(Role.ADMIN, Role.DISPATCHER, Role.CUSTOMER))]
FILES = {"text/csv": {"schema": {"type": "string"}}, "application/pdf": {}}


@router.get(
    "/api/reports/{name}",
    response_model=AnyReport,
    responses={200: {"content": FILES}, **problems(403, 404)},
)
async def report(
    name: ReportName,
    actor: Reader,
    session: SessionDep,
    ctx: Context,
    from_date: Annotated[
        date | None,
        Query(alias="from", description="first day, in the organisation's zone (12 weeks ago)"),
    ] = None,
    to: Annotated[date | None, Query(description="last day, inclusive (today)")] = None,
    customer_id: uuid.UUID | None = None,
    driver_id: uuid.UUID | None = None,
    equipment: EquipmentType | None = None,
    format: Literal["json", "csv", "pdf"] = "json",
) -> Any:
    """A report over the period: on-time, revenue, deadhead, utilization, lanes,
    detention, aging, exceptions (dispatchers and admins), or service (also a shipper's
    own account). ``format=csv`` is the first table; ``format=pdf`` all of them."""
    query = period.Query(from_date, to, customer_id, driver_id, equipment)
    result, ran = await service.run(session, actor, name, query)
    if format == "json":
        return result
    stem = f"{name}-{ran.from_date.isoformat()}-{ran.to_date.isoformat()}"
    if format == "csv":
        body: str | bytes = export.to_csv(result)
        media = "text/csv"
    else:
        body = await export.render_async(
            result, ctx.settings.company_name, ran.paper_size, utcnow()
        )
        media = "application/pdf"
    headers = {
        "Content-Disposition": f'attachment; filename="{stem}.{format}"',
        "Cache-Control": "private, no-store",
    }
    return Response(body, media_type=media, headers=headers)
