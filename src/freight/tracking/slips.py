"""When a load's ETA has slipped enough to tell the shipper (``shipment.eta_slipped``).

The load keeps the ETA it last told (``eta_told``: its first estimate, then the one each
slip announced) and whether that came with a late risk. A new estimate an hour or more
after it, or a late risk that was not there, is a slip; the mail kind turns the event
into a "running late" mail. Small wobbles of the estimate tell nobody anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from freight.tracking.eta import Estimate

SLIP = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Told:
    eta: datetime | None
    late: bool


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def slipped(told: Told, estimate: Estimate) -> dict[str, Any] | None:
    """The event data of a slip, or None when the shipper need not hear of it."""
    if estimate.eta is None or told.eta is None:
        return None
    now, before = _utc(estimate.eta), _utc(told.eta)
    if now - before < SLIP and not (estimate.late_risk and not told.late):
        return None
    return {
        "eta": now.isoformat(),
        "previous_eta": before.isoformat(),
        "late_risk": estimate.late_risk,
    }
