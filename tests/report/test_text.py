"""The words of a profile: number formats, sentences, the Markdown profile."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stclusters.report import text
from stclusters.report.text import (
    collaboration_sentence,
    format_count,
    format_growth,
    format_population,
    format_share,
    growth_sentence,
    headline,
    ordinal,
    profile_markdown,
    rank_lines,
    sensitivity_sentence,
)


def zhengzhou() -> dict[str, Any]:
    """The published Zhengzhou 2024 profile's figures (example-profile-zhengzhou-2024.txt)."""

    def loc(name: str, n: int) -> dict[str, Any]:
        return {"name": name, "documents": n, "cluster_id": None, "lat": 30.0, "lon": 114.0}

    return {
        "cluster_id": 68,
        "rank": 68,
        "slug": "zhengzhou",
        "name": "Zhengzhou",
        "economies": "CN",
        "economy_names": ["China"],
        "primary_economy": "CN",
        "primary_economy_name": "China",
        "edition": 2024,
        "patents": 765.4,
        "articles": 31064.2,
        "size_score": 0.004,
        "population": 5_364_000.0,
        "patents_per_million": 137.6,
        "articles_per_million": 5791.2,
        "intensity_rank": 87,
        "economy_rank": 19,
        "economy_clusters": 26,
        "growth": None,
        "lat": 34.75,
        "lon": 113.63,
        "top_applicants": [
            {"name": "ZHENGZHOU YUNHAI INFORMATION TECH.", "count": 135.2, "share": 0.177},
            {"name": "ZHENGZHOU UNIVERSITY", "count": 31.6, "share": 0.041},
            {"name": "HENAN YUZHAN PRECISION TECHNOLOGY CO., LTD", "count": 23.0, "share": 0.03},
        ],
        "top_organisations": [
            {"name": "ZHENGZHOU UNIVERSITY", "count": 15843.0, "share": 0.51},
            {"name": "HENAN AGRICULTURAL UNIVERSITY", "count": 1998.4, "share": 0.064},
            {"name": "HENAN UNIVERSITY OF TECHNOLOGY", "count": 1797.0, "share": 0.058},
        ],
        "top_tech_fields": [
            {
                "field": "Computer technology",
                "sector": "Electrical engineering",
                "count": 180.0,
                "share": 0.235,
            },
        ],
        "top_science_fields": [{"field": "Chemistry", "count": 6000.0, "share": 0.193}],
        "patent_collaboration": {
            "share": 0.12,
            "international_share": 0.02,
            "documents": 765,
            "top_locations": [
                loc("Shenzhen–Hong Kong–Guangzhou", 20),
                loc("Beijing", 15),
                loc("Wenzhou", 9),
                loc("Shanghai–Suzhou", 5),
            ],
        },
        "article_collaboration": {
            "share": 0.41,
            "international_share": 0.11,
            "organisations_share": 0.59,
            "documents": 31064,
            "top_locations": [
                loc("Beijing", 2000),
                loc("Shenzhen–Hong Kong–Guangzhou", 1500),
                loc("Shanghai–Suzhou", 1200),
            ],
        },
        "sensitivity": None,
    }


# ------------------------------------------------------------------ formats


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "first"),
        (2, "second"),
        (3, "third"),
        (11, "eleventh"),
        (12, "twelfth"),
        (19, "nineteenth"),
        (20, "twentieth"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (24, "24th"),
        (68, "68th"),
        (101, "101st"),
        (111, "111th"),
        (112, "112th"),
        (113, "113th"),
        (1002, "1002nd"),
    ],
)
def test_ordinal(n: int, expected: str) -> None:
    assert ordinal(n) == expected


def test_ordinal_rejects_zero() -> None:
    with pytest.raises(ValueError, match="rank of 1 or more; got 0"):
        ordinal(0)


