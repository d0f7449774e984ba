"""Tests of the IPC-to-technology-field concordance (stclusters.measure.fields)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from stclusters.measure.fields import (
    SECTORS,
    TECHNOLOGY_FIELDS,
    example_ipc_codes,
    ipc_fields,
    map_ipc_codes,
    normalise_ipc,
    technology_field,
)

REFERENCE = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "data"
    / "samples"
    / "reference"
    / "ipc_technology.csv"
)


@pytest.fixture(scope="module")
def reference_rows() -> list[dict[str, str]]:
    if not REFERENCE.exists():
        pytest.skip(f"the shared reference concordance is absent ({REFERENCE})")
    with REFERENCE.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _codes_for_pattern(pattern: str) -> list[str]:
    """IPC codes, in several notations, that the SQL LIKE pattern of the reference matches.

    ``"F21H%"`` is a whole subclass; ``"H04N   3/%"`` is one main group (the reference pads
    the main group to four characters).
    """
    m = re.fullmatch(r"([A-H]\d\d[A-Z])(?:\s*(\d+)/)?%", pattern)
    assert m is not None, pattern
    subclass, group = m.group(1), m.group(2)
    if group is None:
        return [subclass, f"{subclass} 1/00", f"{subclass.lower()}1/02", f"{subclass}0099000000"]
    g = int(group)
    return [f"{subclass} {g}/00", f"{subclass}{g:04d}120000", f"{subclass}  {g}/123 (2006.01)"]


def test_every_reference_pattern_gets_the_same_field(
    reference_rows: list[dict[str, str]],
) -> None:
    patterns = {row["IPC_code"]: int(row["Field_number"]) for row in reference_rows}
    # One field per pattern (SOURCES.md says 763 rows; the file holds 764 distinct patterns).
    assert len(patterns) == len(reference_rows) >= 763
    wrong = []
    for pattern, number in patterns.items():
        for code in _codes_for_pattern(pattern):
            field = technology_field(code)
            if field is None or field.number != number:
                wrong.append((pattern, code, number, field))
    assert wrong == []


def test_field_and_sector_names_match_the_reference(
    reference_rows: list[dict[str, str]],
) -> None:
    names = {
        int(row["Field_number"]): (row["Field_en"], row["Sector_en"]) for row in reference_rows
    }
    assert {f.number: (f.name, f.sector) for f in TECHNOLOGY_FIELDS} == names


def test_35_fields_in_5_sectors() -> None:
    assert [f.number for f in TECHNOLOGY_FIELDS] == list(range(1, 36))
    assert SECTORS == [
        "Electrical engineering",
        "Instruments",
        "Chemistry",
        "Mechanical engineering",
        "Other fields",
    ]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("H04L 29/06", "H04L 29/06"),
        ("H04L29/06", "H04L 29/06"),
        ("H04L0029060000", "H04L 29/06"),
        ("H04L  29/06", "H04L 29/06"),
        ("h04l 29/06", "H04L 29/06"),
        ("A61K 31/00 (2006.01)", "A61K 31/00"),
        ("7 H04L 29/06", "H04L 29/06"),
        ("H04L-029/06", "H04L 29/06"),
        ("B60L11/18", "B60L 11/18"),
        ("H04L 29/06 A", "H04L 29/06"),
        ("H04L  29/06   AI", "H04L 29/06"),
        ("Int.Cl.7 H04L 29/06", "H04L 29/06"),
        ("INT. CL.7: G06F 17/30", "G06F 17/30"),
        ("A61K0008970000 20130101", "A61K 8/97"),
        ("H04L 29/0653", "H04L 29/0653"),
        ("G06F 3/0480", "G06F 3/048"),
        ("H04L", "H04L"),
        ("H04L 29", "H04L 29/00"),
        (" c07d  401 / 04 ", "C07D 401/04"),
        ("", None),
        ("garbage", None),
        ("H04", None),
        ("Z99Z 1/00", None),
        ("H00L 1/00", None),
        ("H04L 0/00", None),
        ("H04L 29/06/07", None),
        ("12345", None),
    ],
)
def test_normalise_ipc(code: str, expected: str | None) -> None:
    assert normalise_ipc(code) == expected


def test_normalise_ipc_rejects_non_strings() -> None:
    assert normalise_ipc(None) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "number"),
    [
        ("H04N 21/43", 4),  # main-group row beats the subclass row
        ("H04N 1/00", 3),
        ("H04N 5/232", 2),
        ("H04N 23/60", 2),  # a 2023 main group: falls back to the subclass row
        ("G01N 33/53", 11),
        ("G01N 21/65", 10),
        ("A61K 8/97", 14),
        ("A61K 31/4439", 16),
        ("B01D 53/94", 24),
        ("B01D 61/00", 23),
        ("E01F 8/00", 24),
        ("E01F 9/00", 35),
        ("C13B 5/00", 29),
        ("C13B 10/00", 18),
        ("G06V 10/82", 6),  # subclass created after the 2019 table
        ("H10K 50/00", 8),
    ],
)
def test_longest_match_wins(code: str, number: int) -> None:
    field = technology_field(code)
    assert field is not None
    assert field.number == number


def test_unmapped_codes() -> None:
    assert technology_field("Y02E 10/50") is None  # CPC-only section
    assert technology_field("not a code") is None
    assert map_ipc_codes(["H04L 29/06", None, "junk", "A61K 8/97"]) == [4, None, None, 14]


def test_ipc_fields_of_several_codes() -> None:
    assert ipc_fields("H04L 29/06; G06F 21/00 | H04L 9/32,junk") == [4, 6]
    assert ipc_fields(["A61K 31/00", "A61P 35/00", "C07D 401/04"]) == [14, 16]
    assert ipc_fields("") == []


@pytest.mark.parametrize("number", range(1, 36))
def test_example_codes_belong_to_their_field(number: int) -> None:
    codes = example_ipc_codes(number)
    assert len(codes) == 3
    for code in codes:
        assert normalise_ipc(code) == code
        field = technology_field(code)
        assert field is not None and field.number == number


def test_example_codes_bad_field() -> None:
    with pytest.raises(ValueError, match=r"field_number must be 1\.\.35; got 36"):
        example_ipc_codes(36)


def test_table_has_no_duplicate_rows() -> None:
    path = Path(__file__).resolve().parents[2] / "src" / "stclusters" / "data"
    with (path / "ipc_technology_fields.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    keys = [row["ipc"] for row in rows]
    assert len(keys) == len(set(keys))
    assert all(re.fullmatch(r"[A-H]\d\d[A-Z]( \d{1,4})?", k) for k in keys)
