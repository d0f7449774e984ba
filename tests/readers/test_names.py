"""Scopus author lists: every way of writing "Surname, Initials" gives the same people."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stclusters.readers.scopus import _author_names

surnames = st.from_regex(r"[A-Z][a-z]{1,9}(?: [A-Z][a-z]{2,9})?", fullmatch=True)
initials = st.from_regex(r"[A-Z]\.(?:-?[A-Z]\.){0,2}", fullmatch=True)
authors = st.lists(st.tuples(surnames, initials), min_size=1, max_size=8)


@given(authors)
def test_comma_separated_surname_initials(people: list[tuple[str, str]]) -> None:
    """ "Novak, P.J., Horvat, A." (one comma inside each name, one between names)."""
    text = ", ".join(f"{s}, {i}" for s, i in people)
    assert _author_names({"Authors": text}, False) == [f"{s}, {i}" for s, i in people]


@given(authors)
def test_older_layout_surname_space_initials(people: list[tuple[str, str]]) -> None:
    """ "Garcia L.M., Soto R.A." (the older layout: no comma inside a name)."""
    text = ", ".join(f"{s} {i}" for s, i in people)
    assert _author_names({"Authors": text}, False) == [f"{s} {i}" for s, i in people]


@given(authors)
def test_new_layout_semicolons(people: list[tuple[str, str]]) -> None:
    text = "; ".join(f"{s}, {i}" for s, i in people)
    assert _author_names({"Authors": text}, True) == [f"{s}, {i}" for s, i in people]
