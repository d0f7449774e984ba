"""Value helpers: IPC notations, postcodes in city fields, DOIs, C1 parsing, detection."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stclusters.readers import detect_format
from stclusters.readers._common import Source, country_code, normalise_doi, parse_ipc, split_city
from stclusters.readers.scopus import organisation_of, split_authors_with_affiliations
from stclusters.readers.wos import parse_c1


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("H01F  27/14        20060101AFI20171122BHEP        ", "H01F 27/14"),
        (" 7C 07C  29/44   A", "C07C 29/44"),
        ("2C 07D 307/12 A", "C07D 307/12"),
        ("A45F  504", "A45F 5/04"),
        ("G06F 1730", "G06F 17/30"),
        ("F25B2313/0233 20130101 LA20200715BHEP ", "F25B 2313/0233"),
        ("A61K031/4439", "A61K 31/4439"),
        ("not a code", None),
    ],
)
def test_parse_ipc(text: str, code: str | None) -> None:
    assert parse_ipc(text) == code


@given(
    st.sampled_from("ABCDEFGH"),
    st.integers(1, 99),
    st.sampled_from("ABCDKLMNQ"),
    st.integers(1, 9999),
    st.integers(0, 999999),
)
def test_parse_ipc_round_trip(section: str, cls: int, sub: str, main: int, group: int) -> None:
    code = f"{section}{cls:02d}{sub} {main}/{group:02d}"
    assert parse_ipc(code) == code
    assert parse_ipc(f"{section}{cls:02d}{sub}{main:>4}/{group:02d} 20060101AFI") == code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("80331 München", ("München", None, "80331")),
        ("Ichihara-shi,\nChiba 290-8566", ("Ichihara-shi", "Chiba", "290-8566")),
        ("NL-1062 XK Amsterdam", ("Amsterdam", None, "1062 XK")),
        ("Cambridge CB2 1DP", ("Cambridge", None, "CB2 1DP")),
        ("Boston, MA 02116", ("Boston", "MA", "02116")),
        ("D-5600 Wuppertal 1", ("Wuppertal", None, "5600")),
        ("Kfar-Saba", ("Kfar-Saba", None, None)),
        ("", (None, None, None)),
    ],
)
def test_split_city(text: str, expected: tuple[str | None, ...]) -> None:
    assert split_city(text) == expected


def test_small_value_helpers() -> None:
    assert normalise_doi("https://doi.org/10.1007/ABC") == "10.1007/abc"
    assert normalise_doi("doi: 10.1/X ") == "10.1/x"
    assert normalise_doi("n/a") is None
    assert country_code("de") == "DE"
    assert country_code("omitted") is None


def test_parse_c1() -> None:
    assert parse_c1(["[Luo, Z; Li, W] Huazhong Univ, Wuhan 430074, Peoples R China."]) == [
        (["Luo, Z", "Li, W"], "Huazhong Univ, Wuhan 430074, Peoples R China")
    ]
    assert parse_c1(["UNIV CAMBRIDGE,DEPT ZOOL,CAMBRIDGE CB2 3EJ,ENGLAND."]) == [
        (None, "UNIV CAMBRIDGE,DEPT ZOOL,CAMBRIDGE CB2 3EJ,ENGLAND")
    ]


def test_split_authors_with_affiliations_falls_back_without_names() -> None:
    affs = ["Dept A, Univ X, Paris, France", "Lab B, Univ Y, Lyon, France"]
    text = (
        "Doe, J., Dept A, Univ X, Paris, France, Lab B, Univ Y, Lyon, France; "
        "Roe, R., Lab B, Univ Y, Lyon, France"
    )
    expected = [("Doe, J.", affs), ("Roe, R.", [affs[1]])]
    assert split_authors_with_affiliations(text, ["Doe J.", "Roe R."], affs) == expected
    assert split_authors_with_affiliations(text, [], affs) == expected
    assert organisation_of("Dept A, Univ X, Paris, France") == "Univ X"


def test_detect_format(samples: Path, data: Path) -> None:
    expected = {
        "wos/ManyAuthors.isi": "wos",
        "wos/wos_tab_delimited_win_utf16.txt": "wos",
        "wos/wos_2026_04_02_1000.txt": "wos",
        "scopus/scopus_testing.csv.scopus": "scopus",
        "openalex/entity_list_samples.converted.json": "openalex",
        "openalex/openalex_ru_2025-08-15.csv": "institutions",
        "patents/epo/grant/v1-5-1-B1.xml": "epo",
        "patents/uspto/ipgxml/ipg130416.small.xml": "uspto",
        "reference/ipc_technology.csv": None,
    }
    for name, fmt in expected.items():
        assert detect_format(Source(samples / name)) == fmt, name
    assert detect_format(Source(data / "pct_st36.xml")) == "pct"
    assert detect_format(Source(data / "patentsview" / "g_patent.tsv")) == "patentsview"
