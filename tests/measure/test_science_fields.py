"""Tests of the science-field tables (Web of Science categories, Scopus ASJC -> OECD fields)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from stclusters.measure.fields import (
    OECD_FIELDS,
    WOS_CATEGORIES,
    is_ssh,
    science_field,
    science_fields_table,
)

WOS_SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "samples" / "wos"


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig", errors="replace")


def _wc_values(text: str) -> list[str]:
    """The WC (subject category) values of a WoS export, tab-delimited or plain text."""
    lines = text.splitlines()
    if lines and lines[0].startswith("PT\t"):
        header = lines[0].split("\t")
        col = header.index("WC")
        return [
            parts[col] for line in lines[1:] if len(parts := line.split("\t")) > col and parts[col]
        ]
    values: list[str] = []
    current: list[str] | None = None
    for line in lines:
        tag = line[:2]
        if tag.strip():
            if current is not None:
                values.append(" ".join(current))
            current = [line[3:].strip()] if tag == "WC" else None
        elif current is not None:  # continuation line of a WC field
            current.append(line.strip())
    if current is not None:
        values.append(" ".join(current))
    return values


@pytest.fixture(scope="module")
def sample_categories() -> set[str]:
    if not WOS_SAMPLES.is_dir():
        pytest.skip(f"the shared Web of Science samples are absent ({WOS_SAMPLES})")
    found: set[str] = set()
    for path in sorted(WOS_SAMPLES.iterdir()):
        for value in _wc_values(_decode(path.read_bytes())):
            found.update(c.strip() for c in value.split(";") if c.strip())
    return found


def test_every_category_of_the_samples_is_mapped(sample_categories: set[str]) -> None:
    assert len(sample_categories) > 100
    unmapped = sorted(c for c in sample_categories if science_field(c) is None)
    assert unmapped == []


def test_table_size_and_uniqueness() -> None:
    assert len(WOS_CATEGORIES) == 254
    keys = {c.casefold().replace("&", "and") for c in WOS_CATEGORIES}
    assert len(keys) == len(WOS_CATEGORIES)
    table = science_fields_table()
    assert [c for c, _ in table] == WOS_CATEGORIES
    for _, field in table:
        assert field.code in OECD_FIELDS and "." in field.code
        assert field.major == int(field.code.split(".")[0])
        assert field.major_name == OECD_FIELDS[str(field.major)]


def test_csv_has_one_row_per_category() -> None:
    path = Path(__file__).resolve().parents[2] / "src/stclusters/data/wos_categories.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    names = [row["category"] for row in rows]
    assert len(names) == len(set(names)) == 254


@pytest.mark.parametrize(
    ("category", "code"),
    [
        ("Chemistry, Multidisciplinary", "1.4"),
        ("Engineering, Electrical & Electronic", "2.2"),
        ("ENGINEERING, ELECTRICAL AND ELECTRONIC", "2.2"),
        ("engineering electrical & electronic", "2.2"),
        ("Medicine, General & Internal", "3.2"),
        ("Computer Science, Information Systems", "1.2"),
        ("Physics, Applied", "1.3"),
        ("History & Philosophy of Science", "6.3"),
        ("Agriculture, Dairy & Animal Science", "4.2"),
        ("Nanoscience & Nanotechnology", "2.10"),
        ("Economics", "5.2"),
    ],
)
def test_science_field_lookup(category: str, code: str) -> None:
    field = science_field(category)
    assert field is not None
    assert field.code == code


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("Sociology", True),
        ("History", True),
        ("Economics", True),
        ("Psychology, Clinical", True),
        ("Literature, Romance", True),
        ("Oncology", False),
        ("Engineering, Electrical & Electronic", False),
        ("Multidisciplinary Sciences", False),
        ("Health Policy & Services", False),
        ("Not A Category", False),
    ],
)
def test_is_ssh_wos(category: str, expected: bool) -> None:
    assert is_ssh(category) is expected


@pytest.mark.parametrize(
    ("code", "field_code", "ssh"),
    [
        ("1702", "1.2", False),  # Computer Science, Artificial Intelligence: area 17
        ("1700", "1.2", False),
        ("17", "1.2", False),
        ("2208", "2.2", False),
        ("2210", "2.3", False),
        ("1202", "6.1", True),
        ("3312", "5.4", True),
        ("3304", "5.3", True),
        ("2713", "3.3", False),
        ("2740", "3.2", False),  # a Medicine code without its own row: area default
        ("3600", "3.3", False),
    ],
)
def test_asjc_codes(code: str, field_code: str, ssh: bool) -> None:
    field = science_field(code, scheme="asjc")
    assert field is not None
    assert field.code == field_code
    assert is_ssh(code, scheme="asjc") is ssh


def test_asjc_areas_cover_all_27_subject_areas() -> None:
    areas = {code for code, _ in science_fields_table(scheme="asjc") if len(code) == 2}
    assert areas == {str(n) for n in range(10, 37)}


def test_unknown_and_bad_input() -> None:
    assert science_field("9999", scheme="asjc") is None
    assert science_field("abc", scheme="asjc") is None
    assert science_field(None) is None  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="scheme must be one of wos, asjc; got 'scopus'"):
        science_field("Oncology", scheme="scopus")
    with pytest.raises(ValueError, match="scheme must be one of"):
        science_fields_table(scheme="x")
