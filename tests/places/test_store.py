"""Saved indexes map back in unchanged; a second writer of the same directory gives way."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from freight.places import store, zips
from freight.places.index import CityIndex, Columns, build
from freight.places.normalise import parse
from freight.places.search import CitySearch
from freight.places.sources import Zip
from freight.places.zips import ZipIndex


def small() -> tuple[CityIndex, ZipIndex]:
    cities = build(
        Columns(
            name=["Springfield", "Springfield", "Montréal", "Saint-Louis"],
            alternate_names=[["Springfield City"], [], ["Montreal", "Монреаль"], ["St Louis"]],
            country=["US", "US", "CA", "FR"],
            admin1=["IL", "MO", "10", "44"],
            lat=[39.80, 37.22, 45.51, 47.59],
            lng=[-89.64, -93.30, -73.59, 7.56],
            population=[114_394, 170_188, 1_762_949, 20_871],
            timezone=["America/Chicago", "America/Chicago", "America/Toronto", "Europe/Paris"],
        )
    )
    codes = zips.build([Zip("62701", "Springfield", "IL", 39.80, -89.65, "America/Chicago", True)])
    return cities, codes


def test_a_saved_index_loads_back_the_same(tmp_path: Path) -> None:
    cities, codes = small()
    store.save(cities, codes, tmp_path / "v1")
    loaded, loaded_codes = store.load(tmp_path / "v1")
    for field in store.ARRAYS:
        assert np.array_equal(getattr(loaded, field), getattr(cities, field)), field
    assert list(loaded.keys) == list(cities.keys)
    assert list(loaded.names) == ["Springfield", "Springfield", "Montréal", "Saint-Louis"]
    assert (loaded.countries, loaded.regions, loaded.zones) == (
        cities.countries, cities.regions, cities.zones
    )  # fmt: skip
    assert loaded_codes.city[0] == "Springfield" and int(loaded_codes.code[0]) == 62701
    search = CitySearch(loaded, {"il": [("US", "IL")]}, {"us": "US"})
    [(best, _)] = search.search(parse("Sprngfield, IL"), country=None, prefer="US", limit=1)
    assert loaded.names[best] == "Springfield" and loaded.regions[loaded.region[best]] == (
        "US", "IL"
    )  # fmt: skip


def test_the_second_of_two_writers_gives_way(tmp_path: Path) -> None:
    cities, codes = small()
    store.save(cities, codes, tmp_path / "v1")
    first = (tmp_path / "v1" / "keys.txt").stat().st_mtime_ns
    store.save(cities, codes, tmp_path / "v1")
    assert (tmp_path / "v1" / "keys.txt").stat().st_mtime_ns == first
    assert [p.name for p in tmp_path.iterdir()] == ["v1"]  # no half-written copy left


def test_other_scripts_and_alternate_names_are_indexed_as_latin_words() -> None:
    cities, _ = small()
    keys = list(cities.keys)
    assert "montreal" in keys and "saint louis" in keys and "springfield city" in keys
    assert all(k.isascii() for k in keys)
    # "Montréal" and its alternate "Montreal" are one key naming one place, once.
    i = keys.index("montreal")
    assert cities.key_first[i + 1] - cities.key_first[i] == 1
    assert not cities.entry_alternate[cities.key_first[i]]
