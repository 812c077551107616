"""Names compare as lower-case ASCII words, whatever their accents and abbreviations."""

from __future__ import annotations

import pytest

from freight.places.normalise import normalise, normalise_many, normalise_typed, parse, zip_prefix


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Saint-Étienne", "saint etienne"),
        ("St. Étienne", "saint etienne"),
        ("Ft.  Worth ", "fort worth"),
        ("Mt Pleasant", "mount pleasant"),
        ("O'Fallon", "ofallon"),
        ("Coeur d\u2019Alene", "coeur dalene"),
        ("Łódź", "lodz"),
        ("Straße", "strasse"),
        ("São Paulo", "sao paulo"),
        ("Winston\u2010Salem", "winston salem"),
        ("Москва", ""),
        ("東京", ""),
    ],
)
def test_names_fold_to_words(name: str, expected: str) -> None:
    assert normalise(name) == expected


def test_many_names_fold_at_once_line_for_line() -> None:
    names = ["Москва", "", "St Louis", "Paris", "東京", "Nuevo León"]
    assert normalise_many(names) == ["", "", "saint louis", "paris", "", "nuevo leon"]


def test_a_word_still_being_typed_is_not_spelled_out() -> None:
    assert normalise_typed("St") == "st"  # may become Stockton
    assert normalise_typed("St.") == "saint"
    assert normalise_typed("St ") == "saint"
    assert normalise_typed("st lou") == "saint lou"


def test_hints_after_commas_are_split_off() -> None:
    assert parse("Sprngfield, IL").name == "sprngfield"
    assert parse("Sprngfield, IL").hints == ("il",)
    assert parse("London, Ontario, Canada").hints == ("ontario", "canada")
    assert parse("Chicago").hints == ()


@pytest.mark.parametrize(
    ("text", "digits"),
    [("60601", "60601"), ("60601-1234", "60601"), (" 606 ", "606"), ("6060", "6060")],
)
def test_zip_codes_and_their_first_digits(text: str, digits: str) -> None:
    assert zip_prefix(text) == digits


@pytest.mark.parametrize("text", ["6", "60", "6060112", "60601-12", "Chicago 60601", "ZIP"])
def test_other_text_is_no_zip_code(text: str) -> None:
    assert zip_prefix(text) is None
