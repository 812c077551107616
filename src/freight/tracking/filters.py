"""The drop rules for incoming GPS fixes, as pure functions (no I/O, no clock).

Modelled on Traccar's filters. A fix is dropped, counted under one reason, when it is:

- ``invalid``: coordinates out of range or not finite, exactly (0, 0) ("null island", what
  many devices send without a fix), a negative speed, a heading outside 0-360, or a time
  before 2000;
- ``inaccurate``: its reported accuracy is worse than the bound;
- ``future``: recorded more than the tolerance ahead of the server clock;
- ``duplicate``: the same time and coordinates as a fix already seen (earlier in the batch,
  or the driver's last stored fix);
- ``out_of_order``: not newer than the driver's last accepted fix (same time, other place,
  counts here too);
- ``implausible_jump``: reaching it from the previous accepted fix needs more than the
  maximum speed.

The stateless rules run first, then the rest walk the batch in time order (a device
flushing its buffer may send fixes in any order), so each fix is compared with the last
one *accepted*, never with one just dropped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from freight.geo import haversine_km

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class Reason(StrEnum):
    INVALID = "invalid"
    INACCURATE = "inaccurate"
    DUPLICATE = "duplicate"
    OUT_OF_ORDER = "out_of_order"
    FUTURE = "future"
    IMPLAUSIBLE_JUMP = "implausible_jump"


@dataclass(frozen=True, slots=True)
class Fix:
    lat: float
    lng: float
    recorded_at: datetime
    speed_kmh: float | None = None
    heading: float | None = None
    accuracy_m: float | None = None

    @property
    def key(self) -> tuple[float, float, datetime]:
        """What makes two fixes exact duplicates."""
        return self.lat, self.lng, self.recorded_at


@dataclass(frozen=True, slots=True)
class Rules:
    max_accuracy_m: float
    max_speed_kmh: float
    future_tolerance: timedelta


@dataclass
class Outcome:
    """The fixes kept, oldest first, and how many were dropped for each reason."""

    accepted: list[Fix] = field(default_factory=list)
    dropped: dict[Reason, int] = field(default_factory=lambda: dict.fromkeys(Reason, 0))


def _finite(value: float | None) -> bool:
    return value is None or math.isfinite(value)


def is_invalid(fix: Fix) -> bool:
    """Coordinates, speed, heading or time that cannot describe a real fix."""
    if not (math.isfinite(fix.lat) and math.isfinite(fix.lng)):
        return True
    if not (-90 <= fix.lat <= 90 and -180 <= fix.lng <= 180):
        return True
    if fix.lat == 0 and fix.lng == 0:
        return True
    if not (_finite(fix.speed_kmh) and _finite(fix.heading) and _finite(fix.accuracy_m)):
        return True
    if fix.speed_kmh is not None and fix.speed_kmh < 0:
        return True
    if fix.heading is not None and not 0 <= fix.heading <= 360:
        return True
    if fix.accuracy_m is not None and fix.accuracy_m < 0:
        return True
    return fix.recorded_at < EPOCH


def stateless_reason(fix: Fix, rules: Rules, now: datetime) -> Reason | None:
    """The first rule that needs no history which this fix breaks, if any."""
    if is_invalid(fix):
        return Reason.INVALID
    if fix.accuracy_m is not None and fix.accuracy_m > rules.max_accuracy_m:
        return Reason.INACCURATE
    if fix.recorded_at > now + rules.future_tolerance:
        return Reason.FUTURE
    return None


def implied_speed_kmh(a: Fix, b: Fix) -> float:
    """The speed needed to go from ``a`` to ``b`` (infinite when no time passed)."""
    hours = (b.recorded_at - a.recorded_at).total_seconds() / 3600
    km = haversine_km(a.lat, a.lng, b.lat, b.lng)
    if hours <= 0:
        return math.inf if km > 0 else 0.0
    return km / hours


def filter_batch(fixes: Iterable[Fix], last: Fix | None, rules: Rules, now: datetime) -> Outcome:
    """Apply every rule to a batch, given the driver's last accepted fix."""
    outcome = Outcome()
    candidates: list[Fix] = []
    for fix in fixes:
        reason = stateless_reason(fix, rules, now)
        if reason is None:
            candidates.append(fix)
        else:
            outcome.dropped[reason] += 1
    candidates.sort(key=lambda f: f.recorded_at)  # stable: equal times keep their order
    seen = {last.key} if last is not None else set()
    for fix in candidates:
        if fix.key in seen:
            reason = Reason.DUPLICATE
        elif last is not None and fix.recorded_at <= last.recorded_at:
            reason = Reason.OUT_OF_ORDER
        elif last is not None and implied_speed_kmh(last, fix) > rules.max_speed_kmh:
            reason = Reason.IMPLAUSIBLE_JUMP
        else:
            outcome.accepted.append(fix)
            last = fix
            seen.add(fix.key)
            continue
        seen.add(fix.key)
        outcome.dropped[reason] += 1
    return outcome
