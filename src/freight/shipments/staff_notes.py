"""What of a shipment's events only the carrier's staff may read.

Dispatchers give reasons when they assign, unassign or reassign a load, set its price by
hand or go ahead despite a warning ("driver called in sick", "rate agreed by phone").
Those reasons are the office's notes: the customer and the driver see that the thing
happened, not why. ``for_viewer`` is the one place that decides; the API's event list
and the real-time stream (one emit to a room that mixes roles) use it.
"""

from __future__ import annotations

from typing import Any

from freight.shipments.heed import OVERRIDDEN

# Events whose whole data is for staff (the warnings overridden and the reason).
STAFF_ONLY_DATA = frozenset({OVERRIDDEN})
# Events whose "reason" is a staff note (a cancellation's reason is the customer's too).
STAFF_REASONS = frozenset(
    {
        "shipment.assigned",
        "shipment.unassigned",
        "shipment.updated",
        "offer.declined",
        "offer.withdrawn",
    }
)

# Events whose "note" is the driver's or the office's words about a failed stop.
STAFF_NOTES = frozenset(
    {"shipment.attempt_failed", "shipment.exception", "shipment.reattempted", "shipment.cancelled"}
)


def for_viewer(event_type: str, data: dict[str, Any], staff: bool) -> dict[str, Any]:
    """The event's data as this viewer may read it."""
    if staff:
        return data
    if event_type in STAFF_ONLY_DATA:
        return {}
    hidden = set()
    if event_type in STAFF_REASONS:
        hidden.add("reason")
    if event_type in STAFF_NOTES:
        hidden.add("note")
    return {k: v for k, v in data.items() if k not in hidden} if hidden else data
