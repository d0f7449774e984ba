"""The one list of country codes (stclusters._countries) and how the readers apply it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from stclusters._countries import (
    LEGACY,
    NOT_COUNTRIES,
    iso_alpha2,
    iso_alpha2_codes,
    legacy_alpha2,
    why_not_alpha2,
)
from stclusters.readers import read_inputs, read_patentsview
from stclusters.readers._common import MAPPED_NOTE
from stclusters.readers.pct import read_pct


def test_iso_set_is_iso_3166_1() -> None:
    codes = iso_alpha2_codes()
    assert len(codes) == 249  # officially assigned ISO 3166-1 alpha-2 codes (2024)
    assert {"US", "GB", "DE", "JP", "SS", "BQ", "CW", "SX", "AQ", "TW", "PS"} <= codes
    assert not {"UK", "XK", "AN", "CS", "SU", "YU", "EP", "WO", "EU", "NY"} & codes


def test_legacy_codes_map_to_iso_and_never_shadow_one() -> None:
    codes = iso_alpha2_codes()
    assert not set(LEGACY) & codes
    assert set(LEGACY.values()) <= codes
    assert not set(LEGACY) & set(NOT_COUNTRIES)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("JP", "JP"),
        (" de ", "DE"),
        ("JA", "JP"),
        ("DT", "DE"),
        ("SW", "SE"),
        ("SF", "FI"),
        ("uk", "GB"),
        ("NY", None),
        ("EP", None),
        ("SU", None),
        ("XK", None),
        ("omitted", None),
        ("USA", None),
        ("", None),
        (None, None),
        (49, None),
    ],
)
def test_iso_alpha2(value: object, expected: str | None) -> None:
    assert iso_alpha2(value) == expected


def test_legacy_and_messages() -> None:
    assert legacy_alpha2("ja") and not legacy_alpha2("JP") and not legacy_alpha2("NY")
    assert "several successor states" in why_not_alpha2("SU")
    assert "not an ISO 3166-1 alpha-2 country code" in why_not_alpha2("NY")


def test_canonical_tables_map_and_report_countries(tmp_path: Path) -> None:
    folder = tmp_path / "tables"
    folder.mkdir()
    (folder / "documents.csv").write_text("doc_id,layer\nP1,patent\nP2,patent\nP3,patent\n")
    (folder / "people.csv").write_text(
        "doc_id,person_seq,address_seq,role,country\n"
        "P1,0,0,inventor,JA\nP1,1,1,inventor,ja\nP2,0,0,inventor,NY\nP3,0,0,inventor,US\n"
    )
    (folder / "applicants.csv").write_text("doc_id,name,country\nP1,Acme,UK\nP2,Beta,EP\n")
    result = read_inputs([folder])
    result.records.validate()
    assert result.records.people["country"].to_pylist() == ["JP", "JP", None, "US"]
    assert result.records.applicants["country"].to_pylist() == ["GB", None]
    account = result.accounts[0]
    (note,) = [n for n in account.notes if n.startswith(MAPPED_NOTE)]
    assert "JA->JP (2)" in note and "UK->GB (1)" in note
    messages = [p.message for p in account.problems]
    assert any("'NY'" in m and "first in P2" in m for m in messages)
    assert any("European Patent Office" in m for m in messages)


def test_patentsview_countries(data: Path, tmp_path: Path) -> None:
    """PatentsView reads its countries through the same list (old codes mapped, others empty)."""
    folder = tmp_path / "pv"
    shutil.copytree(data / "patentsview", folder)
    locations = folder / "g_location_disambiguated.tsv"
    text = locations.read_text()
    text = text.replace("London\t\tGB", "London\t\tUK").replace(
        "New York\tNY\tUS", "New York\tNY\tNY"
    )
    locations.write_text(text)
    result = read_patentsview(folder)
    result.records.validate()
    by_city = {p["city"]: p["country"] for p in result.records.people.to_pylist()}
    assert (by_city["London"], by_city["Cambridge"], by_city["New York"]) == ("GB", "US", None)
    account = result.accounts[0]
    # London is the place of an inventor and of an assignee
    assert any(n.startswith(MAPPED_NOTE) and "UK->GB (2)" in n for n in account.notes)
    bad = [p.message for p in account.problems if p.record_id == "US-D900001-S1"]
    assert len(bad) == 2 and all("'NY' is not an ISO 3166-1" in m for m in bad)
    assert {m.split(":")[0] for m in bad} == {"people", "applicants"}


def test_patent_xml_countries(cases: Path, tmp_path: Path) -> None:
    """The XML readers read party countries through the same list (here PCT ST.36)."""
    text = (cases / "pct_same_name_inventors.xml").read_text()
    first, second = text.split("<country>CN</country></address></addressbook></inventor>", 1)
    path = tmp_path / "pct.xml"
    path.write_text(
        first
        + "<country>JA</country></address></addressbook></inventor>"
        + second.replace("<country>CN</country>", "<country>SU</country>", 1)
    )
    result = read_pct(path)
    countries = [p["country"] for p in result.records.people.to_pylist()]
    assert countries == ["JP", None, "CN"]
    account = result.accounts[0]
    assert any(n.startswith(MAPPED_NOTE) and "JA->JP (1)" in n for n in account.notes)
    (problem,) = account.problems
    assert problem.record_id == "WO-2021999001" and "Soviet Union" in problem.message
