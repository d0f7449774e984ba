"""The record model: schemas, conforming, validation errors, Parquet round trips."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stclusters.errors import InputError, ValidationError
from stclusters.records import (
    SCHEMAS,
    Records,
    RecordsWriter,
    checksum,
    conform,
    read_manifest,
    read_records,
    validate,
    write_records,
)


def tiny() -> Records:
    return Records.from_tables(
        documents=[
            {"doc_id": "P1", "layer": "patent", "year": 2020, "doc_type": "WO-A1"},
            {"doc_id": "A1", "layer": "article", "year": 2019, "doc_type": "Article"},
        ],
        people=[
            {
                "doc_id": "P1",
                "person_seq": 0,
                "address_seq": 0,
                "role": "inventor",
                "city": "Zhengzhou",
                "country": "CN",
                "lat": 34.75,
                "lon": 113.65,
                "precision": "city",
            },
            {
                "doc_id": "P1",
                "person_seq": 1,
                "address_seq": 1,
                "role": "inventor",
                "country": "CN",
            },
            {
                "doc_id": "A1",
                "person_seq": 0,
                "address_seq": 0,
                "role": "author",
                "organisation": "Zhengzhou Univ",
                "address": "Zhengzhou Univ, Zhengzhou, Peoples R China",
            },
            {"doc_id": "A1", "person_seq": 0, "address_seq": 1, "role": "author"},
        ],
        classes=[{"doc_id": "P1", "scheme": "ipc", "code": "H04L 29/06"}],
        applicants=[{"doc_id": "P1", "name": "ZHENGZHOU UNIVERSITY", "country": "CN"}],
    )


def test_valid_records_pass_and_counts_are_returned() -> None:
    counts = validate(tiny())
    assert counts == {"documents": 2, "people": 4, "classes": 1, "applicants": 1}


def test_conform_fills_missing_columns_and_casts() -> None:
    table = pa.table({"doc_id": ["X"], "layer": ["patent"], "year": pa.array([2020], pa.int64())})
    out = conform(table, "documents")
    assert out.schema.equals(SCHEMAS["documents"])
    assert out.column("title").null_count == 1


def test_conform_rejects_unknown_columns() -> None:
    with pytest.raises(InputError, match="unknown column"):
        conform(pa.table({"doc_id": ["X"], "colour": ["red"]}), "documents")


def test_conform_names_the_column_it_cannot_cast() -> None:
    table = pa.table({"doc_id": ["X"], "role": ["author"], "lat": ["north"]})
    with pytest.raises(InputError, match="column 'lat'"):
        conform(table, "people")


BAD_CASES = [
    ("documents", 0, {"doc_id": "P1"}, "duplicate doc_id"),
    ("documents", 0, {"layer": "book"}, "layer other than"),
    ("documents", 0, {"year": 1500}, "year"),
    ("people", 0, {"doc_id": "NOPE"}, "not in documents"),
    ("people", 0, {"role": "author"}, "does not fit the layer"),
    ("people", 0, {"role": "chef"}, "role other than"),
    ("people", 0, {"lat": 95.0}, "latitude"),
    ("people", 0, {"lon": -181.0}, "longitude"),
    ("people", 0, {"lon": None}, "only one of lat and lon"),
    ("people", 0, {"precision": "village"}, "precision other than"),
    ("people", 0, {"precision": None}, "without a precision"),
    ("people", 0, {"country": "China"}, "ISO 3166"),
    ("people", 0, {"person_seq": -1}, "negative"),
    ("people", 1, {"person_seq": 0, "address_seq": 0}, "duplicate"),
    ("classes", 0, {"doc_id": "NOPE"}, "classes: 1 row"),
    ("classes", 0, {"code": ""}, "empty scheme or code"),
    ("applicants", 0, {"doc_id": "NOPE"}, "applicants: 1 row"),
    ("applicants", 0, {"name": ""}, "empty name"),
    ("applicants", 0, {"country": "cn"}, "ISO 3166"),
]


@pytest.mark.parametrize(("table", "row", "change", "message"), BAD_CASES)
def test_each_validation_error_is_reported(
    table: str, row: int, change: dict[str, object], message: str
) -> None:
    recs = tiny()
    rows = recs.table(table).to_pylist()
    if table == "documents" and "doc_id" in change:
        rows.append({**rows[row], **change})
    else:
        rows[row] = {**rows[row], **change}
    bad = Records.from_tables(**{**{n: recs.table(n) for n in SCHEMAS}, table: rows})
    with pytest.raises(ValidationError, match=message):
        validate(bad)


def test_every_problem_is_reported_at_once() -> None:
    recs = tiny()
    people = recs.people.to_pylist()
    people[0]["lat"] = 99.0
    people[1]["country"] = "xx"
    docs = recs.documents.to_pylist()
    docs[1]["year"] = 3000
    bad = Records.from_tables(
        documents=docs, people=people, classes=recs.classes, applicants=recs.applicants
    )
    with pytest.raises(ValidationError) as info:
        validate(bad)
    assert len(info.value.problems) == 3
    assert "3 problem(s)" in str(info.value)


def test_wrong_types_are_reported_without_conforming() -> None:
    recs = tiny()
    bad = Records(
        documents=recs.documents.set_column(2, "year", pa.array(["2020", "2019"], pa.string())),
        people=recs.people,
        classes=recs.classes,
        applicants=recs.applicants,
    )
    with pytest.raises(ValidationError, match=r"documents\.year: type string"):
        validate(bad)


def test_parquet_round_trip_and_manifest(tmp_path: Path) -> None:
    recs = tiny()
    folder = write_records(recs, tmp_path / "recs", meta={"source": "test"})
    manifest = read_manifest(folder)
    assert manifest["rows"] == recs.counts()
    assert manifest["source"] == "test"
    back = read_records(folder)
    for name in SCHEMAS:
        assert back.table(name).equals(recs.table(name))
    assert validate(folder) == recs.counts()


def test_validate_folder_reports_missing_file_and_bad_schema(tmp_path: Path) -> None:
    folder = write_records(tiny(), tmp_path / "recs")
    (folder / "classes.parquet").unlink()
    pq.write_table(pa.table({"doc_id": ["A"], "layer": [1]}), folder / "documents.parquet")
    with pytest.raises(ValidationError) as info:
        validate(folder)
    text = str(info.value)
    assert "classes.parquet: file missing" in text
    assert "missing column 'year'" in text


def test_read_records_on_a_plain_folder_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a records folder"):
        read_records(tmp_path)


def test_writer_streams_chunks_and_checksum_is_stable(tmp_path: Path) -> None:
    recs = tiny()
    with RecordsWriter(tmp_path / "a") as writer:
        writer.write(recs)
        writer.write(Records())
    write_records(recs, tmp_path / "b")
    assert checksum(tmp_path / "a") == checksum(tmp_path / "b")
    assert read_manifest(tmp_path / "a")["rows"]["people"] == 4


@settings(max_examples=30, deadline=None)
@given(
    lats=st.lists(st.floats(min_value=-90, max_value=90), min_size=1, max_size=20),
    years=st.lists(st.integers(min_value=1800, max_value=2100), min_size=1, max_size=20),
)
def test_any_in_range_values_validate(lats: list[float], years: list[int]) -> None:
    docs = [{"doc_id": f"D{i}", "layer": "article", "year": y} for i, y in enumerate(years)]
    people = [
        {
            "doc_id": f"D{i % len(years)}",
            "person_seq": i,
            "address_seq": 0,
            "role": "author",
            "lat": lat,
            "lon": 0.0,
            "precision": "city",
        }
        for i, lat in enumerate(lats)
    ]
    assert validate(Records.from_tables(documents=docs, people=people))["people"] == len(lats)


def test_check_records_takes_the_content_checksum_of_its_scans(tmp_path: Path) -> None:
    """check_records gives the checksum that content_checksum computes on its own, for a
    folder and for the records in memory, and the checksum follows the content, not the
    order of the rows."""
    import duckdb

    from stclusters.records import check_records, content_checksum

    records = tiny()
    write_records(records, tmp_path / "recs")
    shuffled = Records(
        documents=records.documents,
        people=records.people.take([3, 1, 0, 2]),
        classes=records.classes,
        applicants=records.applicants,
    )
    changed = Records(
        documents=records.documents,
        people=records.people.slice(0, 3),
        classes=records.classes,
        applicants=records.applicants,
    )
    folder = check_records(tmp_path / "recs")
    assert folder.counts == {"documents": 2, "people": 4, "classes": 1, "applicants": 1}
    assert folder.content_checksum == content_checksum(tmp_path / "recs")
    assert check_records(records).content_checksum == folder.content_checksum
    assert check_records(shuffled).content_checksum == folder.content_checksum
    assert check_records(changed).content_checksum != folder.content_checksum
    # on a connection given, its own views of the same names are left as they were
    con = duckdb.connect()
    con.execute("CREATE VIEW people AS SELECT 1 AS x")
    assert check_records(tmp_path / "recs", con=con) == folder
    assert con.execute("SELECT * FROM people").fetchall() == [(1,)]


def test_check_records_on_a_connection_reports_problems_as_validate(tmp_path: Path) -> None:
    import duckdb

    from stclusters.records import check_records

    records = tiny()
    bad = Records(
        documents=records.documents,
        people=records.people,
        classes=records.classes,
        applicants=pa.table(
            {"doc_id": ["P9"], "name": ["X"], "country": ["CN"]}, schema=SCHEMAS["applicants"]
        ),
    )
    write_records(bad, tmp_path / "bad")
    with pytest.raises(ValidationError) as own:
        validate(tmp_path / "bad")
    with pytest.raises(ValidationError) as shared:
        check_records(tmp_path / "bad", con=duckdb.connect())
    assert str(shared.value) == str(own.value)
    assert "applicants: 1 row(s) whose doc_id is not in documents (for example P9)" in str(
        own.value
    )
