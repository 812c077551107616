"""The rate confirmation: what the carrier pays the driver to run a load (the lane with
its windows in each stop's own time, the miles, the rate and accessorials, the terms),
accepted by the driver in the app.

Everything it says is in ``RateFacts`` (plain values, no rows), so the facts name the
document: the same facts make the same bytes, and ``digest`` tells changed facts apart
without rendering.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime

from freight import formatting
from freight.billing.pdf import Look, Party, latin1
from freight.documents.sheet import LM, NX, RIGHT, TOP, Sheet


@dataclass(frozen=True)
class LaneStop:
    """One stop of the lane as the document shows it."""

    sequence: int
    kind: str  # pickup | delivery
    place: Party
    window_start: datetime | None
    window_end: datetime | None
    timezone: str | None


@dataclass(frozen=True)
class Charge:
    """One line of the rate: linehaul, fuel surcharge, detention, an accessorial."""

    description: str
    quantity: str
    unit: str
    amount_cents: int


@dataclass(frozen=True)
class RateFacts:
    """What a rate confirmation says."""

    company: Party
    look: Look
    carrier: Party
    driver: Party | None
    truck: str | None
    reference: str
    customer_reference: str | None
    offer: str | None  # the offer's short id, when it confirms an offer
    equipment: str
    commodity: str | None
    weight_kg: float
    pieces: int | None
    hazmat: bool
    stops: list[LaneStop]
    loaded_km: float
    empty_km: float | None
    currency: str
    charges: list[Charge]
    accessorials: list[tuple[str, str]] = field(default_factory=list)  # (what, how much)
    offered_at: datetime | None = None
    answer_by: datetime | None = None
    made_at: datetime | None = None
    terms: str = ""

    @property
    def total_cents(self) -> int | None:
        return sum(c.amount_cents for c in self.charges) if self.charges else None

    def digest(self) -> str:
        """sha256 of what the document says (not when it was made): equal facts, equal
        documents."""
        said = asdict(self)
        said.pop("made_at")
        canonical = json.dumps(said, sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


TERMS = (
    "The rate above is the whole pay for this load unless an accessorial listed here "
    "applies and is recorded on the load (detention by the stop's arrival and departure "
    "times, a lumper by its receipt). Pay follows delivery with a signed proof of delivery. "
    "Run the load within the windows above, in each stop's local time; call dispatch "
    "before a window is missed."
)
ACCEPTANCE = (
    "Accept this rate confirmation in the Freight app (Accept on the offer). The app "
    "records who accepted, when, and this document's sha256 in the load's tamper-evident "
    "event log; the signature lines below are for a paper copy."
)


def _window(sheet: Sheet, stop: LaneStop) -> str:
    start = sheet.when(stop.window_start, stop.timezone)
    return f"{start} to {sheet.when(stop.window_end, stop.timezone)}"


def _columns(
    sheet: Sheet, left: Sequence[tuple[str, str]], right: Sequence[tuple[str, str]]
) -> None:
    """Labelled lines in two columns, side by side."""
    top = sheet.get_y()
    bottoms = []
    for x, pairs in ((15.0, left), (108.0, right)):
        sheet.set_y(top)
        for label, value in pairs:
            sheet.set_x(x)
            sheet.set_font("helvetica", "B", 9)
            sheet.cell(36, 5, latin1(label), new_x=RIGHT, new_y=TOP)
            sheet.set_font("helvetica", "", 9)
            sheet.multi_cell(51, 5, latin1(value or "-"), new_x=LM, new_y=NX)
        bottoms.append(sheet.get_y())
    sheet.set_y(max(bottoms))


def _room(sheet: Sheet, height: float) -> None:
    """A new page unless ``height`` mm fit on this one (a heading never ends a page)."""
    if sheet.get_y() + height > sheet.page_break_trigger:
        sheet.add_page()


def _lane(sheet: Sheet, facts: RateFacts) -> None:
    sheet.section(f"Lane ({len(facts.stops)} stops)")
    for stop in facts.stops:
        top = sheet.get_y()
        sheet.set_font("helvetica", "B", 9)
        sheet.cell(8, 5, f"{stop.sequence}.", new_x=RIGHT, new_y=TOP)
        sheet.cell(22, 5, stop.kind.capitalize(), new_x=RIGHT, new_y=TOP)
        sheet.multi_cell(75, 5, latin1(stop.place.name), new_x=LM, new_y=NX)
        sheet.set_font("helvetica", "", 9)
        for line in stop.place.lines:
            sheet.set_x(45)
            sheet.multi_cell(75, 4.5, latin1(line), new_x=LM, new_y=NX)
        bottom = sheet.get_y()
        sheet.set_xy(122, top)
        sheet.set_font("helvetica", "B", 8)
        sheet.cell(0, 5, "Window (local time)", new_x=LM, new_y=NX)
        sheet.set_x(122)
        sheet.set_font("helvetica", "", 9)
        sheet.multi_cell(0, 4.5, latin1(_window(sheet, stop)), new_x=LM, new_y=NX)
        sheet.set_y(max(bottom, sheet.get_y()) + 1.5)


def _rate(sheet: Sheet, facts: RateFacts) -> None:
    look = facts.look
    _room(sheet, 30 + 6 * len(facts.charges))
    sheet.section("Rate")
    if not facts.charges:
        sheet.facts([("Rate", "To be agreed with dispatch before pickup")])
        return
    widths = (110, 20, 20, 30)
    sheet.set_font("helvetica", "B", 9)
    for title, width, align in zip(
        ("Description", "Qty", "Unit", "Amount"), widths, "LRLR", strict=True
    ):
        sheet.cell(width, 6, title, border="B", align=align)
    sheet.ln(6)
    sheet.set_font("helvetica", "", 9)
    for charge in facts.charges:
        money = formatting.money(charge.amount_cents, facts.currency, look.locale)
        cells = (charge.description, charge.quantity, charge.unit, money)
        for text, width, align in zip(cells, widths, "LRLR", strict=True):
            sheet.cell(width, 6, latin1(text), border="B", align=align)
        sheet.ln(6)
    sheet.set_font("helvetica", "B", 10)
    sheet.cell(150, 7, "Total rate", align="R")
    total = formatting.money(facts.total_cents, facts.currency, look.locale)
    sheet.cell(30, 7, latin1(total), align="R", new_x=LM, new_y=NX)
    if facts.accessorials:
        sheet.ln(1)
        sheet.set_font("helvetica", "B", 9)
        sheet.cell(0, 5, "Accessorials, when they apply", new_x=LM, new_y=NX)
        sheet.facts(facts.accessorials, label_width=36)


def render(facts: RateFacts) -> bytes:
    """The rate confirmation (blocking: call in a thread)."""
    look = facts.look
    made = facts.made_at or facts.offered_at or datetime(2026, 1, 1)
    sheet = Sheet(look, f"Rate confirmation {facts.reference}", facts.company.name, made)
    sheet.heading("RATE CONFIRMATION", facts.company, facts.reference)
    driver = facts.driver or Party("Not assigned yet", [])
    if facts.truck:
        driver = Party(driver.name, [*driver.lines, f"Truck {facts.truck}"])
    sheet.parties(("Carrier", facts.carrier), ("Driver", driver))
    sheet.section("Load")
    _columns(
        sheet,
        [
            ("Freight reference", facts.reference),
            ("Customer reference", facts.customer_reference or "-"),
            ("Offer", facts.offer or "-"),
            ("Equipment", facts.equipment.replace("_", " ").capitalize()),
        ],
        [
            ("Commodity", facts.commodity or "-"),
            ("Weight", formatting.weight(facts.weight_kg, look.units, look.locale)),
            ("Pieces", str(facts.pieces) if facts.pieces is not None else "-"),
            ("Hazardous materials", "YES" if facts.hazmat else "No"),
        ],
    )
    _lane(sheet, facts)
    sheet.section("Dates and miles")
    first, last = facts.stops[0], facts.stops[-1]
    loaded = formatting.distance(facts.loaded_km, look.units, look.locale)
    empty = formatting.distance(facts.empty_km, look.units, look.locale) or "-"
    _columns(
        sheet,
        [
            ("Pickup", sheet.when(first.window_start, first.timezone)),
            ("Delivery by", sheet.when(last.window_end, last.timezone)),
            ("Offered", sheet.when(facts.offered_at)),
            ("Answer by", sheet.when(facts.answer_by)),
        ],
        [("Loaded miles", loaded), ("Empty to pickup", empty)],
    )
    _rate(sheet, facts)
    _room(sheet, 50)
    sheet.section("Terms and acceptance")
    sheet.small_print(facts.terms or TERMS)
    sheet.small_print(ACCEPTANCE)
    sheet.signature_lines(["Driver signature and date", "For the carrier, signature and date"])
    return sheet.done()
