"""Shortcuts of the geocoder's text plumbing give what the full path gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stclusters.geocode._text import _strip_numbers, strip_postcodes

#: letters, separators and the words the postcode and PO-box patterns look for, no digit
_NO_DIGITS = st.lists(
    st.one_of(
        st.characters(blacklist_categories=("Nd", "Cs")),
        st.sampled_from([" ", ",", "-", "POB ", "pob ", "P.O. Box ", "box ", "D-", "NL-", "AE"]),
    ),
    max_size=20,
).map("".join)


@given(_NO_DIGITS, st.booleans())
def test_a_part_without_digits_takes_the_short_path_to_the_same_result(
    part: str, netherlands: bool
) -> None:
    assert strip_postcodes(part, netherlands=netherlands) == _strip_numbers(
        part, netherlands=netherlands
    )


def test_a_po_box_without_a_number_is_still_dropped() -> None:
    assert strip_postcodes("POB Kista, Stockholm") == ("  Stockholm", None)
    assert strip_postcodes("Sankt Augustin") == ("Sankt Augustin", None)
