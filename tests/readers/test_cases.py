"""Real users' files that were read wrong (issue 10): each right value is a test on its file.

The inputs are in ../shared/data/cases (see the README there); the tests skip when it is absent.
"""

from __future__ import annotations

from pathlib import Path

from stclusters.readers import pct, uspto


def _inventors(records_people: list[dict[str, object]], doc_id: str) -> list[dict[str, object]]:
    return sorted(
        (p for p in records_people if p["doc_id"] == doc_id),
        key=lambda p: (p["person_seq"], p["address_seq"]),
    )


# ---- item 4: inventors with the same name are two people


def test_uspto_same_name_inventors_are_distinct(cases: Path) -> None:
    result = uspto.read_uspto(cases / "uspto_same_name_inventors.xml")
    people = _inventors(result.records.people.to_pylist(), "US-8920004-B2")
    assert [p["person_seq"] for p in people] == [0, 1, 2]
    assert [(p["name"], p["city"]) for p in people] == [
        ("Kim, Jong-Ho", "Seoul"),
        ("Kim, Jong-Ho", "Suwon-si"),
        ("Lee, Sang-Woo", "Seoul"),
    ]


def test_pct_same_name_inventors_are_distinct(cases: Path) -> None:
    result = pct.read_pct(cases / "pct_same_name_inventors.xml")
    people = _inventors(result.records.people.to_pylist(), "WO-2021999001")
    assert len(people) == 3
    assert [p["name"] for p in people].count("WANG, Wei") == 2
    assert [p["city"] for p in people].count("Shanghai") == 1
    assert len({p["person_seq"] for p in people}) == 3