@given(st.integers(min_value=21, max_value=10**6))
def test_ordinal_digits_keep_the_number(n: int) -> None:
    word = ordinal(n)
    assert word[:-2] == str(n)
    assert word[-2:] in ("st", "nd", "rd", "th")
    if n % 100 in (11, 12, 13):
        assert word.endswith("th")


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (15842.6, "15,843"),
        (0.4, "0"),
        (0.5, "1"),
        (2.5, "3"),
        (1234567.49, "1,234,567"),
        (135, "135"),
        (None, "–"),
    ],
)
def test_format_count(x: float | None, expected: str) -> None:
    assert format_count(x) == expected


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False))
def test_format_count_reads_back(x: float) -> None:
    assert int(format_count(x).replace(",", "")) == math.floor(x + 0.5)


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (0.184, "18%"),
        (0.005, "1%"),
        (0.0049, "<1%"),
        (0.0, "0%"),
        (1.0, "100%"),
        (0.515, "52%"),
        (None, "–"),
    ],
)
def test_format_share(x: float | None, expected: str) -> None:
    assert format_share(x) == expected


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (31_512_000, "31.5 million"),
        (999_949, "999,949"),
        (999_950, "1.0 million"),
        (12_345_678_901, "12,345.7 million"),
    ],
)
def test_format_population(x: float, expected: str) -> None:
    assert format_population(x) == expected


@pytest.mark.parametrize(
    ("x", "expected"), [(0.0534, "+5.3%"), (-0.021, "-2.1%"), (0.0004, "0.0%"), (None, "–")]
)
def test_format_growth(x: float | None, expected: str) -> None:
    assert format_growth(x) == expected


# ------------------------------------------------------------------ sentences


def test_headline_follows_the_published_profile() -> None:
    lines = [s.text for s in headline(zhengzhou(), top_n=100)]
    assert lines[0] == (
        "Zhengzhou ranks nineteenth of the 26 clusters of China among the top 100 S&T clusters "
        "of 2024."
    )
    assert lines[1] == (
        "Per million inhabitants, it filed 138 patent applications and published 5,791 "
        "scientific articles over the ranking's time windows."
    )
    assert "765 patent applications and 31,064 articles" in lines[2]
    assert lines[2].endswith("for a population of 5.4 million.")
    assert [s.text for s in rank_lines(zhengzhou())] == [
        "68th largest science and technology cluster in 2024",
        "87th S&T cluster by intensity (output relative to population) in 2024",
    ]


def test_headline_marks_the_figures_strong() -> None:
    md = headline(zhengzhou(), top_n=100)[1].markdown()
    assert "**138 patent applications**" in md
    assert "**5,791 scientific articles**" in md


def test_headline_without_top_n_and_single_cluster() -> None:
    p = zhengzhou() | {"economy_clusters": 1, "economy_rank": 1}
    assert headline(p)[0].text == (
        "Zhengzhou is the only cluster of China among the top S&T clusters of 2024."
    )
    assert "top 50 S&T" in headline(p | {"top_n": 50})[0].text


def test_collaboration_sentences_name_the_top_three() -> None:
    patents = collaboration_sentence(zhengzhou(), "patents")
    assert patents.text == (
        "12% of Zhengzhou's patent applications are filed with inventors outside the cluster, "
        "the top locations being Shenzhen–Hong Kong–Guangzhou, Beijing and Wenzhou; 2% involve "
        "inventors outside China."
    )
    assert "**Wenzhou**" in patents.markdown()
    assert "Shanghai" not in patents.text
    articles = collaboration_sentence(zhengzhou(), "articles")
    assert articles.text == (  # the GII's figure first, then ours, each named as what it is
        "59% of Zhengzhou's scientific articles are published in collaboration with other "
        "organisations; 41% have co-authors outside the cluster, the top locations being "
        "Beijing, Shenzhen–Hong Kong–Guangzhou and Shanghai–Suzhou; 11% have co-authors "
        "outside China."
    )
    with pytest.raises(ValueError, match="layer must be 'patents' or 'articles'"):
        collaboration_sentence(zhengzhou(), "people")  # type: ignore[arg-type]


def test_collaboration_without_locations_or_data() -> None:
    p = zhengzhou()
    p["patent_collaboration"] = p["patent_collaboration"] | {"top_locations": []}
    assert "top locations" not in collaboration_sentence(p, "patents").text
    p["article_collaboration"] = None
    assert collaboration_sentence(p, "articles").text == (
        "No collaboration figures were computed for Zhengzhou's scientific articles."
    )


