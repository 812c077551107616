"""The board flags a load on the road whose ETA at its next stop is after that stop's
window: the pickup's until the load is on board, then the delivery's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from freight.dispatch.board import ActiveCard
from freight.shipments.lifecycle import Status
from freight.shipments.models import Shipment, Stop

NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def card(status: Status, eta: datetime | None) -> ActiveCard:
    pickup = Stop(
        sequence=1, kind="pickup", window_start=NOON, window_end=NOON + timedelta(hours=2)
    )
    delivery = Stop(
        sequence=2,
        kind="delivery",
        window_start=NOON + timedelta(hours=20),
        window_end=NOON.replace(tzinfo=None) + timedelta(hours=24),  # naive, as SQLite keeps it
    )
    shipment = Shipment(status=status, eta=eta)
    return ActiveCard(shipment, pickup, delivery, None, None, "Globex")


@pytest.mark.parametrize(
    ("status", "eta_h", "late"),
    [
        (Status.ASSIGNED, 1, False),
        (Status.ASSIGNED, 3, True),  # after the pickup window
        (Status.IN_TRANSIT, 3, False),  # on board: the delivery's window counts
        (Status.IN_TRANSIT, 25, True),
        (Status.PICKED_UP, None, False),  # no ETA yet: nothing to say
    ],
)
def test_late_risk(status: Status, eta_h: int | None, late: bool) -> None:
    eta = None if eta_h is None else NOON + timedelta(hours=eta_h)
    assert card(status, eta).late_risk is late
