"""The GPS drop rules: one case per reason through the API, a mixed batch, and the pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from freight.tracking.filters import Fix, Reason, Rules, filter_batch
from tests.tracking.conftest import CHICAGO, Road, ago, fix, north_of, post_fixes

ZERO = {reason.value: 0 for reason in Reason}


def dropped(**counts: int) -> dict[str, int]:
    return {**ZERO, **counts}


async def _post(client: AsyncClient, road: Road, fixes: list[dict[str, Any]]) -> dict[str, Any]:
    resp = await post_fixes(client, road.driver.auth, fixes)
    assert resp.status_code == 202, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def test_a_clean_batch_is_accepted(client: AsyncClient, road: Road) -> None:
    fixes = [fix(*north_of(CHICAGO, 5000 - 500 * i), ago(10 - i), speed_kmh=30) for i in range(5)]
    assert await _post(client, road, fixes) == {"accepted": 5, "dropped": dropped()}


@pytest.mark.parametrize(
    "bad",
    [
        {"lat": 91.0, "lng": -87.6},
        {"lat": 41.8, "lng": -180.5},
        {"lat": 0.0, "lng": 0.0},
        {"lat": 41.8, "lng": -87.6, "speed_kmh": -3},
        {"lat": 41.8, "lng": -87.6, "heading": 361},
        {"lat": 41.8, "lng": -87.6, "recorded_at": "1999-12-31T23:59:59Z"},
    ],
)
async def test_invalid_fixes_are_dropped(
    client: AsyncClient, road: Road, bad: dict[str, Any]
) -> None:
    body = {"recorded_at": ago(1).isoformat(), **bad}
    assert await _post(client, road, [body]) == {"accepted": 0, "dropped": dropped(invalid=1)}


async def test_inaccurate_fix_is_dropped(client: AsyncClient, road: Road) -> None:
    body = fix(*CHICAGO, ago(1), accuracy_m=150)
    assert await _post(client, road, [body]) == {"accepted": 0, "dropped": dropped(inaccurate=1)}
    body = fix(*CHICAGO, ago(1), accuracy_m=100)  # at the bound: kept
    assert (await _post(client, road, [body]))["accepted"] == 1


async def test_fix_from_the_future_is_dropped(client: AsyncClient, road: Road) -> None:
    ahead = datetime.now(UTC) + timedelta(minutes=10)
    slightly = datetime.now(UTC) + timedelta(seconds=30)  # clock drift within the tolerance
    result = await _post(client, road, [fix(*CHICAGO, ahead), fix(*CHICAGO, slightly)])
    assert result == {"accepted": 1, "dropped": dropped(future=1)}


async def test_duplicates_in_the_batch_and_of_the_last_fix(client: AsyncClient, road: Road) -> None:
    first = fix(*CHICAGO, ago(5))
    assert await _post(client, road, [first, dict(first)]) == {
        "accepted": 1,
        "dropped": dropped(duplicate=1),
    }
    assert await _post(client, road, [first]) == {"accepted": 0, "dropped": dropped(duplicate=1)}


async def test_out_of_order_fix_is_dropped(client: AsyncClient, road: Road) -> None:
    assert (await _post(client, road, [fix(*CHICAGO, ago(5))]))["accepted"] == 1
    older = fix(*north_of(CHICAGO, 300), ago(6))
    same_time_elsewhere = fix(*north_of(CHICAGO, 200), ago(5))
    result = await _post(client, road, [older])
    assert result == {"accepted": 0, "dropped": dropped(out_of_order=1)}
    # The stored fix's own time with other coordinates is not newer either.
    stored = (await client.get(f"/api/drivers/{road.driver.id}", headers=road.admin.auth)).json()
    same_time_elsewhere["recorded_at"] = stored["position_at"]
    result = await _post(client, road, [same_time_elsewhere])
    assert result == {"accepted": 0, "dropped": dropped(out_of_order=1)}


async def test_implausible_jump_is_dropped(client: AsyncClient, road: Road) -> None:
    # 100 km in 10 minutes is 600 km/h; the next fix is compared with the last kept one.
    start = fix(*CHICAGO, ago(20))
    jump = fix(*north_of(CHICAGO, 100_000), ago(10))
    onward = fix(*north_of(CHICAGO, 5_000), ago(9))  # 5 km in 11 min from the start: fine
    result = await _post(client, road, [start, jump, onward])
    assert result == {"accepted": 2, "dropped": dropped(implausible_jump=1)}


async def test_a_batch_mixing_every_reason(client: AsyncClient, road: Road) -> None:
    start = fix(*CHICAGO, ago(30))
    assert (await _post(client, road, [start]))["accepted"] == 1
    good = [fix(*north_of(CHICAGO, 1000 * i), ago(20 - i), speed_kmh=60) for i in range(1, 5)]
    batch = [
        *good,
        fix(95.0, 10.0, ago(3)),  # invalid
        fix(0.0, 0.0, ago(3)),  # invalid
        fix(*CHICAGO, ago(2), accuracy_m=5000),  # inaccurate
        dict(good[1]),  # duplicate in the batch
        dict(start),  # duplicate of the stored fix
        fix(*north_of(CHICAGO, 100), ago(40)),  # out of order
        fix(*CHICAGO, datetime.now(UTC) + timedelta(hours=1)),  # future
        fix(*north_of(CHICAGO, 300_000), ago(15)),  # implausible jump
    ]
    result = await _post(client, road, batch)
    assert result == {
        "accepted": 4,
        "dropped": dropped(
            invalid=2, inaccurate=1, duplicate=2, out_of_order=1, future=1, implausible_jump=1
        ),
    }
    track = await client.get(f"/api/shipments/{road.load_id}/positions", headers=road.admin.auth)
    assert len(track.json()["items"]) == 5


RULES = Rules(max_accuracy_m=100, max_speed_kmh=250, future_tolerance=timedelta(minutes=2))
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_batch_is_walked_in_time_order() -> None:
    """A buffered batch sent newest first is not mistaken for out-of-order fixes."""
    fixes = [Fix(41.0 + i / 1000, -87.0, NOW - timedelta(minutes=i)) for i in range(5)]
    outcome = filter_batch(fixes, None, RULES, NOW)
    assert [f.recorded_at for f in outcome.accepted] == sorted(f.recorded_at for f in fixes)
    assert sum(outcome.dropped.values()) == 0


def test_jump_is_measured_from_the_last_accepted_fix() -> None:
    last = Fix(41.0, -87.0, NOW - timedelta(hours=1))
    # 200 km from the last fix after an hour is fine; 260 km is not.
    ok = Fix(41.0 + 200_000 / 111_195.08, -87.0, NOW)
    too_far = Fix(41.0 + 260_000 / 111_195.08, -87.0, NOW)
    assert len(filter_batch([ok], last, RULES, NOW).accepted) == 1
    assert filter_batch([too_far], last, RULES, NOW).dropped[Reason.IMPLAUSIBLE_JUMP] == 1


def test_not_finite_values_are_invalid() -> None:
    fixes = [Fix(float("nan"), 1.0, NOW), Fix(1.0, 1.0, NOW, speed_kmh=float("inf"))]
    assert filter_batch(fixes, None, RULES, NOW).dropped[Reason.INVALID] == 2
