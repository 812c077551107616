"""Refusals in plain words: each schema error kind, limits named once, units and money in
the organisation's terms, and field names as the summary says them."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError

from freight.identity.organization import Presentation
from freight.web import wording


class Form(BaseModel):
    notes: str = Field(max_length=2000)
    pieces: int = Field(ge=1, le=100)
    share: float = Field(gt=0)


def said(**fields: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        Form.model_validate(fields)
    return {str(e["loc"][0]): wording.plain(e) for e in caught.value.errors()}


def test_schema_errors_become_sentences_that_name_their_limit_once() -> None:
    assert said(notes="x" * 2001, pieces=0, share=-1) == {
        "notes": "Keep it to 2,000 characters or fewer.",
        "pieces": "Enter 1 or more.",
        "share": "Enter more than 0.",
    }
    assert said(notes="", pieces=101, share=1)["pieces"] == "Enter 100 or less."
    assert said(pieces="many") == {
        "notes": "Required.",
        "pieces": "Enter a whole number.",
        "share": "Required.",
    }


def test_a_services_own_words_become_a_sentence() -> None:
    assert wording.plain({"msg": "pickup must come before delivery"}) == (
        "Pickup must come before delivery."
    )
    assert wording.plain({"msg": "Value error, no such customer"}) == "No such customer."
    window = {"msg": "must be after window_start", "type": "window_order"}
    assert wording.plain(window) == "The window must close after it opens."


def test_weights_and_money_are_said_in_the_organisations_units() -> None:
    us, eu = Presentation(), Presentation(units="metric", locale="de-DE")
    assert wording.weight_range(100_000, us) == "Enter a weight between 0 and 220,462 lb."
    assert wording.weight_range(100_000, eu) == "Enter a weight between 0 and 100.000 kg."
    over = {"type": "over_balance", "ctx": {"limit_cents": 3_361_200, "currency": "USD"}}
    assert wording.plain(over) == "That is more than the open balance of $33,612.00."
    token = wording.reader.set(Presentation(locale="de-DE"))
    try:
        euro = {"type": "over_balance", "ctx": {"limit_cents": 150, "currency": "EUR"}}
        assert wording.plain(euro) == "That is more than the open balance of 1,50\u00a0€."
    finally:
        wording.reader.reset(token)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(1, "1 second"), (45, "45 seconds"), (60, "1 minute"), (61, "2 minutes"), (900, "15 minutes")],
)
def test_a_wait_is_said_in_minutes_once_it_is_long(seconds: int, words: str) -> None:
    assert wording.wait(seconds) == f"Too many attempts: try again in {words}."


def test_the_summary_names_fields_as_the_form_labels_them() -> None:
    assert wording.label_of("stops-1-city") == "Stop 2 city"
    assert wording.label_of("stops-0-window_end") == "Stop 1 window closes"
    assert wording.label_of("stops-2") == "Stop 3"
    assert wording.label_of("customer_id") == "Customer"
    assert wording.label_of("driver_id") == "Driver"
    assert wording.label_of("full_name") == "Full name"
