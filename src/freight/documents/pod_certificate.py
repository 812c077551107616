"""The proof-of-delivery certificate: who received the load, when and where, the
signature and photos, both clocks, and the event of the tamper-evident log it is
anchored to, with how to check it."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

from freight.billing.pdf import Look, Party
from freight.documents.sheet import Sheet
from freight.shipments.models import Shipment
from freight.shipments.queries import ends


@dataclass(frozen=True)
class Anchor:
    """The ``shipment.delivered`` event the proof was recorded with."""

    event_id: int
    seq: int
    hash: str


@dataclass(frozen=True)
class ProofFacts:
    company: Party
    look: Look
    recipient: str
    delivered_at: datetime | None  # the device's clock
    received_at: datetime  # the server's clock
    lat: float | None
    lng: float | None
    place: str  # the position in words, or ""
    anchor: Anchor
    files: list[dict[str, str]] = field(default_factory=list)  # role, sha256
    signature: bytes | None = None  # the image, PNG or JPEG
    photos: list[bytes] = field(default_factory=list)


def render(shipment: Shipment, facts: ProofFacts) -> bytes:
    """The certificate (blocking: call in a thread)."""
    sheet = Sheet(
        facts.look,
        f"Proof of delivery {shipment.reference}",
        facts.company.name,
        facts.received_at,
    )
    sheet.heading("PROOF OF DELIVERY", facts.company, shipment.reference)
    sheet.codes(shipment.reference, None)
    _, delivery = ends(shipment)
    where = "-"
    if facts.lat is not None and facts.lng is not None:
        where = f"{facts.lat:.5f}, {facts.lng:.5f}" + (f" ({facts.place})" if facts.place else "")
    sheet.section("Delivery")
    sheet.facts(
        [
            ("Received by", facts.recipient),
            ("Delivered at (device)", sheet.when(facts.delivered_at, delivery.timezone)),
            ("Recorded at (server)", sheet.when(facts.received_at, delivery.timezone)),
            ("Position", where),
            ("Consignee", f"{delivery.name or delivery.city}, {delivery.city}, {delivery.region}"),
        ]
    )
    if facts.signature:
        sheet.section("Signature")
        sheet.image(io.BytesIO(facts.signature), x=15, w=70)
    if facts.photos:
        sheet.section(f"Photos ({len(facts.photos)})")
        top, x = sheet.get_y(), 15.0
        for photo in facts.photos[:6]:
            sheet.image(io.BytesIO(photo), x=x, y=top, h=40)
            x += 60
            if x > 150:
                x, top = 15.0, top + 42
        sheet.set_y(top + 44)
    sheet.section("Verification")
    pairs = [
        ("Anchored to event", f"#{facts.anchor.event_id} (number {facts.anchor.seq} of this load)"),
        ("Event hash (sha256)", facts.anchor.hash),
    ]
    pairs += [(f"{f['role'].capitalize()} file sha256", f["sha256"]) for f in facts.files]
    sheet.facts(pairs, label_width=45)
    sheet.small_print(
        "Each event of this load is chained to the one before it by sha256, and the proof's "
        "files are named by their sha256 in the delivery event. To check this certificate, "
        "run `freight audit verify` on the carrier's system (it recomputes every chain) and "
        "compare the event hash above with the load's timeline "
        "(GET /api/shipments/{id}/events); a changed file or event breaks the chain."
    )
    return sheet.done()
