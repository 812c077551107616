"""Any report as CSV (its first table, with a header row) or as a PDF (every table) on
the organisation's paper, in the invoice's style (fpdf2 core fonts)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from functools import partial

import anyio
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from freight.billing.pdf import PAPER, latin1
from freight.reports.schemas import Cell, Report, Table

LM, NX = XPos.LMARGIN, YPos.NEXT
WIDTH = 180.0  # mm inside 15 mm margins on Letter and A4
# A cell starting with one of these is run as a formula by spreadsheet programs
# (OWASP "CSV injection"); customer and stop names are typed by people.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Cell) -> Cell:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return f"'{value}"
    return "" if value is None else value


def to_csv(report: Report) -> str:
    """The report's first table as CSV."""
    table = report.tables()[0]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    writer.writerows([_cell(v) for v in row] for row in table.rows)
    return out.getvalue()


def _text(value: Cell) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    text = latin1(text)
    while text and pdf.get_string_width(text) > width - 1.5:
        text = text[:-1]
    return text


def _table(pdf: FPDF, table: Table) -> None:
    pdf.ln(3)
    pdf.set_font("helvetica", "B", 10)
    pdf.cell(0, 6, latin1(table.title), new_x=LM, new_y=NX)
    width = WIDTH / max(1, len(table.columns))
    pdf.set_fill_color(235, 238, 242)
    pdf.set_font("helvetica", "B", 7.5)
    for title in table.columns:
        pdf.cell(width, 6, _fit(pdf, title.replace("_", " "), width), border="B", fill=True)
    pdf.ln(6)
    pdf.set_font("helvetica", "", 8)
    if not table.rows:
        pdf.cell(0, 6, "No data in this period.", new_x=LM, new_y=NX)
    for row in table.rows:
        for value in row:
            align = "L" if isinstance(value, str) else "R"
            pdf.cell(width, 5.5, _fit(pdf, _text(value), width), border="B", align=align)
        pdf.ln(5.5)


def render(report: Report, company: str, paper_size: str, made_at: datetime) -> bytes:
    """The report as a PDF (blocking: call through ``render_async``)."""
    pdf = FPDF(format=PAPER.get(paper_size, "Letter"))
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(latin1(report.title))
    pdf.set_author(latin1(company))
    pdf.set_creation_date(made_at)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 15)
    pdf.cell(0, 8, latin1(report.title), new_x=LM, new_y=NX)
    pdf.set_font("helvetica", "", 9)
    pdf.cell(0, 5, latin1(company), new_x=LM, new_y=NX)
    f = report.filters
    shown = [
        f"Period: {f.from_date.isoformat()} to {f.to.isoformat()} ({f.timezone})",
        f"Distances in {f.units}",
    ]
    for label, value in (
        ("Customer", f.customer_id),
        ("Driver", f.driver_id),
        ("Equipment", f.equipment),
    ):
        if value is not None:
            shown.append(f"{label}: {value}")
    pdf.multi_cell(0, 5, latin1("   ".join(shown)), new_x=LM, new_y=NX)
    for table in report.tables():
        _table(pdf, table)
    return bytes(pdf.output())


async def render_async(report: Report, company: str, paper_size: str, made_at: datetime) -> bytes:
    """Render in a worker thread, off the event loop."""
    return await anyio.to_thread.run_sync(partial(render, report, company, paper_size, made_at))