def test_growth_and_sensitivity_sentences() -> None:
    p = zhengzhou()
    assert growth_sentence(p) is None
    assert sensitivity_sentence(p) is None
    fell = growth_sentence(p | {"growth": -0.021})
    assert fell is not None
    assert fell.text == "Zhengzhou's output fell by 2.1% from the previous time window to this one."
    grew = growth_sentence(p | {"growth": 0.25})
    assert grew is not None
    assert "grew by 25.0%" in grew.text
    sens = sensitivity_sentence(
        p | {"sensitivity": {"rank_min": 60, "rank_max": 75, "note": "eps 10-20"}}
    )
    assert sens is not None
    assert (
        sens.text
        == "Across the settings tried, the cluster's size rank ranges from 60 to 75 (eps 10-20)."
    )


def test_sentences_escape_markup() -> None:
    p = zhengzhou() | {"name": "A&B <i>*City*</i>"}
    s = headline(p, top_n=100)[0]
    assert "&lt;i&gt;" in s.html() and "<i>" not in s.html()
    assert "A&B \\<i\\>\\*City\\*\\</i\\>" in s.markdown()


# ------------------------------------------------------------------ Markdown profile


def test_markdown_profile_in_the_published_order() -> None:
    md = profile_markdown(zhengzhou(), top_n=100)
    assert md.startswith("# Zhengzhou, China\n")
    order = [
        "nineteenth",
        "138 patent applications",
        "68th",
        "87th",
        "### Top patent applicants",
        "| 1 | ZHENGZHOU YUNHAI INFORMATION TECH. | 135 | 18% |",
        "| 3 | HENAN YUZHAN PRECISION TECHNOLOGY CO., LTD | 23 | 3% |",
        "### Top publishing organisations",
        "| 1 | ZHENGZHOU UNIVERSITY | 15,843 | 51% |",
        "### Top technology fields in Zhengzhou (patents)",
        "| 1 | Computer technology | Electrical engineering | 180 | 24% |",
        "### Top science fields in Zhengzhou (articles)",
        "## Collaboration",
        "**12%** of Zhengzhou's patent applications",
        "**59%** of Zhengzhou's scientific articles",
    ]
    positions = [md.index(item) for item in order]
    assert positions == sorted(positions)
    assert "Growth" not in md
    assert md.endswith(".\n")


def test_markdown_tables_are_well_formed() -> None:
    md = profile_markdown(
        zhengzhou() | {"top_applicants": [{"name": "A|B", "count": 1, "share": 0.5}]}
    )
    rows = [ln for ln in md.splitlines() if ln.startswith("|")]
    for row in rows:
        cells = re.split(r"(?<!\\)\|", row)[1:-1]
        header = re.split(r"(?<!\\)\|", next(r for r in rows if r.startswith("| Rank")))[1:-1]
        assert len(cells) in (3, 4, 5)
        assert len(cells) >= len(header) - 1
    assert "| 1 | A\\|B | 1 | 50% |" in md


def test_markdown_lists_empty_tables() -> None:
    md = profile_markdown(zhengzhou() | {"top_organisations": []})
    part = md.split("### Top publishing organisations")[1]
    assert part.lstrip().startswith("None recorded.")


def test_profile_tables_share_cells_with_markdown() -> None:
    md = profile_markdown(zhengzhou(), top_n=100)
    for table in text.profile_tables(zhengzhou()):
        for row in table.rows:
            assert "| " + " | ".join(text.md_escape(c) for c in row) + " |" in md


names = st.text(min_size=1, max_size=25)


@given(
    st.lists(
        st.tuples(names, st.floats(0, 1e7), st.floats(0, 1)),
        max_size=5,
    ),
    names,
)
def test_markdown_tables_survive_any_name(items: list[tuple[str, float, float]], name: str) -> None:
    p = zhengzhou() | {
        "name": name,
        "top_applicants": [{"name": n, "count": c, "share": s} for n, c, s in items],
    }
    md = profile_markdown(p, top_n=100)
    section = md.split("### Top patent applicants")[1].split("\n### ")[0]
    rows = [ln for ln in section.splitlines() if ln.startswith("|")]
    if not items:
        assert rows == [] and "None recorded." in section
        return
    assert len(rows) == len(items) + 2
    for k, (line, (n, c, s)) in enumerate(zip(rows[2:], items, strict=True), start=1):
        cells = line[2:-2].split(" | ")
        assert len(cells) == 4, line
        plain = [re.sub(r"\\(.)", r"\1", cell).strip() for cell in cells]
        assert plain == [str(k), " ".join(n.split()), format_count(c), format_share(s)]


