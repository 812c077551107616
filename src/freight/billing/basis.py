"""What a frozen quote was computed from: its basis, a fingerprint of the quote's inputs.

A quote is a function of the route (the stops' kinds and coordinates, in order, which
give the distance), the equipment type and the rates' currency; the rates have no term
for weight, pieces, hazmat or declared value, so those are not part of it. A frozen
quote stores a sha256 fingerprint of those inputs. Edits re-quote when the basis changes
(``freight.billing.repricing``), and invoicing refuses a frozen quote whose basis the
shipment no longer has, so a price never outlives the load it was computed for, whatever
path changed the load.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Protocol

from freight.billing.models import ShipmentPrice
from freight.billing.money import km
from freight.shipments.models import Shipment


class PricedStop(Protocol):
    """A stop as the price sees it (a ``Stop`` row or a ``StopIn`` body)."""

    @property
    def kind(self) -> str: ...
    @property
    def lat(self) -> float: ...
    @property
    def lng(self) -> float: ...


def fingerprint(
    stops: Sequence[PricedStop], equipment_type: str, currency: str, distance_km: float
) -> str:
    """sha256 of the quote's inputs; coordinates to 1e-6 degree (about 0.1 m)."""
    canonical = json.dumps(
        {
            "stops": [[s.kind, f"{s.lat:.6f}", f"{s.lng:.6f}"] for s in stops],
            "equipment_type": equipment_type,
            "currency": currency,
            "distance_km": str(km(distance_km)),
        },
        separators=(",", ":"),
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def basis_of(shipment: Shipment) -> str:
    """The fingerprint of a shipment as it stands."""
    return fingerprint(
        shipment.stops, shipment.equipment_type, shipment.currency, shipment.distance_km
    )


def quote_matches(shipment: Shipment, frozen: ShipmentPrice) -> bool:
    """Whether a frozen quote was computed for this shipment's route, equipment and currency."""
    if frozen.currency != shipment.currency:
        return False
    if frozen.basis is None:  # frozen before the basis was stored: its distance must hold
        return km(frozen.distance_km) == km(shipment.distance_km)
    return frozen.basis == basis_of(shipment)
