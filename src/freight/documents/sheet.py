"""What every shipping document shares: the paper, a title block, labelled facts, party
boxes, the reference as a Code128 barcode and a QR code (drawn by python-barcode and
segno, placed as images by fpdf2).

A document made twice from the same facts is the same bytes (its creation date is the
facts' time, not the clock), so its sha256 names its content.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

import barcode
import segno
from barcode.writer import ImageWriter
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from freight import formatting
from freight.billing.pdf import PAPER, Look, Party, latin1

LM, NX = XPos.LMARGIN, YPos.NEXT
RIGHT, TOP = XPos.RIGHT, YPos.TOP


def code128_png(value: str) -> bytes:
    """The value as a Code128 barcode image, without the human-readable line."""
    out = io.BytesIO()
    drawn = barcode.get("code128", value, writer=ImageWriter())
    drawn.write(out, {"module_height": 9.0, "quiet_zone": 4.0, "write_text": False, "dpi": 300})
    return out.getvalue()


def qr_png(value: str) -> bytes:
    """The value (a link) as a QR code image."""
    out = io.BytesIO()
    segno.make(value, error="m").save(out, kind="png", scale=8, border=2)
    return out.getvalue()


class Sheet(FPDF):
    """A document on the organisation's paper, with the helpers the documents use."""

    def __init__(self, look: Look, title: str, author: str, made_at: datetime) -> None:
        super().__init__(format=PAPER.get(look.paper_size, "Letter"))
        self.look = look
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(latin1(title))
        self.set_author(latin1(author))
        self.set_creation_date(made_at)
        self.add_page()

    def when(self, value: datetime | None, tz: str | None = None) -> str:
        return formatting.when(value, tz or self.look.timezone, self.look.locale) if value else "-"

    def heading(self, title: str, company: Party, reference: str) -> None:
        """The company on the left, the document's title and reference on the right."""
        top = self.get_y()
        self.set_font("helvetica", "B", 13)
        self.cell(110, 7, latin1(company.name), new_x=LM, new_y=NX)
        self.set_font("helvetica", "", 8.5)
        for line in company.lines:
            self.cell(110, 4.2, latin1(line), new_x=LM, new_y=NX)
        bottom = self.get_y()
        self.set_xy(125, top)
        self.set_font("helvetica", "B", 15)
        self.cell(0, 8, latin1(title), align="R", new_x=LM, new_y=NX)
        self.set_x(125)
        self.set_font("helvetica", "", 10)
        self.cell(0, 5, latin1(reference), align="R", new_x=LM, new_y=NX)
        self.set_y(max(bottom, self.get_y()) + 4)

    def section(self, title: str) -> None:
        self.ln(2)
        self.set_font("helvetica", "B", 10)
        self.set_fill_color(235, 238, 242)
        self.cell(0, 6, latin1(title), fill=True, new_x=LM, new_y=NX)
        self.ln(1)

    def facts(self, pairs: Sequence[tuple[str, str]], label_width: float = 45) -> None:
        """Labelled lines: ``Weight  26,455 lb``."""
        for label, value in pairs:
            self.set_font("helvetica", "B", 9)
            self.cell(label_width, 5, latin1(label), new_x=RIGHT, new_y=TOP)
            self.set_font("helvetica", "", 9)
            self.multi_cell(0, 5, latin1(value or "-"), new_x=LM, new_y=NX)

    def parties(self, left: tuple[str, Party], right: tuple[str, Party]) -> None:
        """Two boxes side by side (shipper and consignee, carrier and driver)."""
        top = self.get_y()
        bottoms = []
        for x, (label, party) in ((15, left), (108, right)):
            self.set_xy(x, top)
            self.set_font("helvetica", "B", 8)
            self.cell(87, 4.5, latin1(label.upper()), new_x=LM, new_y=NX)
            self.set_x(x)
            self.set_font("helvetica", "B", 10)
            self.multi_cell(87, 5, latin1(party.name), new_x=LM, new_y=NX)
            self.set_font("helvetica", "", 9)
            for line in party.lines:
                self.set_x(x)
                self.multi_cell(87, 4.5, latin1(line), new_x=LM, new_y=NX)
            bottoms.append(self.get_y())
        self.set_y(max(bottoms) + 3)

    def codes(self, reference: str, link: str | None) -> None:
        """The reference as a barcode (and the link as a QR code) under the heading."""
        top = self.get_y()
        self.image(io.BytesIO(code128_png(reference)), x=15, y=top, w=70, h=14)
        self.set_xy(15, top + 14.5)
        self.set_font("helvetica", "", 8)
        self.cell(70, 4, latin1(reference), align="C", new_x=LM, new_y=NX)
        if link:
            self.image(io.BytesIO(qr_png(link)), x=170, y=top - 2, w=25, h=25)
            self.set_xy(110, top + 4)
            self.set_font("helvetica", "", 8)
            self.multi_cell(58, 4, latin1(f"Track this load: {link}"), align="R")
        self.set_y(top + 24)

    def signature_lines(self, labels: Sequence[str]) -> None:
        """Blank lines to sign on, side by side."""
        self.ln(10)
        top = self.get_y()
        width = 180 / len(labels)
        for i, label in enumerate(labels):
            x = 15 + i * width
            self.line(x, top, x + width - 8, top)
            self.set_xy(x, top + 1)
            self.set_font("helvetica", "", 8)
            self.cell(width - 8, 4, latin1(label), new_x=RIGHT, new_y=TOP)
        self.set_y(top + 8)

    def small_print(self, text: str) -> None:
        self.ln(3)
        self.set_font("helvetica", "", 7.5)
        self.set_text_color(90, 90, 90)
        self.multi_cell(0, 3.8, latin1(text), new_x=LM, new_y=NX)
        self.set_text_color(0, 0, 0)

    def done(self) -> bytes:
        return bytes(self.output())
