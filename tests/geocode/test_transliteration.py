"""Transliteration (anyascii, ISC licence; it replaced the GPL Unidecode library).

The comparison with Unidecode on every GeoNames name the project folds, and of the geocoder's
results on every non-ASCII name of the large places, is ``benchmarks/compare_transliteration.py``
(it needs Unidecode installed by hand); these tests hold the rules and hand-checked values.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stclusters.geocode import Geocoder
from stclusters.geocode._text import ascii_text, fold, key
from stclusters.geocode.gazetteer import cache_version


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("Zürich", "zurich"),
        ("São Paulo", "sao paulo"),
        ("Łódź", "lodz"),
        ("Straße", "strasse"),
        ("İstanbul", "istanbul"),
        ("Москва", "moskva"),
        ("Ярославль", "yaroslavl"),  # Unidecode wrote "iaroslavl'"
        ("Osmaniyə", "osmaniye"),  # Unidecode wrote "osmaniy@"
        ("서울", "seoul"),
        ("Αθήνα", "athina"),
        # a Han ideograph is one syllable, followed by a space (as Unidecode wrote them)
        ("北京市海淀区", "bei jing shi hai dian qu"),
        ("广州", "guang zhou"),  # Unidecode read 广 as "yan"
        ("東京都", "dong jing dou"),  # Unidecode read 都 as "du"
    ],
)
def test_fold_hand_checked(name: str, folded: str) -> None:
    assert fold(name) == folded
    assert key(name) == folded.replace(" ", "")


def test_han_ideographs_are_separate_syllables() -> None:
    assert ascii_text("北京") == "Bei Jing "
    assert ascii_text("中关村, 北京") == "Zhong Guan Cun , Bei Jing "
    assert ascii_text("ソウル") == "souru"  # kana are not ideographs: one word


@given(st.text(max_size=40))
def test_ascii_text_is_ascii_and_keeps_ascii(text: str) -> None:
    out = ascii_text(text)
    assert out.isascii()
    if text.isascii():
        assert out == text


@given(st.text(max_size=40))
def test_fold_and_key_agree(text: str) -> None:
    """The key of a name is its folded words joined; folding twice changes nothing."""
    assert key(fold(text)) == key(text)
    assert fold(fold(text)) == fold(text)


def test_cache_names_the_transliterator() -> None:
    """Another anyascii release may give other keys: the gazetteer cache is rebuilt."""
    from importlib.metadata import version

    assert f"aa{version('anyascii')}" in cache_version()


@pytest.mark.parametrize(
    ("address", "country", "city"),
    [
        ("北京, China", None, "Beijing"),
        ("Москва, Russia", None, "Moscow"),
        ("서울", "KR", "Seoul"),
        ("Osmaniyə, Turkey", None, "Osmaniye"),
        ("Ярославль", "RU", "Yaroslavl"),
    ],
)
def test_names_in_their_own_script_are_found(
    geocoder: Geocoder, address: str, country: str | None, city: str
) -> None:
    result = geocoder.geocode(address, country=country)
    assert result.precision == "city" and result.city == city, result
