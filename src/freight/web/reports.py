"""The report pages: a list of the reports, and each one with its filters, a chart where a
picture helps, the same figures as tables, and its CSV and PDF.

The figures come from ``freight.reports`` (the API's own service), so a page and
``GET /api/reports/{name}`` always agree. Staff read every report; a shipper its own
account's service report only."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from freight import formatting as fmt
from freight.access import Actor, Role
from freight.db import utcnow
from freight.deps import Context, SessionDep
from freight.errors import DomainError
from freight.fleet import service as fleet
from freight.identity import accounts
from freight.reports import export, service
from freight.reports.period import Query
from freight.reports.schemas import Report, ReportName, Table
from freight.web.auth import web_role
from freight.web.report_charts import chart_of
from freight.web.templating import presentation_of, renderer

router = APIRouter(include_in_schema=False)
Reader = Annotated[Actor, Depends(web_role(Role.CUSTOMER, Role.DISPATCHER, Role.ADMIN))]

# name -> (title, what it answers), in the order the list shows them.
REPORTS: dict[str, tuple[str, str]] = {
    "on-time": ("On-time", "Pickups and deliveries against their windows, and how late."),
    "revenue": ("Revenue", "Invoiced revenue by week, and per mile or km."),
    "deadhead": ("Deadhead", "Loaded and empty distance per driver, and plans against greedy."),
    "utilization": ("Utilisation", "Loaded hours and idle days per driver and truck."),
    "lanes": ("Lanes", "Revenue per mile or km by origin and destination region."),
    "detention": ("Detention", "Hours waited beyond the free time, by account and stop."),
    "aging": ("Receivables aging", "What each account owes, by days past due, and DSO."),
    "exceptions": ("Exceptions", "What went wrong on the road, by kind and reason."),
    "service": ("Service", "One account's loads, on-time record, exceptions and spend."),
}
AGING_MONEY = frozenset({"current", "days_1_30", "days_31_60", "days_61_90", "over_90", "total"})
WORDS = {
    "pct": "%",
    "mi": "mi",
    "km": "km",
    "cents": "",
    "id": "",
}


def heading(column: str) -> str:
    """``deadhead_pct`` as ``Deadhead %``, ``revenue_cents`` as ``Revenue``."""
    words = [WORDS.get(w, w) for w in column.split("_")]
    text = " ".join(w for w in words if w).strip()
    return text[:1].upper() + text[1:]


def _cell(column: str, value: Any, row: dict[str, Any], name: str, locale: str) -> str:
    if value is None:
        return "—"
    currency = str(row.get("currency") or "USD")
    if column.endswith("_cents") or (name == "aging" and column in AGING_MONEY):
        return fmt.money(int(value), currency, locale)
    if column.endswith("pct") or column == "pct":
        return f"{fmt.number(float(value), locale, 1)} %"
    if isinstance(value, float):
        return fmt.number(value, locale, 1)
    if isinstance(value, int):
        return fmt.number(value, locale)
    if column == "kind":
        return str(value).replace("_", " ").capitalize()
    return str(value)


def shown(table: Table, name: str, locale: str) -> dict[str, Any]:
    """A table as the page prints it: ids left out, headings in words, figures formatted."""
    keep = [i for i, c in enumerate(table.columns) if c != "id" and not c.endswith("_id")]
    rows = []
    for raw in table.rows:
        by_name = dict(zip(table.columns, raw, strict=True))
        rows.append([_cell(table.columns[i], raw[i], by_name, name, locale) for i in keep])
    return {
        "title": table.title,
        "columns": [heading(table.columns[i]) for i in keep],
        "rows": rows,
    }


def _period(report: Report) -> str:
    """``Sep 8, 2026 to Dec 1, 2026``."""
    first, last = report.filters.from_date, report.filters.to
    return f"{first:%b} {first.day}, {first.year} to {last:%b} {last.day}, {last.year}"


def _query(request: Request) -> tuple[Query, dict[str, str]]:
    """The filters typed in the page's form (bad ones are left for the service to name)."""
    params = request.query_params
    typed = {k: params.get(k, "") for k in ("from", "to", "customer_id", "driver_id")}

    def day(text: str) -> date | None:
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            return None

    def ident(text: str) -> uuid.UUID | None:
        try:
            return uuid.UUID(text) if text else None
        except ValueError:
            return None

    query = Query(
        day(typed["from"]), day(typed["to"]), ident(typed["customer_id"]), ident(typed["driver_id"])
    )
    return query, typed


async def _choices(session: SessionDep, actor: Actor) -> dict[str, list[tuple[str, str]]]:
    if not actor.is_staff:
        return {"customers": [], "drivers": []}
    customers = await accounts.choices(session, actor)
    drivers, _ = await fleet.list_drivers(session, actor, None, 500, None)
    return {
        "customers": sorted(((str(c.id), c.name) for c in customers), key=lambda p: p[1]),
        "drivers": sorted(((str(d.id), d.full_name) for d in drivers), key=lambda p: p[1]),
    }


@router.get("/app/reports")
async def reports_page(request: Request, actor: Reader, session: SessionDep) -> Response:
    """The reports this user may read."""
    names = list(REPORTS) if actor.is_staff else ["service"]
    listed = [(n, *REPORTS[n]) for n in names]
    if actor.role == Role.ADMIN:
        listed.append(("ifta", "IFTA", "Miles and fuel by state and province, per quarter."))
    return renderer(request)(request, "reports.html", actor=actor, reports=listed)


@router.get("/app/reports/{name}")
async def report_page(
    name: ReportName, request: Request, actor: Reader, session: SessionDep
) -> Response:
    """One report over the chosen period, as a chart and tables, with its downloads."""
    query, typed = _query(request)
    shown_in = presentation_of(request)
    report: Report | None = None
    error = None
    status_code = 200
    try:
        report, _ = await service.run(session, actor, name, query)
    except DomainError as exc:
        if exc.status in (401, 403):
            raise
        error, status_code = exc.detail or "That report cannot be made.", exc.status
    downloads = "&".join(f"{k}={v}" for k, v in typed.items() if v)
    return renderer(request)(
        request,
        "report.html",
        actor=actor,
        status_code=status_code,
        name=name,
        title=REPORTS[name][0],
        about=REPORTS[name][1],
        report=report,
        chart=chart_of(report, shown_in.locale) if report else None,
        tables=[shown(t, name, shown_in.locale) for t in report.tables()] if report else [],
        typed=typed,
        error=error,
        downloads=downloads,
        period_words=_period(report) if report else "",
        **await _choices(session, actor),
    )


@router.get("/app/reports/{name}/download.{kind}")
async def report_file(
    name: ReportName,
    kind: str,
    request: Request,
    actor: Reader,
    session: SessionDep,
    ctx: Context,
) -> Response:
    """The report as CSV (its first table) or PDF (all of them), with the page's sign-in."""
    query, _ = _query(request)
    report, ran = await service.run(session, actor, name, query)
    stem = f"{name}-{ran.from_date.isoformat()}-{ran.to_date.isoformat()}"
    if kind == "csv":
        body: str | bytes = export.to_csv(report)
        media = "text/csv"
    elif kind == "pdf":
        company = ctx.settings.company_name
        body = await export.render_async(report, company, ran.paper_size, utcnow())
        media = "application/pdf"
    else:
        return Response(status_code=404)
    headers = {
        "Content-Disposition": f'attachment; filename="{stem}.{kind}"',
        "Cache-Control": "private, no-store",
    }
    return Response(body, media_type=media, headers=headers)
