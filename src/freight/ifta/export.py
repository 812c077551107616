"""The IFTA summary as CSV (one header row, one line per jurisdiction) and as a PDF on the
organisation's paper (fpdf2 core fonts, rendered in a worker thread)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import anyio
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from freight import formatting
from freight.billing.pdf import PAPER, Look, latin1
from freight.ifta.schemas import IftaReport, JurisdictionLine

HEADER = (
    "scope",
    "vehicle_number",
    "jurisdiction",
    "name",
    "ifta_member",
    "miles",
    "taxable_gallons",
    "gallons_purchased",
    "net_taxable_gallons",
    "mpg",
)
LM, NX = XPos.LMARGIN, YPos.NEXT
# Columns of the PDF's tables (mm): 180 mm fits inside 15 mm margins on A4 and Letter.
TABLE = (
    ("Jurisdiction", 52, "L"),
    ("Miles", 24, "R"),
    ("Taxable gal", 26, "R"),
    ("Purchased gal", 28, "R"),
    ("Net taxable gal", 28, "R"),
    ("MPG", 22, "R"),
)
_RENDERERS = anyio.CapacityLimiter(2)


def _blank(value: float | None) -> float | str:
    return "" if value is None else value


def _csv_line(scope: str, number: str, line: JurisdictionLine) -> list[object]:
    return [
        scope,
        number,
        line.jurisdiction,
        line.name,
        "true" if line.ifta_member else "false",
        line.miles,
        _blank(line.taxable_gallons),
        line.gallons_purchased,
        _blank(line.net_taxable_gallons),
        _blank(line.mpg),
    ]


def _csv_rows(report: IftaReport) -> Iterator[list[object]]:
    yield list(HEADER)
    for line in report.jurisdictions:
        yield _csv_line("fleet", "", line)
    yield ["fleet", "", "TOTAL", "", "", report.miles, "", report.gallons, "", _blank(report.mpg)]
    for truck in report.trucks:
        for line in truck.jurisdictions:
            yield _csv_line("truck", truck.number, line)
        total = ["truck", truck.number, "TOTAL", "", "", truck.miles, "", truck.gallons, ""]
        yield [*total, _blank(truck.mpg)]


def to_csv(report: IftaReport) -> str:
    """The summary as CSV text: the fleet's lines and total, then each truck's."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(_csv_rows(report))
    return out.getvalue()


def _number(value: float | None, look: Look, decimals: int) -> str:
    return "-" if value is None else formatting.number(value, look.locale, decimals)


def _table(pdf: FPDF, lines: list[JurisdictionLine], look: Look) -> None:
    pdf.set_font("helvetica", "B", 8.5)
    pdf.set_fill_color(235, 238, 242)
    for title, width, align in TABLE:
        pdf.cell(width, 6, title, align=align, fill=True)
    pdf.ln(6)
    pdf.set_font("helvetica", "", 8.5)
    for line in lines:
        name = f"{line.jurisdiction} {line.name}" + ("" if line.ifta_member else " *")
        values = (
            name,
            _number(line.miles, look, 1),
            _number(line.taxable_gallons, look, 2),
            _number(line.gallons_purchased, look, 2),
            _number(line.net_taxable_gallons, look, 2),
            _number(line.mpg, look, 2),
        )
        for (_, width, align), value in zip(TABLE, values, strict=True):
            pdf.cell(width, 5, latin1(value), align=align)
        pdf.ln(5)


def _totals(pdf: FPDF, miles: float, gallons: float, mpg: float | None, look: Look) -> None:
    pdf.set_font("helvetica", "B", 9)
    text = (
        f"Total miles {_number(miles, look, 1)}   Gallons purchased "
        f"{_number(gallons, look, 2)}   MPG {_number(mpg, look, 2)}"
    )
    pdf.cell(0, 6, latin1(text), new_x=LM, new_y=NX)
    pdf.ln(2)


def render(report: IftaReport, organization: str, look: Look) -> bytes:
    """The summary as a PDF (blocking: call through ``render_async``)."""
    pdf = FPDF(format=PAPER.get(look.paper_size, "Letter"))
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(latin1(f"IFTA summary {report.quarter}"))
    pdf.set_author(latin1(organization))
    pdf.set_creation_date(report.end)  # the same facts make the same bytes
    pdf.add_page()
    pdf.set_font("helvetica", "B", 15)
    pdf.cell(0, 8, latin1(f"IFTA quarterly summary {report.quarter}"), new_x=LM, new_y=NX)
    pdf.set_font("helvetica", "", 9)
    span = f"{formatting.day(report.start, look.timezone, look.locale)} to before "
    span += formatting.day(report.end, look.timezone, look.locale)
    pdf.cell(0, 5, latin1(f"{organization} - {span}"), new_x=LM, new_y=NX)
    pdf.cell(0, 5, "* not an IFTA member jurisdiction", new_x=LM, new_y=NX)
    pdf.ln(3)
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(0, 7, "Fleet", new_x=LM, new_y=NX)
    _table(pdf, report.jurisdictions, look)
    _totals(pdf, report.miles, report.gallons, report.mpg, look)
    for truck in report.trucks:
        pdf.set_font("helvetica", "B", 11)
        pdf.cell(0, 7, latin1(f"Truck {truck.number}"), new_x=LM, new_y=NX)
        _table(pdf, truck.jurisdictions, look)
        _totals(pdf, truck.miles, truck.gallons, truck.mpg, look)
    return bytes(pdf.output())


async def render_async(report: IftaReport, organization: str, look: Look) -> bytes:
    """``render`` in a worker thread (at most two at once)."""
    return await anyio.to_thread.run_sync(render, report, organization, look, limiter=_RENDERERS)
