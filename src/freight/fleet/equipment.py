"""What each kind of equipment typically carries, for loads no truck is assigned to yet.

Legal payloads of a US five-axle combination at the federal 80,000 lb gross limit, less
the weight of a typical tractor and trailer of that kind (a straight box truck is its own
class). A vehicle's own ``capacity_kg`` always wins over these when it is known.
"""

from __future__ import annotations

LB = 0.45359237  # kg per pound: the figures below are the industry's, in pounds

TYPICAL_CAPACITY_KG: dict[str, float] = {
    "dry_van": 45_000 * LB,  # 53 ft van
    "reefer": 43_500 * LB,  # 53 ft refrigerated trailer: the reefer unit weighs
    "flatbed": 48_000 * LB,  # 48 ft flatbed
    "step_deck": 46_000 * LB,
    "tanker": 44_000 * LB,
    "box_truck": 10_000 * LB,  # 26 ft straight truck
    "power_only": 45_000 * LB,  # the customer's trailer behind our tractor
}


def typical_capacity_kg(equipment_type: str) -> float | None:
    """What a unit of this equipment typically carries (None for a kind this table lacks)."""
    return TYPICAL_CAPACITY_KG.get(equipment_type)
