"""The embedded geocoder finds what a dispatcher types, typos and all, best match first."""

from __future__ import annotations

from freight.places.embedded import EmbeddedGeocoder
from freight.places.geocoder import Place, PlaceQuery


async def first(
    geocoder: EmbeddedGeocoder, text: str, prefer: str | None = "US", **kw: object
) -> list[Place]:
    return await geocoder.search(PlaceQuery(text, prefer_country=prefer, **kw))  # type: ignore[arg-type]


def where(place: Place) -> tuple[str, str | None, str]:
    return place.name, place.region, place.country


async def test_a_typo_with_a_state_finds_springfield_illinois(geocoder: EmbeddedGeocoder) -> None:
    found = await first(geocoder, "Sprngfield, IL")
    assert where(found[0]) == ("Springfield", "IL", "US")
    # Missouri's Springfield is bigger: only the hint puts Illinois first.
    assert where((await first(geocoder, "Springfield"))[0]) == ("Springfield", "MO", "US")


async def test_the_hint_may_be_spelled_out_or_left_without_its_comma(
    geocoder: EmbeddedGeocoder,
) -> None:
    for text in ("Springfield, Illinois", "Springfield IL", "springfield, il, us"):
        assert where((await first(geocoder, text))[0]) == ("Springfield", "IL", "US"), text


async def test_chicago_is_chicago_illinois_with_its_zone_and_precision(
    geocoder: EmbeddedGeocoder,
) -> None:
    chicago = (await first(geocoder, "chicago"))[0]
    assert where(chicago) == ("Chicago", "IL", "US")
    assert chicago.timezone == "America/Chicago"
    assert chicago.precision == "city"
    assert chicago.population and chicago.population > 2_000_000
    assert abs(chicago.lat - 41.85) < 0.1 and abs(chicago.lng + 87.65) < 0.1


async def test_saint_and_st_are_the_same_word(geocoder: EmbeddedGeocoder) -> None:
    for text in ("Saint Louis", "St. Louis", "st louis", "ST LOUIS, MO"):
        assert where((await first(geocoder, text))[0]) == ("St. Louis", "MO", "US"), text


async def test_dallas_texas(geocoder: EmbeddedGeocoder) -> None:
    assert where((await first(geocoder, "Dallas, TX"))[0]) == ("Dallas", "TX", "US")


async def test_typos_find_the_city_meant(geocoder: EmbeddedGeocoder) -> None:
    cases = {
        "Chciago": "Chicago",  # two letters swapped
        "dalas": "Dallas",  # a letter missing
        "Indianpolis": "Indianapolis",
        "Albuquerqe": "Albuquerque",
        "Frt Worth": "Fort Worth",
    }
    for typed, meant in cases.items():
        assert (await first(geocoder, typed))[0].name == meant, typed


async def test_first_letters_find_the_biggest_places_of_the_organisations_country(
    geocoder: EmbeddedGeocoder,
) -> None:
    found = await first(geocoder, "chi", limit=5)
    assert where(found[0]) == ("Chicago", "IL", "US")
    assert all(p.country == "US" for p in found)
    assert [p.name for p in await first(geocoder, "San Ant", limit=1)] == ["San Antonio"]


async def test_an_organisation_in_canada_gets_london_ontario_first(
    geocoder: EmbeddedGeocoder,
) -> None:
    found = await first(geocoder, "London", prefer="CA")
    assert where(found[0]) == ("London", "ON", "CA")
    assert where((await first(geocoder, "London", prefer=None))[0]) == ("London", "ENG", "GB")
    assert where((await first(geocoder, "London, UK"))[0]) == ("London", "ENG", "GB")


async def test_mexican_states_have_their_iso_codes(geocoder: EmbeddedGeocoder) -> None:
    monterrey = (await first(geocoder, "Monterrey, Nuevo León", prefer="MX"))[0]
    assert where(monterrey) == ("Monterrey", "NLE", "MX")
    assert monterrey.timezone == "America/Monterrey"


async def test_the_country_filter_keeps_only_that_country(geocoder: EmbeddedGeocoder) -> None:
    found = await first(geocoder, "Paris", country="FR", limit=5)
    assert found and all(p.country == "FR" for p in found)
    assert where(found[0]) == ("Paris", None, "FR")
    assert await first(geocoder, "Chicago", country="ZZ") == []


async def test_a_zip_code_is_its_centroid(geocoder: EmbeddedGeocoder) -> None:
    [loop] = await first(geocoder, "60601")
    assert (loop.name, loop.region, loop.postal_code) == ("Chicago", "IL", "60601")
    assert loop.precision == "postal_code"
    assert loop.timezone == "America/Chicago"
    assert abs(loop.lat - 41.89) < 0.05 and abs(loop.lng + 87.62) < 0.05
    assert [p.postal_code for p in await first(geocoder, "60601-1234")] == ["60601"]


async def test_the_first_digits_of_a_zip_code_list_its_area(geocoder: EmbeddedGeocoder) -> None:
    found = await first(geocoder, "606", limit=5)
    assert [p.postal_code for p in found] == ["60601", "60602", "60603", "60604", "60605"]
    assert await first(geocoder, "60601", country="CA") == []


async def test_nothing_matches_nothing(geocoder: EmbeddedGeocoder) -> None:
    assert await first(geocoder, "Москва") == []
    assert await first(geocoder, "xqzvw") == []
    assert len(await first(geocoder, "s", limit=7)) == 7


async def test_a_hint_that_names_nothing_does_not_hide_the_name(geocoder: EmbeddedGeocoder) -> None:
    found = await first(geocoder, "Springfield, Nowhere", limit=3)
    assert [p.name for p in found] == ["Springfield"] * 3
    # "Washington, D.C." spells its hint with full stops: it is found either way.
    assert where((await first(geocoder, "Washington, D.C."))[0]) == ("Washington", "DC", "US")


async def test_an_alternate_name_counts_less_than_a_places_own(geocoder: EmbeddedGeocoder) -> None:
    # Houston's romanisation "Xiusidun" begins with X, but Xenia, Ohio is called that.
    assert (await first(geocoder, "x"))[0].name == "Xenia"
    # Munich is an alternate name of München; it is still found first by it.
    assert where((await first(geocoder, "Munich", prefer=None))[0]) == ("Munich", None, "DE")


async def test_a_us_carrier_finds_the_canadian_city_before_a_us_village_of_its_name(
    geocoder: EmbeddedGeocoder,
) -> None:
    [first, *_] = await geocoder.search(PlaceQuery("Montreal", prefer_country="US", limit=3))
    assert (first.name, first.region, first.country) == ("Montréal", "QC", "CA")
    # across the ocean is not across a border: London, GB does not pass London, ON
    london = await geocoder.search(PlaceQuery("London", prefer_country="US", limit=5))
    countries = [p.country for p in london]
    assert countries[0] == "US" and "CA" in countries
    assert "GB" not in countries or countries.index("CA") < countries.index("GB")