# ------------------------------------------------------------------ words a person reads


def test_counts_agree_with_their_nouns() -> None:
    """ "published 1 scientific articles" (issue 11 item 6): the noun follows the number shown."""
    p = zhengzhou() | {"articles_per_million": 1.2, "patents_per_million": 0.8, "articles": 1}
    lines = [s.text for s in headline(p, top_n=100)]
    assert "filed 1 patent application and published 1 scientific article" in lines[1]
    assert "patent applications and 1 article are credited" in lines[2]
    assert text.counted(0.4, "article", "articles") == "0 articles"
    assert text.counted(1000.4, "article", "articles") == "1,000 articles"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("United States", "the United States"),
        ("The Netherlands", "the Netherlands"),
        ("Netherlands", "the Netherlands"),
        ("United Kingdom", "the United Kingdom"),
        ("Republic of Korea", "the Republic of Korea"),
        ("Russian Federation", "the Russian Federation"),
        ("Philippines", "the Philippines"),
        ("Czech Republic", "the Czech Republic"),
        ("China", "China"),
        ("Hong Kong", "Hong Kong"),
        ("Barbados", "Barbados"),
        ("Cyprus", "Cyprus"),
        ("South Korea", "South Korea"),
    ],
)
def test_economy_names_take_the_article_mid_sentence(name: str, expected: str) -> None:
    assert text.economy_in_sentence(name) == expected


def test_headline_names_economies_as_english_does() -> None:
    """ "of the 25 clusters of United States", "of The Netherlands" (issue 11 item 6)."""
    us = zhengzhou() | {"primary_economy_name": "United States", "economy_clusters": 25}
    assert "of the 25 clusters of the United States among" in headline(us, top_n=100)[0].text
    nl = zhengzhou() | {"primary_economy_name": "The Netherlands", "economy_clusters": 1}
    assert "the only cluster of the Netherlands among" in headline(nl, top_n=100)[0].text
    both = zhengzhou() | {"economy_names": ["The Netherlands", "Belgium"]}
    sentence = collaboration_sentence(both, "patents").text
    assert sentence.endswith("outside the Netherlands and Belgium.")
    assert text.title(both) == "Zhengzhou, The Netherlands and Belgium"  # a title: as named


def test_fewer_clusters_than_the_top_n_are_not_called_the_top_n() -> None:
    """ "The 100 largest" when 73 exist (issue 11 item 6)."""
    p = zhengzhou() | {"published": 73}
    first = headline(p, top_n=100)[0].text
    assert first.endswith("among the 73 S&T clusters found in 2024.")
    assert "top 100" not in first
    assert "top 100 S&T clusters of 2024" in headline(p | {"published": 100}, top_n=100)[0].text


def test_time_windows_are_named_by_their_years() -> None:
    p = zhengzhou() | {"windows": {"patent": [2019, 2023], "article": [2018, 2022]}}
    assert headline(p, top_n=100)[1].text == (
        "Per million inhabitants, it filed 138 patent applications in 2019–2023 and published "
        "5,791 scientific articles in 2018–2022."
    )


def test_clusters_without_patents_have_no_zero_percent_sentences() -> None:
    """ "0% of patent applications" for clusters without patents (issue 11 item 6)."""
    p = zhengzhou() | {"patents": 0.0, "patents_per_million": 0.0, "top_applicants": []}
    p["patent_collaboration"] = {
        "documents": 0,
        "share": 0.0,
        "international_share": 0.0,
        "organisations_share": None,
        "top_locations": [],
    }
    lines = [s.text for s in headline(p, top_n=100)]
    assert lines[1] == (
        "Per million inhabitants, it published 5,791 scientific articles over the ranking's time "
        "windows; no patent applications are credited to it."
    )
    assert lines[2].startswith("In all, 31,064 articles are credited")
    patents = collaboration_sentence(p, "patents").text
    assert patents == "No patent applications are credited to Zhengzhou."
    md = profile_markdown(p)
    assert "0%" not in md and " 0 patent" not in md


