"""The invoice as a PDF (fpdf2, core fonts), rendered in a worker thread.

The organisation's settings choose the paper (Letter or A4) and how money and dates read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

import anyio
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from freight import formatting
from freight.billing.models import Invoice
from freight.billing.statuses import InvoiceStatus
from freight.settings import Settings

# Column widths of the lines table (mm): 180 mm fits inside 15 mm margins on A4 (210 mm
# wide) and on Letter (215.9 mm).
LM, NX = XPos.LMARGIN, YPos.NEXT
COLUMNS = (
    ("Description", 94, "L"),
    ("Qty", 18, "R"),
    ("Unit", 12, "L"),
    ("Rate", 26, "R"),
    ("Amount", 30, "R"),
)


@dataclass(frozen=True, slots=True)
class Look:
    """How the document reads: the paper, the locale of amounts and dates, the zone."""

    paper_size: str = "letter"
    locale: str = "en-US"
    timezone: str = "America/Chicago"
    units: str = "imperial"  # weights and distances on shipping documents


PAPER = {"letter": "Letter", "a4": "A4"}
# Core fonts are Latin-1: these characters of some locales' amounts have no glyph there.
PDF_SAFE = str.maketrans({"€": "EUR", "\u202f": " "})


@dataclass(frozen=True)
class Party:
    """A block of name and address lines."""

    name: str
    lines: list[str]


def latin1(text: str) -> str:
    # Core PDF fonts cover Latin-1; anything else becomes '?', never an error.
    text = text.translate(PDF_SAFE)
    return text.encode("latin-1", errors="replace").decode("latin-1")


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """Shorten ``text`` with an ellipsis so it stays inside its column."""
    text = latin1(text)
    if pdf.get_string_width(text) <= width - 2:
        return text
    while text and pdf.get_string_width(text + "...") > width - 2:
        text = text[:-1]
    return text + "..."


def _date(value: datetime | None, look: Look) -> str:
    return formatting.day(value, look.timezone, look.locale) if value else "-"


def company_party(settings: Settings) -> Party:
    """The issuing company, from settings."""
    lines = [line.strip() for line in settings.company_address.replace("\\n", "\n").split("\n")]
    lines = [line for line in lines if line]
    for label, value in (("Email", settings.company_email), ("Phone", settings.company_phone)):
        if value:
            lines.append(f"{label}: {value}")
    if settings.company_tax_id:
        lines.append(f"Tax ID: {settings.company_tax_id}")
    return Party(settings.company_name, lines)


class _Document(FPDF):
    """The PDF with the look it is rendered in."""

    def __init__(self, look: Look) -> None:
        super().__init__(format=PAPER.get(look.paper_size, "Letter"))
        self.look = look

    def money(self, invoice: Invoice, cents: int) -> str:
        return formatting.money(cents, invoice.currency, self.look.locale)


def render(invoice: Invoice, company: Party, bill_to: Party, look: Look | None = None) -> bytes:
    """The invoice document (blocking: call through ``render_async``)."""
    pdf = _Document(look or Look())
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(latin1(f"Invoice {invoice.number}"))
    pdf.set_author(latin1(company.name))
    pdf.add_page()
    _header(pdf, invoice, company)
    _bill_to(pdf, invoice, bill_to)
    _line_table(pdf, invoice)
    _totals(pdf, invoice)
    _terms(pdf, invoice)
    return bytes(pdf.output())


def _header(pdf: _Document, invoice: Invoice, company: Party) -> None:
    """The company, the INVOICE title and the invoice facts beside them."""
    pdf.set_font("helvetica", "B", 16)
    pdf.cell(110, 8, latin1(company.name))
    pdf.set_font("helvetica", "B", 20)
    pdf.cell(70, 8, "INVOICE", align="R", new_x=LM, new_y=NX)
    pdf.set_font("helvetica", "", 9)
    top = pdf.get_y()
    for line in company.lines:
        pdf.cell(110, 4.5, latin1(line), new_x=LM, new_y=NX)
    left_bottom = pdf.get_y()
    pdf.set_xy(125, top + 1)
    facts = [
        ("Number", invoice.number),
        ("Status", invoice.status.replace("_", " ").upper()),
        ("Issued", _date(invoice.issued_at, pdf.look)),
        ("Due", _date(invoice.due_at, pdf.look)),
        ("Terms", f"Net {invoice.terms_days} days"),
    ]
    for label, value in facts:
        pdf.set_x(125)
        pdf.set_font("helvetica", "B", 9)
        pdf.cell(22, 5, label)
        pdf.set_font("helvetica", "", 9)
        pdf.cell(48, 5, latin1(value), align="R", new_x=LM, new_y=NX)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 6)


def _bill_to(pdf: _Document, invoice: Invoice, bill_to: Party) -> None:
    """Who is billed, and for which shipments."""
    pdf.set_font("helvetica", "B", 10)
    pdf.cell(0, 5, "Bill to", new_x=LM, new_y=NX)
    pdf.set_font("helvetica", "", 9)
    pdf.cell(0, 5, latin1(bill_to.name), new_x=LM, new_y=NX)
    for line in bill_to.lines:
        pdf.cell(0, 4.5, latin1(line), new_x=LM, new_y=NX)
    pdf.ln(3)
    pdf.set_font("helvetica", "B", 9)
    pdf.cell(28, 5, "Shipments")
    pdf.set_font("helvetica", "", 9)
    pdf.multi_cell(0, 5, latin1(", ".join(invoice.shipment_references)), new_x=LM, new_y=NX)
    pdf.ln(4)


def _line_table(pdf: _Document, invoice: Invoice) -> None:
    """One row per invoice line."""
    pdf.set_fill_color(235, 238, 242)
    pdf.set_font("helvetica", "B", 9)
    for title, width, align in COLUMNS:
        pdf.cell(width, 7, title, border="B", align=align, fill=True)
    pdf.ln(7)
    pdf.set_font("helvetica", "", 8.5)
    for item in invoice.lines:
        cells = (
            item.description,
            item.quantity,
            item.unit,
            pdf.money(invoice, item.unit_price_cents),
            pdf.money(invoice, item.amount_cents),
        )
        height = 6
        for (_, width, align), text in zip(COLUMNS, cells, strict=True):
            pdf.cell(width, height, _fit(pdf, text, width), align=align, border="B")
        pdf.ln(height)


def _totals(pdf: _Document, invoice: Invoice) -> None:
    """Subtotal, tax, total, paid and the balance due."""
    pdf.ln(3)
    rate = f"{invoice.tax_rate_bp / 100:.2f}%"
    rows = [
        ("Subtotal", invoice.subtotal_cents),
        (f"Tax ({rate} of subtotal)", invoice.tax_cents),
        ("Total", invoice.total_cents),
        ("Paid", invoice.paid_cents),
        (
            "Balance due",
            0 if invoice.status == InvoiceStatus.VOID else invoice.total_cents - invoice.paid_cents,
        ),
    ]
    for label, cents in rows:
        bold = label in ("Total", "Balance due")
        pdf.set_font("helvetica", "B" if bold else "", 10 if bold else 9)
        pdf.set_x(105)
        pdf.cell(50, 6, label, align="R")
        pdf.cell(40, 6, pdf.money(invoice, cents), align="R", new_x=LM, new_y=NX)


def _terms(pdf: _Document, invoice: Invoice) -> None:
    """The payment terms, and the VOID stamp when voided."""
    pdf.ln(6)
    pdf.set_font("helvetica", "B", 9)
    pdf.cell(0, 5, "Terms", new_x=LM, new_y=NX)
    pdf.set_font("helvetica", "", 8.5)
    terms = invoice.terms or (
        f"Payment is due within {invoice.terms_days} days of the invoice date. "
        "Please quote the invoice number with your payment."
    )
    pdf.multi_cell(0, 4.5, latin1(terms), new_x=LM, new_y=NX)
    if invoice.status == InvoiceStatus.VOID:
        pdf.set_font("helvetica", "B", 12)
        pdf.set_text_color(190, 30, 30)
        pdf.cell(0, 8, latin1(f"VOID: {invoice.void_reason or ''}"), new_x=LM, new_y=NX)


async def render_async(
    invoice: Invoice, company: Party, bill_to: Party, look: Look | None = None
) -> bytes:
    """Render in a worker thread (anyio's bounded default pool), off the event loop."""
    return await anyio.to_thread.run_sync(partial(render, invoice, company, bill_to, look))
