"""Organisations of the demo world (issue 11, found in review): every planted organisation is
one key whatever its spelling, and no profile lists two spellings of one planted organisation.

The synthetic world writes each planted organisation three ways (``stclusters.synth.lexicon``:
abbreviated as Web of Science does, spelled out by ``long_form``, upper case); undoing the
spelling-out gives each spelling its planted organisation.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from stclusters.config import Config
from stclusters.measure.profiles import normalise_organisation
from stclusters.pipeline import compute
from stclusters.synth.names import _ABBREVIATIONS
from worlds import DEMO_SCALE

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo_world")]

_FULL = {full: abbr for abbr, full in _ABBREVIATIONS if full != abbr}
_FULL_RE = re.compile(r"\b(" + "|".join(_FULL) + r")\b")


def planted(spelling: str) -> str:
    """The planted organisation of a spelling of the synthetic world (its abbreviated name in
    upper case): ``long_form`` undone ("University of Eindhoven" -> "UNIV EINDHOVEN")."""
    text = spelling.replace("Academy of Sciences", "Academy of Science")
    text = re.sub(r"\b(University|Institute|Academy) of ", r"\1 ", text)
    return _FULL_RE.sub(lambda m: _FULL[m.group(1)], text).upper()


def _spellings(world: Path) -> list[str]:
    sql = f"SELECT DISTINCT organisation FROM read_parquet('{world / 'people.parquet'}')"
    return [s for (s,) in duckdb.execute(sql).fetchall() if s]


def test_planted_helper_groups_the_three_spellings() -> None:
    assert planted("University of Eindhoven") == planted("UNIV EINDHOVEN") == "UNIV EINDHOVEN"
    assert planted("Eindhoven Technical University") == "EINDHOVEN TECH UNIV"
    assert planted("Eindhoven Univ") != planted("Univ Eindhoven")


def test_every_planted_organisation_has_one_key(demo_world: Path) -> None:
    """Before: 10,794 of the 60,532 planted organisations had two keys ("Ferrara Tech Univ",
    "Ferrara Technical University"; "Kagoshima Res Ctr Math", "... Mathematics")."""
    keys: dict[str, set[str]] = defaultdict(set)
    for s in _spellings(demo_world):
        keys[planted(s)].add(normalise_organisation(s)[0])
    assert len(keys) > 10_000
    split = {org: ks for org, ks in keys.items() if len(ks) > 1}
    assert not split, list(split.items())[:10]


def test_no_profile_lists_two_spellings_of_one_planted_organisation(demo_world: Path) -> None:
    config = Config(min_points=Config().min_points * DEMO_SCALE, top_n=100)
    results = compute([demo_world], config=config)
    spellings = set(_spellings(demo_world))
    for p in results.profiles:
        shown = [o["name"] for o in p["top_organisations"]]
        assert set(shown) <= spellings, p["name"]  # the sources' spellings, never keys
        orgs = [planted(s) for s in shown]
        assert len(set(orgs)) == len(orgs), (p["name"], shown)
