"""Numbers, money, units and times for people: the formats the pages and PDFs print."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from freight import formatting as fmt
from freight.timezones import is_zone, zone_at

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("cents", "currency", "locale", "expected"),
    [
        (328200, "USD", "en-US", "$3,282.00"),
        (-328200, "USD", "en-US", "-$3,282.00"),
        (5, "USD", "en-US", "$0.05"),
        (123456789, "CAD", "en-US", "CA$1,234,567.89"),
        (328200, "CAD", "en-CA", "$3,282.00"),
        (328200, "GBP", "en-GB", "£3,282.00"),
        (328200, "EUR", "de-DE", f"3.282,00{NBSP}€"),
        (328200, "EUR", "fr-FR", f"3{NNBSP}282,00{NBSP}€"),
        (328200, "EUR", "es-ES", f"3282,00{NBSP}€"),
        (1328200, "EUR", "es-ES", f"13.282,00{NBSP}€"),
        (328200, "EUR", "nl-NL", f"€{NBSP}3.282,00"),
        (328200, "XYZ", "en-US", "XYZ3,282.00"),
    ],
)
def test_money(cents: int, currency: str, locale: str, expected: str) -> None:
    assert fmt.money(cents, currency, locale) == expected


def test_weights_and_distances_in_either_unit() -> None:
    assert fmt.weight(3628.739, "imperial") == "8,000 lb"
    assert fmt.weight(3628.739, "metric") == "3,629 kg"
    assert fmt.distance(1995.6, "imperial") == "1,240 mi"
    assert fmt.distance(1995.6, "metric", "de-DE") == "1.996 km"
    assert fmt.weight(None) == "" and fmt.distance(None) == ""


def test_a_chicago_afternoon_in_winter_and_in_summer() -> None:
    year = datetime.now(UTC).year
    assert fmt.when(datetime(year, 12, 3, 20, 30, tzinfo=UTC), "America/Chicago") == (
        "Dec 3, 2:30 PM CST"
    )
    assert fmt.when(datetime(year, 7, 3, 19, 30, tzinfo=UTC), "America/Chicago") == (
        "Jul 3, 2:30 PM CDT"
    )
    assert fmt.when(f"{year}-12-03T20:30:00+00:00", "Europe/Berlin", "de-DE") == (
        "3. Dez., 21:30 CET"
    )
    other = fmt.when(datetime(2020, 1, 5, 9, 0, tzinfo=UTC), "Europe/London", "en-GB")
    assert other == "5 Jan 2020, 09:00 GMT"
    assert fmt.day(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "Asia/Tokyo") == "Jan 1, 2027"


def test_wall_clock_input_round_trips_through_utc() -> None:
    moment = fmt.from_local_input("2026-12-03T08:00", "America/Chicago")
    assert moment == datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    assert fmt.local_input(moment, "America/Chicago") == "2026-12-03T08:00"
    assert fmt.from_local_input("not a time", "America/Chicago") is None


@pytest.mark.parametrize(
    ("raw", "locale", "expected"),
    [("8,000", "en-US", "8000"), ("8.000,5", "de-DE", "8000.5"), ("12.5", "en-US", "12.5")],
)
def test_numbers_typed_by_people(raw: str, locale: str, expected: str) -> None:
    assert fmt.parse_number(raw, locale) == Decimal(expected)


@pytest.mark.parametrize("raw", ["heavy", "", "NaN", "Infinity"])
def test_numbers_that_are_not(raw: str) -> None:
    assert fmt.parse_number(raw) is None


def test_pounds_typed_become_kilograms() -> None:
    assert fmt.to_kg(Decimal(8000), "imperial") == pytest.approx(3628.739, abs=0.001)
    assert fmt.to_kg(Decimal(8000), "metric") == 8000


def test_zones_come_from_coordinates_offline() -> None:
    assert zone_at(41.8781, -87.6298) == "America/Chicago"
    assert zone_at(33.4484, -112.074) == "America/Phoenix"
    assert zone_at(52.52, 13.405) == "Europe/Berlin"
    assert is_zone(zone_at(0.0, -30.0))  # open sea: an Etc/GMT zone, still a real name
    assert not is_zone("America/Springfield") and not is_zone("../etc/passwd")
