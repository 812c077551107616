"""The shipment page's timeline: each event of the log as one plain sentence.

Only what the event's type says and a few safe fields (a reason, the recipient, a stop
number) are shown; ids and internal details stay out of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from freight.events import Event

ACTIONS = {
    "pickup": "Picked up",
    "depart": "In transit",
    "assign": "Assigned to a driver",
    "unassign": "Driver unassigned; back to pending",
}


@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    at: datetime
    text: str
    kind: str


def _sentence(kind: str, data: dict[str, Any]) -> str:
    if kind == "shipment.created":
        return "Booked"
    if kind == "shipment.assigned":
        return "Assigned to a driver"
    if kind == "shipment.unassigned":
        return "Driver unassigned; back to pending"
    if kind == "shipment.delivered":
        name = data.get("recipient_name")
        return f"Delivered, received by {name}" if name else "Delivered"
    if kind == "shipment.cancelled":
        reason = data.get("reason")
        return f"Cancelled: {reason}" if reason else "Cancelled"
    if kind == "shipment.status_changed":
        text = ACTIONS.get(str(data.get("action")), f"Now {str(data.get('to', '')).lower()}")
        note = data.get("note")
        return f"{text} ({note})" if note else text
    if kind == "shipment.updated":
        return "Details changed"
    if kind in ("stop.arrived", "stop.departed"):
        verb = "Arrived at" if kind == "stop.arrived" else "Left"
        return f"{verb} stop {data.get('sequence', '')}".strip()
    if kind.startswith("invoice."):
        number = data.get("number")
        return f"Invoice {number} {kind.split('.', 1)[1]}" if number else "Invoice updated"
    if kind.startswith("payment."):
        return f"Payment {kind.split('.', 1)[1]}"
    return kind.replace(".", " ").replace("_", " ").capitalize()


def describe(event: Event) -> Entry:
    """The timeline line of one event (device time when the driver's phone gave one)."""
    at = event.device_time or event.occurred_at
    return Entry(at, _sentence(event.type, event.data), event.type)
