"""Positions in words: the town a dispatcher would name, the distance and the direction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freight import formatting as fmt
from freight.places.nearby import as_json, closest_name, in_words, nearby, nearby_many
from freight.places.search import CitySearch


def test_a_truck_by_a_village_is_near_the_town_people_know(cities: CitySearch) -> None:
    # On I-44 east of Joplin, MO: villages are closer, Joplin is the name to give.
    said = in_words(nearby(37.05, -94.40))
    assert said is not None and said.endswith(" E of Joplin, MO"), said
    assert in_words(nearby(37.05, -94.40), units="metric").split()[1] == "km"  # type: ignore[union-attr]


def test_in_a_city_and_far_from_any(cities: CitySearch) -> None:
    assert in_words(nearby(32.7767, -96.7970)) == "in Dallas, TX"
    assert nearby(0.0, -140.0) is None  # the middle of the Pacific
    assert in_words(None) is None


def test_many_positions_in_one_query_match_one_at_a_time(cities: CitySearch) -> None:
    points: list[tuple[float, float] | None] = [
        (37.05, -94.40),
        None,
        (0.0, -140.0),
        (41.85, -87.65),
        (45.5, -73.57),
        (19.43, -99.13),
    ]
    many = nearby_many(points)
    assert many[1] is None and many[2] is None
    for point, found in zip(points, many, strict=True):
        if point is not None:
            assert found == nearby(*point)
    assert [in_words(n) for n in many[3:5]] == ["in Chicago, IL", "in Montréal, QC"]
    assert nearby_many([]) == []


def test_the_words_say_how_long_ago(cities: CitySearch) -> None:
    now = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    joplin = nearby(37.05, -94.40)
    said = in_words(joplin, seen_at=now - timedelta(minutes=12), now=now)
    assert said is not None and said.endswith(" E of Joplin, MO · 12 min ago"), said
    assert in_words(as_json(joplin), "metric", seen_at=now, now=now).endswith("· just now")  # type: ignore[union-attr]
    assert fmt.ago(now - timedelta(minutes=59, seconds=59), now) == "59 min ago"
    assert fmt.ago(now - timedelta(hours=5, minutes=50), now) == "5 h ago"
    assert fmt.ago(now - timedelta(days=3, hours=1), now) == "3 days ago"
    assert fmt.ago(now + timedelta(minutes=5), now) == "just now"  # a phone clock ahead
    assert fmt.ago(None, now) == ""


def test_the_place_at_a_home_base(cities: CitySearch) -> None:
    assert closest_name(37.08422, -94.51328) == "Joplin, MO"
    assert closest_name(0.0, -140.0) is None
