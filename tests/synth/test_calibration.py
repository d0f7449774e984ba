"""The calibration table of the synthetic world: its content and its agreement with the notes."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from stclusters.errors import InputError
from stclusters.places import load_places
from stclusters.synth import load_calibration
from stclusters.synth.calibration import _parse
from stclusters.synth.geography import find_place, keep_factor
from stclusters.synth.teams import abroad_share


def test_table_matches_the_calibration_notes(calibration_dir: Path) -> None:
    """Our table (data/world.toml) and ../shared/data/calibration/*.csv never drift apart."""
    cal = load_calibration()
    with (calibration_dir / "country_output.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [e.iso2 for e in cal.economies] == [r["iso2"] for r in rows]
    for eco, row in zip(cal.economies, rows, strict=True):
        assert eco.name == row["economy"]
        assert eco.patents == int(row["pct_applications_2019_2023"])
        assert eco.articles == int(row["articles_2018_2022"])
    with (calibration_dir / "hubs_gii2023.csv").open(encoding="utf-8") as fh:
        hubs = list(csv.DictReader(fh))
    assert [h.name for h in cal.hubs] == [r["hub"] for r in hubs]
    for hub, row in zip(cal.hubs, hubs, strict=True):
        assert hub.economies == tuple(row["economies"].split(";"))
        assert [f"{n}|{c}" for n, c in hub.places] == row["places"].split(";")
        assert hub.patents == int(row["pct_applications"])
        assert hub.articles == int(row["articles"])
        assert hub.basis == row["basis"]


def test_every_hub_lies_in_listed_economies_and_fits_them() -> None:
    cal = load_calibration()
    codes = {e.iso2 for e in cal.economies}
    for hub in cal.hubs:
        assert set(hub.economies) <= codes, hub.name
        assert {c for _, c in hub.places} <= set(hub.economies), hub.name
    for eco in cal.economies:
        for layer in ("patent", "article"):
            planted = sum(h.output(layer) for h in cal.hubs if h.economies == (eco.iso2,))
            assert planted <= eco.output(layer), (eco.iso2, layer)


def test_every_hub_place_is_a_geonames_place() -> None:
    places = load_places()
    for hub in load_calibration().hubs:
        for name, country in hub.places:
            idx = find_place(places, name, country)
            assert places.country[idx] == country
            assert places.population[idx] >= 50_000, (hub.name, name)


def test_malformed_tables_are_rejected_with_a_clear_message() -> None:
    good = {
        "economies": [{"iso2": "CN", "name": "China", "patents": 1, "articles": 2}],
        "hubs": [
            {
                "name": "X",
                "economies": ["CN"],
                "places": ["Beijing|CN"],
                "patents": 1,
                "articles": 1,
            }
        ],
    }
    assert _parse(good, "t.toml").hubs[0].places == (("Beijing", "CN"),)
    bad_place = {**good, "hubs": [{**good["hubs"][0], "places": ["Beijing"]}]}  # type: ignore[dict-item]
    with pytest.raises(InputError, match=r"t\.toml: hub 'X': place 'Beijing' is not 'Name\|ISO2'"):
        _parse(bad_place, "t.toml")
    with pytest.raises(InputError, match=r"t\.toml: malformed calibration table"):
        _parse({"economies": [{"iso2": "CN"}], "hubs": []}, "t.toml")
    twice = {**good, "economies": good["economies"] * 2}
    with pytest.raises(InputError, match="listed twice"):
        _parse(twice, "t.toml")


def test_an_economy_may_collaborate_abroad_more_than_the_default() -> None:
    base = {"iso2": "SG", "name": "Singapore", "patents": 1, "articles": 2}
    own = _parse(
        {"economies": [{**base, "collaboration": {"article": [1.0, 0.76]}}], "hubs": []}, "t"
    )
    sg = own.economies[0]
    assert sg.international("article") == (1.0, 0.76)
    assert sg.international("patent") is None
    for bad, message in (
        ({"articles": [1.0, 0.5]}, r"t: economy 'SG': collaboration layer 'articles' is not one"),
        ({"article": [1.2, 0.5]}, r"t: economy 'SG': collaboration\.article must be two shares"),
        ({"article": [0.5]}, r"t: economy 'SG': collaboration\.article must be two shares"),
    ):
        with pytest.raises(InputError, match=message):
            _parse({"economies": [{**base, "collaboration": bad}], "hubs": []}, "t")


def test_singapore_collaboration_gives_its_hub_figure() -> None:
    """Singapore is one city, so its expected fractional article output (home documents times the
    keep factor of the geography, visitors from abroad included) is its hub's published figure."""
    cal = load_calibration()
    total = np.array([e.articles for e in cal.economies], dtype=float)
    sent = np.array([abroad_share("article", e.international("article")) for e in cal.economies])
    keep = keep_factor(total, sent)
    i = [e.iso2 for e in cal.economies].index("SG")
    (hub,) = [h for h in cal.hubs if h.economies == ("SG",)]
    assert keep[i] * total[i] == pytest.approx(hub.articles, rel=0.02)
    # the default team model keeps nearly all of a document's weight at home
    assert np.median(keep) > 0.99
