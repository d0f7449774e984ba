"""Normalising, folding and postcode stripping."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stclusters.geocode._text import fold, key, normalise, split_postcode, strip_postcodes


def test_normalise_collapses_space_and_control_characters() -> None:
    assert normalise("  Univ\x00 Oxford,\n\tOxford  ") == "univ oxford, oxford"


def test_fold_transliterates_and_splits_punctuation() -> None:
    assert fold("Tübingen") == "tubingen"
    assert fold("Cluj-Napoca") == "cluj napoca"
    assert fold("Ji’an City") == "ji an city"
    assert fold("北京") == "bei jing"


def test_key_joins_the_spellings_of_one_name() -> None:
    assert key("'s-Hertogenbosch") == key("Shertogenbosch") == "shertogenbosch"
    assert key("St. Louis") == key("St Louis")


@pytest.mark.parametrize(
    ("raw", "words", "country"),
    [
        ("D-80333 München", "munchen", "DE"),
        ("München 80333", "munchen", None),
        ("I 31044 Montebelluna", "montebelluna", "IT"),
        ("S-260 40 Viken", "viken", "SE"),
        ("D- 090 Leverkusen 1", "leverkusen", "DE"),
        ("CH-1814 La Tour De Peilz", "la tour de peilz", "CH"),
        ("London Greater London EC4M 7RD", "london greater london", None),
        ("Toronto ON M5G 2C4", "toronto on", None),
        ("MA 02138 USA", "ma usa", None),
        ("Box 19024", "", None),
        ("Prague 1", "prague", None),
    ],
)
def test_strip_postcodes(raw: str, words: str, country: str | None) -> None:
    text, hint = strip_postcodes(raw)
    assert fold(text) == words
    assert hint == country


def test_dutch_postcodes_only_when_asked() -> None:
    assert fold(strip_postcodes("7553 AE Hengelo", netherlands=True)[0]) == "hengelo"
    assert fold(strip_postcodes("7553 AE Hengelo")[0]) == "ae hengelo"


@given(st.text())
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@given(st.text())
def test_keys_hold_only_ascii_letters_and_digits(text: str) -> None:
    assert set(key(text)) <= set(string.ascii_lowercase + string.digits)


@pytest.mark.parametrize(
    ("raw", "rest", "code"),
    [
        ("80331 München", "München", "80331"),
        ("NL-1062 XK Amsterdam", "Amsterdam", "1062 XK"),
        ("Cambridge CB2 1DP", "Cambridge", "CB2 1DP"),
        ("Toronto M5G 1X8", "Toronto", "M5G 1X8"),
        ("Chiba 290-8566", "Chiba", "290-8566"),
        ("Kfar-Saba", "Kfar-Saba", None),
    ],
)
def test_split_postcode(raw: str, rest: str, code: str | None) -> None:
    assert split_postcode(raw) == (rest, code)


@given(st.sampled_from(["München", "Tokyo", "Boston"]), st.integers(100, 999_999))
def test_one_splitter_for_readers_and_geocoder(city: str, number: int) -> None:
    """A postcode the readers split off is one the geocoder strips: both use split_postcode."""
    raw = f"{number} {city}"
    rest, code = split_postcode(raw)
    assert (rest, code) == (city, str(number))
    assert fold(strip_postcodes(raw)[0]) == fold(city)