def test_synthetic_profiles_say_so_first() -> None:
    assert text.data_note(zhengzhou()) is None
    lines = [s.text for s in headline(zhengzhou() | {"synthetic": True}, top_n=100)]
    assert len(lines) == 4 and lines[0].startswith("Synthetic data. These figures come from")
    assert "**Synthetic data.**" in profile_markdown(zhengzhou() | {"synthetic": True})


def _accounts() -> dict[str, Any]:
    """Accounts of a run over a records folder read from two files and a file read by the run,
    with 3 articles given twice across the inputs."""
    read_file = {
        "path": "wos.txt",
        "format": "wos",
        "role": "records",
        "layers": ["article"],
        "records_read": 12,
        "records_kept": 9,
        "records_rejected": 2,
        "duplicates_dropped": 1,
        "problems_total": 2,
        "problems": [
            {
                "file": "wos.txt",
                "line": 7,
                "record": 2,
                "record_id": None,
                "message": "no UT",
                "skipped": True,
            },
        ],
    }
    mixed = read_file | {
        "path": "mixed.csv",
        "format": "table",
        "layers": ["article", "patent"],
        "records_read": 5,
        "records_kept": 4,
        "records_rejected": 1,
        "duplicates_dropped": 0,
        "problems_total": 1,
        "problems": [],
    }
    patents = read_file | {
        "path": "ipg.xml",
        "format": "uspto",
        "layers": [],
        "records_read": 1,
        "records_kept": 0,
        "records_rejected": 1,
        "duplicates_dropped": 0,
        "problems_total": 1,
        "problems": [],
    }
    return {
        "inputs": {
            "records_folders": [
                {
                    "path": "recs",
                    "rows": {"documents": 13},
                    "synthetic": False,
                    "read": {"totals": {}, "files": [read_file, mixed]},
                },
            ],
            "files": [patents],
            "duplicates_across_inputs": {
                "dropped": 3,
                "per_input": [
                    {"input": "recs", "duplicates_dropped": {"article": 3}},
                    {"input": "records read from files", "duplicates_dropped": {}},
                ],
            },
        },
        "documents": {
            "layers": {
                "article": {
                    "read": 8,
                    "kept": 5,
                    "outside_window": 2,
                    "no_year": 0,
                    "filtered_type": 1,
                    "filtered_field": 0,
                    "previous_window": 1,
                },
                "patent": {
                    "read": 2,
                    "kept": 1,
                    "outside_window": 1,
                    "no_year": 0,
                    "filtered_type": 0,
                    "filtered_field": 0,
                },
            }
        },
        "warnings": ["patent layer: few points"],
    }


def test_where_the_records_went_adds_up() -> None:
    flow = text.record_flow(_accounts())
    for row in flow.values():
        assert row["read"] == sum(v for k, v in row.items() if k != "read")
    assert flow["article"] == {
        "read": 14,
        "rejected": 2,
        "duplicates": 4,
        "outside_window": 2,
        "no_year": 0,
        "filtered_type": 1,
        "filtered_field": 0,
        "kept": 5,
    }
    assert flow["patent"]["rejected"] == 1  # a USPTO file's rejected record, by its format
    assert flow[""]["rejected"] == 1  # a table mixing layers: layer not known
    table = text.records_table(_accounts())
    assert [r[0] for r in table.rows] == [
        "Patent applications",
        "Scientific articles",
        "Layer not known",
    ]
    assert table.columns[1] == "Read" and table.columns[-1] == "Kept"
    inputs = text.input_files_table(_accounts())
    assert inputs.rows[0] == ("recs", "records folder", "13", "10", "0", "3", "–")
    assert [r[0] for r in inputs.rows] == ["recs", "  wos.txt", "  mixed.csv", "ipg.xml"]
    lines, total = text.problem_lines(_accounts())
    assert total == 2 + 1 + 1 + 1
    assert lines == ["wos.txt line 7 record 2: no UT; record skipped", "patent layer: few points"]


def test_the_first_cluster_is_the_largest() -> None:
    lines = [s.text for s in rank_lines(zhengzhou() | {"rank": 1})]
    assert lines[0] == "largest science and technology cluster in 2024"
    assert rank_lines(zhengzhou())[0].markdown().startswith("**68th largest**")
