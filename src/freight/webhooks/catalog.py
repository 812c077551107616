"""Which events an endpoint can receive, and what of each one leaves Freight.

A delivery carries the public facts of a change only: ids, reference numbers, statuses,
amounts. Never names, phones, addresses or free text someone typed about a person (a
driver's note, a proof's recipient, positions), and never a staff reason: the data goes
through ``staff_notes.for_viewer(..., staff=False)`` first, then each type keeps only
the fields listed here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from freight.shipments.staff_notes import for_viewer

PAYLOAD_VERSION = 1
MOVE = ("from", "to", "action")
OFFER = ("offer_id", "driver_id", "rank", "waterfall_id")
PAYMENT = ("payment_id", "invoice_id", "amount_cents", "currency", "method")

# Event type -> the fields of its data that a receiver gets.
PUBLIC_FIELDS: dict[str, tuple[str, ...]] = {
    "shipment.created": ("reference", "status"),
    "shipment.updated": (),  # plus the names of the fields that changed (not their values)
    "shipment.status_changed": MOVE,
    "shipment.assigned": MOVE,
    "shipment.unassigned": MOVE,
    "shipment.delivered": MOVE,  # plus the proof's files: role and sha256
    "shipment.cancelled": (*MOVE, "reason"),  # the cancellation's reason is the customer's too
    "shipment.attempt_failed": (*MOVE, "exception_id", "kind", "reason"),
    "shipment.reattempted": (*MOVE, "window_start", "window_end", "layover_nights"),
    "shipment.returning": MOVE,
    "shipment.returned": MOVE,
    "shipment.exception": ("exception_id", "kind", "reason", "pieces_affected"),
    "stop.arrived": ("stop_id", "sequence"),
    "stop.departed": ("stop_id", "sequence"),
    "offer.made": ("offer_id", "driver_id", "rank", "waterfall_id", "expires_at"),
    "offer.accepted": OFFER,
    "offer.declined": OFFER,  # the driver's reason is the office's, not an integrator's
    "offer.expired": OFFER,
    "offer.withdrawn": OFFER,
    "offer.exhausted": ("waterfall_id",),
    "document.generated": ("document_id", "kind", "sha256"),
    "document.accepted": ("document_id", "kind", "sha256", "offer_id"),
    "document.uploaded": ("document_id", "kind", "type", "sha256"),
    "invoice.created": ("invoice_id", "number", "shipments"),
    "invoice.issued": ("invoice_id", "number", "due_at"),
    "invoice.voided": ("invoice_id", "number"),
    "payment.succeeded": PAYMENT,
    "payment.failed": PAYMENT,
    "payment.refunded": (*PAYMENT, "refund_id", "refunded_cents"),
}
EVENT_TYPES = tuple(PUBLIC_FIELDS)
FAMILIES = tuple(sorted({t.split(".")[0] for t in EVENT_TYPES}))


def is_known_filter(value: str) -> bool:
    """An event type endpoints can ask for, or a family such as ``shipment.*``."""
    return value in PUBLIC_FIELDS or (value.endswith(".*") and value[:-2] in FAMILIES)


def matches(filters: Iterable[str] | None, event_type: str) -> bool:
    """Whether an endpoint with these filters (None: all) receives this event type."""
    if event_type not in PUBLIC_FIELDS:
        return False
    if filters is None:
        return True
    family = event_type.split(".")[0] + ".*"
    return any(f in (event_type, family) for f in filters)


def public_change(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The part of an event's data a receiver may read."""
    visible = for_viewer(event_type, data, staff=False)
    change = {k: visible[k] for k in PUBLIC_FIELDS.get(event_type, ()) if k in visible}
    if event_type == "shipment.updated":
        change["fields"] = sorted(visible.get("changes", {}))
        if "stop_fields" in visible:
            change["stop_fields"] = list(visible["stop_fields"])
    if event_type == "shipment.delivered":
        change["files"] = [
            {"role": f.get("role"), "sha256": f.get("sha256")} for f in visible.get("files", [])
        ]
    return change


def payload(
    message_id: str,
    event_id: int,
    event_type: str,
    occurred_at: str,
    data: dict[str, Any],
    shipment: dict[str, str] | None,
) -> dict[str, Any]:
    """The body of a delivery: ``{id, type, timestamp, data}`` (Standard Webhooks)."""
    return {
        "id": message_id,
        "type": event_type,
        "timestamp": occurred_at,
        "data": {
            "version": PAYLOAD_VERSION,
            "event_id": event_id,
            "event_type": event_type,
            "occurred_at": occurred_at,
            "shipment": shipment,
            "change": public_change(event_type, data),
        },
    }
