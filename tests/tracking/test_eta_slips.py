"""A load whose ETA slips by an hour or more (or gains a late risk) records
``shipment.eta_slipped`` once per slip: the hook of the "running late" mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from httpx import AsyncClient

from freight.tracking.eta import Estimate
from freight.tracking.slips import Told, slipped
from tests.tracking.conftest import CHICAGO, Road, accept, ago, fix, north_of

NOON = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def estimate(eta: datetime | None, late: bool = False) -> Estimate:
    return Estimate(eta, 500.0, "recent_speed", 80.0, 2, NOON, late_risk=late)


def test_small_wobbles_are_not_slips() -> None:
    told = Told(NOON, False)
    assert slipped(told, estimate(NOON + timedelta(minutes=59))) is None
    assert slipped(told, estimate(NOON - timedelta(hours=3))) is None  # earlier is good news
    assert slipped(Told(None, False), estimate(NOON + timedelta(hours=9))) is None  # first ETA
    assert slipped(told, estimate(None)) is None


def test_an_hour_later_or_a_new_late_risk_is_a_slip() -> None:
    later = slipped(Told(NOON, False), estimate(NOON + timedelta(hours=1)))
    assert later is not None and later["previous_eta"] == NOON.isoformat()
    risky = slipped(Told(NOON, False), estimate(NOON, late=True))
    assert risky is not None and risky["late_risk"] is True
    assert slipped(Told(NOON, True), estimate(NOON, late=True)) is None  # already told
    naive = slipped(Told(NOON.replace(tzinfo=None), False), estimate(NOON + timedelta(hours=2)))
    assert naive is not None


async def slips(client: AsyncClient, road: Road) -> list[dict[str, object]]:
    resp = await client.get(f"/api/shipments/{road.load_id}/events", headers=road.admin.auth)
    assert resp.status_code == 200, resp.text
    return [e for e in resp.json()["items"] if e["type"] == "shipment.eta_slipped"]


async def test_driving_away_from_the_stop_records_one_slip(client: AsyncClient, road: Road) -> None:
    await accept(client, road.driver, [fix(*CHICAGO, ago(150))])
    assert await slips(client, road) == []  # the first ETA is the promise, not a slip
    away = north_of(CHICAGO, 180_000)  # 180 km the wrong way from the pickup's next stop
    await accept(client, road.driver, [fix(*away, ago(10))])
    [slip] = await slips(client, road)
    data = slip["data"]
    assert isinstance(data, dict)
    assert datetime.fromisoformat(data["eta"]) - datetime.fromisoformat(
        data["previous_eta"]
    ) >= timedelta(hours=1)
    await accept(client, road.driver, [fix(*away, ago(9))])  # no new slip: already told
    assert len(await slips(client, road)) == 1
