"""A place named in one line of text (a driver's home base): exact names in the typed
region, ZIP codes, and suggestions when nothing is certain."""

from __future__ import annotations

from freight.places.embedded import EmbeddedGeocoder
from freight.places.placing import label, place_named


async def test_the_typed_region_decides_between_namesakes(geocoder: EmbeddedGeocoder) -> None:
    illinois, _ = await place_named("Springfield, IL", geocoder, "US")
    missouri, _ = await place_named("springfield, mo", geocoder, "US")
    assert illinois is not None and missouri is not None
    assert (illinois.region, missouri.region) == ("IL", "MO")
    assert abs(illinois.lat - 39.80) < 0.05 and abs(missouri.lat - 37.21) < 0.05


async def test_a_zip_code_and_a_bare_name(geocoder: EmbeddedGeocoder) -> None:
    zip_place, _ = await place_named("64801", geocoder, "US")
    assert zip_place is not None and zip_place.precision == "postal_code"
    assert abs(zip_place.lat - 37.08) < 0.1
    bare, _ = await place_named("Joplin", geocoder, "US")
    assert bare is not None and label(bare) == "Joplin, MO"


async def test_a_typo_or_a_wrong_region_gives_suggestions_not_a_guess(
    geocoder: EmbeddedGeocoder,
) -> None:
    typo, suggestions = await place_named("Jopln, MO", geocoder, "US")
    assert typo is None and "Joplin, MO" in [label(p) for p in suggestions]
    wrong, suggestions = await place_named("Joplin, TX", geocoder, "US")
    assert wrong is None and "Joplin, MO" in [label(p) for p in suggestions]
    nothing, suggestions = await place_named("Qqqxz", geocoder, "US")
    assert nothing is None and suggestions == []
