"""Which mails exist, who gets each, and which event makes which mail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

# shipment: the booking user and the account's notification contacts; billing: the
# account's billing address and contacts; user: the user the event names; admins: the
# organisation's admins.
Audience = Literal["shipment", "billing", "user", "admins"]


@dataclass(frozen=True, slots=True)
class MailType:
    name: str
    label: str  # as the preferences page lists it
    audience: Audience
    optional: bool = True  # a recipient may turn it off (a password reset is not optional)


TYPES: dict[str, MailType] = {
    t.name: t
    for t in (
        MailType("booking_confirmed", "Booking confirmed", "shipment"),
        MailType("assigned", "Driver assigned", "shipment"),
        MailType("picked_up", "Picked up", "shipment"),
        MailType("eta_slipped", "Running late", "shipment"),
        MailType("delivered", "Delivered, with the proof", "shipment"),
        MailType("invoice_issued", "Invoice issued", "billing"),
        MailType("payment_received", "Payment received", "billing"),
        MailType("webhook_disabled", "A webhook endpoint was disabled", "admins"),
        MailType("weekly_report", "The weekly report", "admins"),
        MailType("password_reset", "Password reset", "user", optional=False),
    )
}
OPTIONAL = tuple(name for name, t in TYPES.items() if t.optional)

# Event type -> the mail it makes (``shipment.status_changed`` depends on where it went).
BY_EVENT = {
    "shipment.created": "booking_confirmed",
    "shipment.assigned": "assigned",
    "shipment.eta_slipped": "eta_slipped",
    "shipment.delivered": "delivered",
    "invoice.issued": "invoice_issued",
    "payment.succeeded": "payment_received",
    "webhook.endpoint_disabled": "webhook_disabled",
    "report.weekly": "weekly_report",
    "user.password_reset_requested": "password_reset",
}
EVENT_TYPES = frozenset({*BY_EVENT, "shipment.status_changed"})


def mail_for(event_type: str, data: dict[str, Any]) -> MailType | None:
    """The mail an event makes, if any."""
    if event_type == "shipment.status_changed":
        return TYPES["picked_up"] if data.get("to") == "PICKED_UP" else None
    name = BY_EVENT.get(event_type)
    return TYPES[name] if name else None
