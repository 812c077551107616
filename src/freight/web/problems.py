"""What a driver can report on the road, in the driver's words, by the load's status."""

from __future__ import annotations

from freight.shipments.lifecycle import Status

Choice = tuple[str, str]  # ("kind:reason", what the driver reads)
PICKUP = ("Pickup problem", [
    ("pickup_failed:not_ready", "Freight not ready: I am waiting"),
    ("pickup_failed:no_freight", "No freight to pick up"),
    ("pickup_failed:other", "Other pickup problem"),
])  # fmt: skip
DELIVERY = ("Delivery failed", [
    ("delivery_failed:refused", "Refused by the consignee"),
    ("delivery_failed:damaged", "Refused: freight damaged"),
    ("delivery_failed:closed", "Closed"),
    ("delivery_failed:no_access", "No access to the dock"),
    ("delivery_failed:wrong_address", "Wrong address"),
    ("delivery_failed:other", "Other delivery problem"),
])  # fmt: skip
OSD = ("Over, short or damaged pieces", [
    ("osd:short", "Short: pieces missing"),
    ("osd:over", "Over: more pieces than listed"),
    ("osd:damaged", "Damaged pieces"),
    ("osd:refused", "Pieces refused (the rest delivered)"),
])  # fmt: skip
LUMPER = ("Lumper", [
    ("lumper:unloading", "Paid a lumper to unload"),
    ("lumper:loading", "Paid a lumper to load"),
])  # fmt: skip
# What a driver may report, by the load's status (the service checks again).
PROBLEMS: dict[str, list[tuple[str, list[Choice]]]] = {
    Status.ASSIGNED: [PICKUP, LUMPER],
    Status.PICKED_UP: [OSD, LUMPER],
    Status.IN_TRANSIT: [DELIVERY, OSD, LUMPER],
    Status.ATTEMPT_FAILED: [OSD, LUMPER],
    Status.RETURNING: [OSD],
    Status.DELIVERED: [OSD, LUMPER],
}
# "kind:reason" -> the words the driver chose it by, for the list of what was reported.
WORDS = {
    value: words for group, choices in (PICKUP, DELIVERY, OSD, LUMPER) for value, words in choices
}
