"""The shipment page's timeline: each event of the log as one plain sentence.

Only what the event's type says and a few safe fields (a reason, the recipient, a stop
number, the names of the fields an edit changed) are shown; ids and internal details
stay out of the page. Staff also read the reasons given for unassigning, reassigning
and setting a price by hand; customers do not. Warnings overridden and load offers are
the staff's: customers do not see those lines at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from freight.events import Event
from freight.shipments.heed import OVERRIDDEN
from freight.shipments.warnings import LABELS

ACTIONS = {
    "pickup": "Picked up",
    "depart": "In transit",
    "assign": "Assigned to a driver",
    "unassign": "Driver unassigned; back to pending",
}


FIELD_WORDS = {
    "equipment_type": "the equipment",
    "weight_kg": "the weight",
    "pieces": "the pieces",
    "commodity": "the commodity",
    "hazmat": "hazmat",
    "declared_value_cents": "the declared value",
    "price_cents": "the price",
    "notes": "the notes",
}
STOP_WORDS = {"window_start": "window", "window_end": "window", "lat": "place", "lng": "place"}


def changed_words(data: dict[str, Any]) -> list[str]:
    """What an edit event changed, in words (``the window of stop 2``), without repeats."""
    words: list[str] = []
    for field in data.get("changes", {}):
        if field in FIELD_WORDS:
            words.append(FIELD_WORDS[field])
    for item in data.get("stop_fields", []):
        if item == "count":
            words.append("the number of stops")
            continue
        sequence, _, field = str(item).partition(".")
        words.append(f"the {STOP_WORDS.get(field, field.replace('_', ' '))} of stop {sequence}")
    if "stops" in data.get("changes", {}) and "stop_fields" not in data:
        words.append("the stops")
    return list(dict.fromkeys(words))


LATE_S = 60  # a phone that sent an action this much later: the timeline shows both times


@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    at: datetime
    text: str
    kind: str
    # When the server got it, for an action the driver's phone sent later (no signal).
    received: datetime | None = None


def _with_reason(text: str, data: dict[str, Any], staff: bool) -> str:
    reason = data.get("reason") if staff else None
    return f"{text}: {reason}" if reason else text


def _sentence(kind: str, data: dict[str, Any], staff: bool = False) -> str:
    if kind == "shipment.created":
        return "Booked"
    if kind == "shipment.assigned":
        return _with_reason("Assigned to a driver", data, staff)
    if kind == "shipment.unassigned":
        return _with_reason("Driver unassigned; back to pending", data, staff)
    if kind == "shipment.delivered":
        name = data.get("recipient_name")
        return f"Delivered, received by {name}" if name else "Delivered"
    if kind == "shipment.cancelled":
        reason = data.get("reason")
        return f"Cancelled: {reason}" if reason else "Cancelled"
    if kind in EXCEPTION_EVENTS:
        return _exception_sentence(kind, data, staff)
    if kind == "shipment.status_changed":
        text = ACTIONS.get(str(data.get("action")), f"Now {str(data.get('to', '')).lower()}")
        note = data.get("note")
        return f"{text} ({note})" if note else text
    if kind == "shipment.updated":
        if "price_cents" in data.get("changes", {}) and data.get("reason"):
            return _with_reason("Price set by hand", data, staff)
        words = changed_words(data)
        return f"Changed {', '.join(words)}" if words else "Details changed"
    if kind == OVERRIDDEN:
        codes = [LABELS.get(str(c), str(c).replace("_", " ")) for c in data.get("codes", [])]
        return _with_reason(f"Warning overridden ({', '.join(codes)})", data, staff)
    if kind == "shipment.eta_slipped":
        if data.get("late_risk"):
            return "Running late: may miss the next stop's window"
        return "Running late: the ETA moved an hour or more"
    if kind in ("stop.arrived", "stop.departed"):
        verb = "Arrived at" if kind == "stop.arrived" else "Left"
        return f"{verb} stop {data.get('sequence', '')}".strip()
    if kind.startswith("offer."):
        return _offer_sentence(kind, data)
    if kind.startswith("document."):
        return _document_sentence(kind, data)
    if kind.startswith("invoice."):
        number = data.get("number")
        return f"Invoice {number} {kind.split('.', 1)[1]}" if number else "Invoice updated"
    if kind.startswith("payment."):
        return f"Payment {kind.split('.', 1)[1]}"
    return kind.replace(".", " ").replace("_", " ").capitalize()


EXCEPTION_EVENTS = frozenset(
    {
        "shipment.attempt_failed",
        "shipment.exception",
        "shipment.reattempted",
        "shipment.returning",
        "shipment.returned",
    }
)
REASON_WORDS = {
    "refused": "refused",
    "damaged": "damaged",
    "closed": "closed",
    "no_access": "no access",
    "wrong_address": "wrong address",
    "other": "other",
    "not_ready": "freight not ready",
    "no_freight": "no freight",
    "over": "over",
    "short": "short",
    "unloading": "unloading",
    "loading": "loading",
}
KIND_WORDS = {
    "pickup_failed": "Pickup problem",
    "osd": "Over, short or damaged",
    "lumper": "Lumper paid",
}


def _exception_sentence(kind: str, data: dict[str, Any], staff: bool) -> str:
    reason = REASON_WORDS.get(str(data.get("reason")), str(data.get("reason", "")))
    if kind == "shipment.attempt_failed":
        text = f"Delivery attempt failed: {reason}"
    elif kind == "shipment.reattempted":
        nights = int(data.get("layover_nights") or 0)
        text = "Delivery to be reattempted in a new window"
        if nights:
            text += f" ({nights} night{'s' if nights > 1 else ''} of layover)"
    elif kind == "shipment.returning":
        text = "Returning to the shipper"
    elif kind == "shipment.returned":
        text = "Returned to the shipper"
    else:
        text = f"{KIND_WORDS.get(str(data.get('kind')), 'Exception')}: {reason}"
        if data.get("pieces_affected"):
            text += f", {data['pieces_affected']} pieces"
    note = data.get("note") if staff else None
    return f"{text} ({note})" if note else text


DOCUMENT_WORDS = {
    "bol": "Bill of lading made",
    "rate_confirmation": "Rate confirmation made",
    "pod_certificate": "Proof-of-delivery certificate made",
    "invoice_packet": "Invoice packet made",
}
UPLOAD_WORDS = {
    "lumper_receipt": "Lumper receipt added",
    "scale_ticket": "Scale ticket added",
    "customs": "Customs document added",
    "other": "Document added",
}
# Documents between the carrier and its driver: the shipper's timeline leaves them out.
CARRIER_DOCUMENTS = frozenset({"rate_confirmation", "upload"})


def _document_sentence(kind: str, data: dict[str, Any]) -> str:
    if kind == "document.accepted":
        return f"Rate confirmation accepted (sha256 {str(data.get('sha256', ''))[:12]}…)"
    if kind == "document.uploaded":
        return UPLOAD_WORDS.get(str(data.get("type")), "Document added")
    return DOCUMENT_WORDS.get(str(data.get("kind")), "Document made")


OFFER_WORDS = {
    "offer.made": "Offered to a driver",
    "offer.accepted": "Offer accepted",
    "offer.declined": "Offer declined",
    "offer.expired": "Offer expired unanswered",
    "offer.withdrawn": "Offer withdrawn",
    "offer.exhausted": "No driver of the waterfall took the load",
}


def _offer_sentence(kind: str, data: dict[str, Any]) -> str:
    text = OFFER_WORDS.get(kind, "Offer updated")
    if data.get("waterfall_id") and kind != "offer.exhausted":
        text += f" (waterfall, driver {data.get('rank')})"
    reason = data.get("reason")
    return f"{text}: {reason}" if reason else text


def on_timeline(event: Event, staff: bool = False) -> bool:
    """Whether the timeline shows this event to staff (``staff``) or a customer."""
    if event.type.startswith("message."):
        return False  # the thread has its own place on the page
    if event.type.startswith("offer."):
        return staff  # offering a load to drivers is the office's business
    if event.type.startswith("document.") and event.data.get("kind") in CARRIER_DOCUMENTS:
        return staff
    return staff or event.type != OVERRIDDEN


def describe(event: Event, staff: bool = False) -> Entry:
    """The timeline line of one event (device time when the driver's phone gave one, and
    the time it was received when that came notably later)."""
    at = event.device_time or event.occurred_at
    late = event.device_time is not None and _late(event.device_time, event.occurred_at)
    received = event.occurred_at if late else None
    return Entry(at, _sentence(event.type, event.data, staff), event.type, received)


def _late(device: datetime, server: datetime) -> bool:
    """True when the phone's time and the server's differ by a minute or more."""
    if (device.tzinfo is None) != (server.tzinfo is None):  # SQLite returns naive UTC
        device, server = device.replace(tzinfo=None), server.replace(tzinfo=None)
    return abs((server - device).total_seconds()) >= LATE_S
