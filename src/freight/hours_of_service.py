"""When a truck can be at each stop once the driver's hours of service are respected (pure).

The US property-carrier rules a dispatcher plans with (49 CFR 395.3):

- at most 11 hours of driving after 10 consecutive hours off duty;
- no driving after the 14th hour since coming on duty (the window runs on wall-clock
  time: breaks and time at a dock use it up);
- a 30-minute break from driving after 8 hours of driving (time on duty but not driving,
  such as 30 minutes at a dock, counts as the break);
- the 70-hour / 8-day cycle: once it is used up, a 34-hour restart.

``arrivals`` drives the legs one after another, stopping for the rests these rules call
for at the moment they are due, and spends each stop's dwell time on duty. It answers
when the truck arrives at each stop and which rests it assumed on the way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt

DRIVING_LIMIT = timedelta(hours=11)
DUTY_WINDOW = timedelta(hours=14)
DRIVING_BEFORE_BREAK = timedelta(hours=8)
BREAK = timedelta(minutes=30)
OFF_DUTY_RESET = timedelta(hours=10)
CYCLE = timedelta(hours=70)
RESTART = timedelta(hours=34)

RestKind = Literal["break", "off_duty"]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Clocks:
    """What the driver has left right now (a fresh driver by default)."""

    driving_left: timedelta = DRIVING_LIMIT
    window_left: timedelta = DUTY_WINDOW
    driving_since_break: timedelta = timedelta(0)
    cycle_left: timedelta = CYCLE

    def drive(self, spell: timedelta) -> Clocks:
        return Clocks(
            self.driving_left - spell,
            self.window_left - spell,
            self.driving_since_break + spell,
            self.cycle_left - spell,
        )

    def on_duty(self, spell: timedelta) -> Clocks:
        """Time at a dock: it uses the window and the cycle; 30 minutes of it is a break."""
        since_break = timedelta(0) if spell >= BREAK else self.driving_since_break
        window = max(self.window_left - spell, timedelta(0))
        cycle = max(self.cycle_left - spell, timedelta(0))
        return Clocks(self.driving_left, window, since_break, cycle)

    def can_drive(self) -> timedelta:
        """How long the driver may drive before the next rest is due."""
        before_break = DRIVING_BEFORE_BREAK - self.driving_since_break
        return max(min(self.driving_left, self.window_left, before_break, self.cycle_left), ZERO)


ZERO = timedelta(0)


@dataclass(frozen=True)
class Rest:
    kind: RestKind
    minutes: int
    starts_at: datetime


@dataclass(frozen=True)
class Leg:
    """Driving to a stop, then the time spent there (loading, unloading, paperwork)."""

    sequence: int
    driving: timedelta
    dwell: timedelta = ZERO


@dataclass(frozen=True)
class Arrival:
    sequence: int
    at: datetime
    rests: list[Rest] = field(default_factory=list)  # those taken on the way to this stop


def _rest_due(clocks: Clocks, at: datetime) -> tuple[Rest, Clocks]:
    """The rest the rules call for when the driver can drive no further, and after it."""
    if clocks.cycle_left <= ZERO:
        return Rest("off_duty", _minutes(RESTART), at), Clocks()
    if clocks.driving_left <= ZERO or clocks.window_left <= ZERO:
        return Rest("off_duty", _minutes(OFF_DUTY_RESET), at), replace(
            Clocks(), cycle_left=clocks.cycle_left
        )
    after = replace(clocks, driving_since_break=ZERO, window_left=clocks.window_left - BREAK)
    return Rest("break", _minutes(BREAK), at), after


def _minutes(spell: timedelta) -> int:
    return int(spell.total_seconds() // 60)


def arrivals(start: datetime, legs: Sequence[Leg], clocks: Clocks) -> list[Arrival]:
    """When the truck reaches each stop, starting at ``start`` with ``clocks`` left."""
    now, found = start, []
    for leg in legs:
        rests: list[Rest] = []
        left = leg.driving
        while left > ZERO:
            spell = min(left, clocks.can_drive())
            if spell > ZERO:
                now, clocks, left = now + spell, clocks.drive(spell), left - spell
                continue
            rest, clocks = _rest_due(clocks, now)
            rests.append(rest)
            now += timedelta(minutes=rest.minutes)
        found.append(Arrival(leg.sequence, now, rests))
        now, clocks = now + leg.dwell, clocks.on_duty(leg.dwell)
    return found


def driver_clocks(cycle_minutes_left: int | None) -> Clocks:
    """The clocks Freight knows for a driver: the cycle hours left as recorded.

    Freight does not keep a driver's log of duty statuses (an ELD does), so the day's
    clocks are taken as fresh: 11 hours of driving and the 14-hour window from the last
    position. Rests on multi-day runs, breaks and the cycle are still accounted for.
    """
    if cycle_minutes_left is None:
        return Clocks()
    return Clocks(cycle_left=timedelta(minutes=max(cycle_minutes_left, 0)))


def fresh_elapsed_minutes(driving_minutes: FloatArray) -> FloatArray:
    """Wall-clock minutes to drive each of these spells for a driver starting a fresh day:
    what ``arrivals`` gives with ``Clocks()`` (the cycle aside), for many at once.

    Each 11 hours of driving but the last is followed by 10 hours off; each day's driving
    over 8 hours has one 30-minute break (the 14-hour window never binds on a fresh day:
    11 h + 30 min).
    """
    drive = np.maximum(driving_minutes, 0.0)
    day, before_break = _minutes(DRIVING_LIMIT), _minutes(DRIVING_BEFORE_BREAK)
    full_days = np.maximum(np.ceil(drive / day) - 1, 0)
    last = drive - full_days * day
    breaks = full_days + (last > before_break)
    elapsed: FloatArray = drive + full_days * _minutes(OFF_DUTY_RESET) + breaks * _minutes(BREAK)
    return elapsed
