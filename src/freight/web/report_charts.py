"""Which picture each report gets (the tables under it hold every figure)."""

from __future__ import annotations

from datetime import date

from freight import formatting as fmt
from freight.reports.schemas import (
    AgingReport,
    DeadheadReport,
    DetentionReport,
    ExceptionsReport,
    LanesReport,
    OnTimeReport,
    Report,
    RevenueReport,
    UtilizationReport,
)
from freight.web.charts import Chart, bars, stacked

TOP = 15  # bars at most: a chart is for the biggest, the table has the rest
BUCKET_WORDS = {
    "current": "Not yet due",
    "days_1_30": "1-30 days",
    "days_31_60": "31-60 days",
    "days_61_90": "61-90 days",
    "over_90": "Over 90 days",
}


def _week(day: date) -> str:
    return f"Week of {day:%b} {day.day}"


def _pct(value: float | None, locale: str) -> str:
    return "—" if value is None else f"{fmt.number(value, locale, 1)} %"


def on_time(report: OnTimeReport, locale: str) -> Chart | None:
    rows = [
        (_week(w.week), w.delivery_on_time_pct or 0, _pct(w.delivery_on_time_pct, locale))
        for w in report.weeks
        if w.deliveries
    ]
    return bars(
        "Deliveries on time, by week",
        rows,
        f"Deliveries on time in {len(rows)} weeks; the table below has each week's figures.",
        scale_max=100,
    )


def revenue(report: RevenueReport, locale: str) -> Chart | None:
    rows = [
        (_week(w.week), w.revenue_cents, fmt.money(w.revenue_cents, w.currency, locale))
        for w in report.weeks
    ]
    return bars("Invoiced revenue, by week", rows, "Revenue per week; figures in the table below.")


def deadhead(report: DeadheadReport, locale: str) -> Chart | None:
    unit = report.filters.units
    drivers = sorted(report.drivers, key=lambda r: r.loaded + r.empty, reverse=True)[:TOP]
    rows = [
        (
            r.driver_name,
            r.loaded,
            r.empty,
            f"{fmt.number(r.empty, locale)} {unit} empty ({_pct(r.deadhead_pct, locale)})",
        )
        for r in drivers
    ]
    return stacked(
        f"Loaded and empty {unit} per driver",
        rows,
        ("Loaded", "Empty (deadhead)"),
        "Loaded and empty distance per driver; figures in the table below.",
    )


def utilization(report: UtilizationReport, locale: str) -> Chart | None:
    drivers = sorted(report.drivers, key=lambda r: r.loaded_hours, reverse=True)[:TOP]
    rows = [(r.name, r.loaded_hours, f"{fmt.number(r.loaded_hours, locale)} h") for r in drivers]
    return bars("Loaded hours per driver", rows, "Loaded hours per driver; see the table.")


def lanes(report: LanesReport, locale: str) -> Chart | None:
    unit = report.filters.units
    ranked = [lane for lane in report.lanes if lane.revenue_per_unit_cents is not None]
    ranked = sorted(ranked, key=lambda lane: lane.revenue_per_unit_cents or 0, reverse=True)
    rows = [
        (
            lane.lane,
            lane.revenue_per_unit_cents or 0,
            f"{fmt.money(lane.revenue_per_unit_cents, lane.currency, locale)}/{unit}",
        )
        for lane in ranked[:TOP]
    ]
    return bars(f"Revenue per {unit}, by lane", rows, "Revenue per distance by lane; see table.")


def detention(report: DetentionReport, locale: str) -> Chart | None:
    ranked = sorted(report.customers, key=lambda c: c.detention_hours, reverse=True)[:TOP]
    rows = [
        (c.customer_name, c.detention_hours, f"{fmt.number(c.detention_hours, locale, 1)} h")
        for c in ranked
        if c.detention_hours
    ]
    return bars("Detention hours by account", rows, "Detention hours by account; see table.")


def aging(report: AgingReport, locale: str) -> Chart | None:
    if not report.totals:
        return None
    total = report.totals[0]
    rows = [
        (words, getattr(total, bucket), fmt.money(getattr(total, bucket), total.currency, locale))
        for bucket, words in BUCKET_WORDS.items()
    ]
    return bars(f"Owed in {total.currency}, by days past due", rows, "Receivables by age.")


def exceptions(report: ExceptionsReport, locale: str) -> Chart | None:
    rows = [
        (k.kind.replace("_", " ").capitalize(), k.count, fmt.number(k.count, locale))
        for k in report.kinds
    ]
    return bars("Exceptions by kind", rows, f"{report.total} exceptions; see the table.")


def chart_of(report: Report, locale: str) -> Chart | None:
    """The report's chart, or None (the service report is a few facts, no picture)."""
    if isinstance(report, OnTimeReport):
        return on_time(report, locale)
    if isinstance(report, RevenueReport):
        return revenue(report, locale)
    if isinstance(report, DeadheadReport):
        return deadhead(report, locale)
    if isinstance(report, UtilizationReport):
        return utilization(report, locale)
    if isinstance(report, LanesReport):
        return lanes(report, locale)
    if isinstance(report, DetentionReport):
        return detention(report, locale)
    if isinstance(report, AgingReport):
        return aging(report, locale)
    if isinstance(report, ExceptionsReport):
        return exceptions(report, locale)
    return None
