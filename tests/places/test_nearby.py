"""Positions in words: the town a dispatcher would name, the distance and the direction."""

from __future__ import annotations

from freight.places.nearby import in_words, nearby
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
