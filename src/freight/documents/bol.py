"""The bill of lading: who ships what to whom, with the reference as a barcode and a QR
code to the public tracking page."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from freight import formatting
from freight.billing.pdf import Look, Party
from freight.documents.sheet import Sheet
from freight.shipments.models import Shipment, Stop
from freight.shipments.queries import ends


@dataclass(frozen=True)
class BolFacts:
    """What the bill of lading says beyond the shipment itself."""

    company: Party
    shipper_account: str
    tracking_url: str
    look: Look


def _place(stop: Stop) -> Party:
    town = f"{stop.city}, {stop.region} {stop.postal_code or ''}".strip()
    lines = [stop.address or "", town, stop.country]
    return Party(stop.name or stop.city, [line for line in lines if line.strip()])


def _window(sheet: Sheet, stop: Stop) -> str:
    start = sheet.when(stop.window_start, stop.timezone)
    return f"{start} to {sheet.when(stop.window_end, stop.timezone)}"


def render(shipment: Shipment, facts: BolFacts) -> bytes:
    """The bill of lading of the shipment as it is now (blocking: call in a thread)."""
    look = facts.look
    sheet = Sheet(
        look, f"Bill of lading {shipment.reference}", facts.company.name, shipment.updated_at
    )
    sheet.heading("BILL OF LADING", facts.company, shipment.reference)
    sheet.codes(shipment.reference, facts.tracking_url)
    pickup, delivery = ends(shipment)
    sheet.parties(("Shipper (pickup)", _place(pickup)), ("Consignee (delivery)", _place(delivery)))
    sheet.section("Freight")
    pieces = str(shipment.pieces) if shipment.pieces is not None else "-"
    value = (
        formatting.money(shipment.declared_value_cents, shipment.currency, look.locale)
        if shipment.declared_value_cents
        else "-"
    )
    sheet.facts(
        [
            ("Commodity", shipment.commodity or "-"),
            ("Pieces", pieces),
            ("Weight", formatting.weight(shipment.weight_kg, look.units, look.locale)),
            ("Equipment", shipment.equipment_type.replace("_", " ").capitalize()),
            (
                "Hazardous materials",
                "YES - see the shipper's emergency response information"
                if shipment.hazmat
                else "No",
            ),
            ("Declared value", value),
        ]
    )
    sheet.section("References and dates")
    sheet.facts(
        [
            ("Freight reference", shipment.reference),
            ("Bill to", facts.shipper_account),
            ("Pickup window", _window(sheet, pickup)),
            ("Delivery window", _window(sheet, delivery)),
            ("Stops", str(len(shipment.stops))),
        ]
    )
    if shipment.notes:
        sheet.section("Instructions")
        sheet.facts([("Notes", shipment.notes)])
    sheet.signature_lines(
        ["Shipper signature and date", "Driver signature and date", "Consignee signature and date"]
    )
    sheet.small_print(
        "Received, subject to the classifications and tariffs in effect on the date of issue, "
        "the property described above in apparent good order, except as noted. The carrier "
        "named above agrees to carry it to the consignee. Scan the code or open the link to "
        "follow the load live."
    )
    return sheet.done()


def basis(shipment: Shipment) -> str:
    """What this bill of lading is of: a digest of everything it prints about the load, so
    a new one is made when the freight, the parties or the windows change, not when the
    load merely moves (pickup, transit and delivery bump the version, not these)."""
    stops = [
        [stop.sequence, stop.kind, stop.name, stop.address, stop.city, stop.region,
         stop.postal_code, stop.country, stop.window_start.isoformat(),
         stop.window_end.isoformat(), stop.timezone]
        for stop in shipment.stops
    ]  # fmt: skip
    facts = [
        shipment.reference, str(shipment.customer_id), shipment.equipment_type,
        shipment.weight_kg, shipment.pieces, shipment.commodity, shipment.hazmat,
        shipment.declared_value_cents, shipment.currency, shipment.notes, stops,
    ]  # fmt: skip
    digest = hashlib.sha256(json.dumps(facts, default=str).encode()).hexdigest()
    return f"facts:{digest[:24]}"
