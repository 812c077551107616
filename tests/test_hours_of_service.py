"""Hours-of-service arrivals, each case worked out by hand from the rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from freight.hours_of_service import Arrival, Clocks, Leg, arrivals, fresh_elapsed_minutes

START = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
H = timedelta(hours=1)
M = timedelta(minutes=1)


def rests_of(found: list[Arrival]) -> list[tuple[str, int]]:
    return [(r.kind, r.minutes) for a in found for r in a.rests]


def test_a_short_run_needs_no_rest() -> None:
    [arrival] = arrivals(START, [Leg(2, 4 * H)], Clocks())
    assert arrival.at == START + 4 * H and arrival.rests == []


def test_1500_km_with_three_hours_left_on_the_11_hour_clock() -> None:
    # 1,500 km at 90 km/h is 16 h 40 min of driving. The driver has 3 h of driving and
    # 5 h of window left, and has driven 5 h since a break.
    # 3 h driving (the 11-hour clock and the 8-hour break clock both run out together)
    # -> 10 h off -> 8 h driving -> 30 min break -> 3 h driving (11 h used) -> 10 h off
    # -> the last 2 h 40 min. Total: 3 + 10 + 8 + 0.5 + 3 + 10 + 2 h 40 = 37 h 10 min.
    clocks = Clocks(driving_left=3 * H, window_left=5 * H, driving_since_break=5 * H)
    [arrival] = arrivals(START, [Leg(2, timedelta(hours=1500 / 90))], clocks)
    assert arrival.at == START + 37 * H + 10 * M
    assert rests_of([arrival]) == [("off_duty", 600), ("break", 30), ("off_duty", 600)]
    assert arrival.rests[0].starts_at == START + 3 * H


def test_the_14_hour_window_stops_driving_even_with_driving_hours_left() -> None:
    # 2 h of window left, 9 h of driving left: 2 h driving, 10 h off, then 1 h more.
    clocks = Clocks(driving_left=9 * H, window_left=2 * H)
    [arrival] = arrivals(START, [Leg(2, 3 * H)], clocks)
    assert arrival.at == START + 13 * H
    assert rests_of([arrival]) == [("off_duty", 600)]


def test_time_at_a_dock_counts_as_the_break_but_uses_the_window() -> None:
    # 6 h to the pickup, 1 h loading (a break from driving, on duty), 6 h on:
    # the 8-hour clock restarted at the dock, so no break; the window (14 h) has
    # 14 - 6 - 1 = 7 h, the 11-hour clock 5 h: 5 h driving, 10 h off, 1 h.
    legs = [Leg(1, 6 * H, dwell=1 * H), Leg(2, 6 * H)]
    pickup, delivery = arrivals(START, legs, Clocks())
    assert pickup.at == START + 6 * H and pickup.rests == []
    assert delivery.at == START + 7 * H + 5 * H + 10 * H + 1 * H
    assert rests_of([delivery]) == [("off_duty", 600)]


def test_a_short_dock_stop_is_not_a_break() -> None:
    # 7 h, 20 min at the dock, then 2 h: the 8-hour clock reaches 8 h after 1 h more,
    # so a 30-minute break, then the last hour.
    legs = [Leg(1, 7 * H, dwell=20 * M), Leg(2, 2 * H)]
    _, delivery = arrivals(START, legs, Clocks())
    assert delivery.at == START + 7 * H + 20 * M + 1 * H + 30 * M + 1 * H
    assert rests_of([delivery]) == [("break", 30)]


def test_a_used_up_cycle_means_a_34_hour_restart() -> None:
    clocks = Clocks(cycle_left=1 * H)
    [arrival] = arrivals(START, [Leg(2, 3 * H)], clocks)
    assert arrival.at == START + 1 * H + 34 * H + 2 * H
    assert rests_of([arrival]) == [("off_duty", 34 * 60)]


def test_the_vectorised_fresh_day_matches_the_step_by_step_rules() -> None:
    spells = np.array([0, 30, 479, 480, 481, 659, 660, 661, 1140, 1141, 1320, 1321, 2000, 4000.0])
    elapsed = fresh_elapsed_minutes(spells)
    for spell, minutes in zip(spells, elapsed, strict=True):
        [arrival] = arrivals(START, [Leg(1, timedelta(minutes=float(spell)))], Clocks())
        assert (arrival.at - START) == timedelta(minutes=float(minutes)), spell
