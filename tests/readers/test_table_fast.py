"""The plain-table reader's Arrow path gives exactly what the row-by-row path gives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stclusters.readers.table as table_module
from stclusters.errors import InputError
from stclusters.readers import ReadStream
from stclusters.readers._common import clean
from stclusters.readers._table_fast import Slow, clean_array
from stclusters.records import TABLES

TEXT = st.sampled_from(
    ["", "Lyon", " Lyon", "Lyon  Est", "Lyon\tEst", "Lyon\xa0", "München", "A; B;", "x;;y"]
)
COLUMNS = {
    "doc_id": st.sampled_from(["D1", "D2", "D3", " D4", "", "doc_id"]),
    "layer": st.sampled_from(["article", "patent", "Patent", "poem"]),
    "year": st.sampled_from(["2020", "20x1", "", "2020-05-01", "1700"]),
    "doi": st.sampled_from(["", "10.1/A", "https://doi.org/10.1/a", "doi: 10.2/b", "x"]),
    "name": TEXT,
    "city": TEXT,
    "country": st.sampled_from(["", "FR", "DE", "UK", "France", "fr", "XX"]),
    "lat": st.sampled_from(["", "45.7", "95", "-1e1", "nan", " 3"]),
    "lon": st.sampled_from(["", "4.8", "200", "0"]),
    "precision": st.sampled_from(["", "street", "x"]),
    "person_seq": st.sampled_from(["", "", "0", "1", "-1", "1.5"]),
    "address_seq": st.sampled_from(["", "", "0", "2"]),
    "ipc": TEXT,
    "applicants": TEXT,
}
ROW = st.fixed_dictionaries(COLUMNS)
#: Well-formed rows only (the Arrow path takes every run of them).
CLEAN_TEXT = st.sampled_from(["", "Lyon", "München", "A; B;", "x;;y", "Lyon Est"])
CLEAN_ROW = st.fixed_dictionaries(
    {
        **COLUMNS,
        "doc_id": st.sampled_from(["D1", "D2", "D3", "D4"]),
        "layer": st.sampled_from(["article", "patent", "Patent"]),
        "country": st.sampled_from(["", "FR", "DE"]),
        "lat": st.just(""),
        "lon": st.just(""),
        "person_seq": st.just(""),
        "name": CLEAN_TEXT,
        "city": CLEAN_TEXT,
        "ipc": CLEAN_TEXT,
        "applicants": CLEAN_TEXT,
    }
)


def _read(paths: list[Path], *, chunk_docs: int) -> tuple[list[str], str]:
    """Each chunk's tables as text, and the accounts, of reading ``paths`` in order."""
    stream = ReadStream(paths, chunk_docs=chunk_docs, format="table")
    chunks = [
        json.dumps({name: chunk.table(name).to_pylist() for name in TABLES}, default=str)
        for chunk in stream
    ]
    return chunks, json.dumps(stream.to_dict(), sort_keys=True)


def _slow(*args: Any, **kwargs: Any) -> Any:
    raise Slow


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(ROW, max_size=14) | st.lists(CLEAN_ROW | CLEAN_ROW | ROW, max_size=14),
    chunk_docs=st.integers(min_value=1, max_value=3),
    grouped=st.booleans(),
    absent=st.fixed_dictionaries({c: st.booleans() for c in COLUMNS if c != "doc_id"}),
)
def test_arrow_path_equals_row_path(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[dict[str, str]],
    chunk_docs: int,
    grouped: bool,
    absent: dict[str, bool],
) -> None:
    """Whatever columns the table has (any of them absent but doc_id: a table without
    ``layer`` and every other document column once made the Arrow path index an empty table;
    found by the fuzzer)."""
    folder = tmp_path_factory.mktemp("t")
    if grouped:
        rows = sorted(rows, key=lambda r: r["doc_id"])
    header = [h for h in COLUMNS if not absent.get(h)]
    table = pa.table({h: [r[h] for r in rows] for h in header}, schema=pa.schema(
        [pa.field(h, pa.string()) for h in header]))  # fmt: skip
    a = folder / "a.csv"
    pacsv.write_csv(table, a)
    b = folder / "b.parquet"  # the same table again: every document a duplicate
    pq.write_table(table, b)
    fast = _outcome([a, b], chunk_docs=chunk_docs)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(table_module, "fast_unit", _slow)
        slow = _outcome([a, b], chunk_docs=chunk_docs)
    assert fast == slow


def _outcome(paths: list[Path], *, chunk_docs: int) -> tuple[list[str], str] | str:
    """:func:`_read`, or the message of the clear error it raises."""
    try:
        return _read(paths, chunk_docs=chunk_docs)
    except InputError as error:
        return f"InputError: {error}"


def test_well_formed_table_takes_the_arrow_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clean table is read without the row-by-row path (and gives the expected rows)."""
    rows = {
        "doc_id": ["P1", "P1", "A1", "A1", "A1"],
        "layer": ["patent", "patent", "article", "article", "article"],
        "year": ["2021", "2021", "2019", "2019", "2019"],
        "name": ["Ann", "Bob", "Cy", "Di", "Ed"],
        "city": ["Lyon", "Paris", "Bonn", "Bonn", "Köln"],
        "country": ["FR", "FR", "DE", "DE", "DE"],
        "ipc": ["A01B 1/00; A01B 1/00; H04L 9/00", None, None, None, None],
    }
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table(rows), path)
    monkeypatch.setattr(table_module, "_row", _slow)  # the row path would fail
    records = next(iter(ReadStream([path])))
    people = records.people.select(["doc_id", "person_seq", "address_seq", "role", "address"])
    assert people.to_pylist() == [
        {"doc_id": "P1", "person_seq": 0, "address_seq": 0, "role": "inventor",
         "address": "Lyon, FR"},
        {"doc_id": "P1", "person_seq": 1, "address_seq": 1, "role": "inventor",
         "address": "Paris, FR"},
        {"doc_id": "A1", "person_seq": 0, "address_seq": 0, "role": "author",
         "address": "Bonn, DE"},
        {"doc_id": "A1", "person_seq": 1, "address_seq": 0, "role": "author",
         "address": "Bonn, DE"},
        {"doc_id": "A1", "person_seq": 2, "address_seq": 1, "role": "author",
         "address": "Köln, DE"},
    ]  # fmt: skip
    assert records.classes.column("code").to_pylist() == ["A01B 1/00", "H04L 9/00"]
    assert records.documents.column("year").to_pylist() == [2021, 2019]


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.none() | st.text(alphabet=" \t\n\xa0\u3000\x1c\x85\u2028\u200béab;", max_size=6)
    ),
    skip=st.integers(min_value=0, max_value=3),
)
def test_clean_array_is_clean(values: list[str | None], skip: int) -> None:
    """The same values as clean(), also on a slice of an array (its buffers start earlier)."""
    arr = pa.array(["  x\t", *values], pa.string()).slice(1 + min(skip, len(values)))
    expected = [clean(v) for v in values[min(skip, len(values)) :]]
    assert clean_array(arr).to_pylist() == expected


@pytest.mark.parametrize("order", [("bad", "good"), ("good", "bad")])
def test_runs_of_both_paths_share_a_chunk(tmp_path: Path, order: tuple[str, str]) -> None:
    """A run read row by row and a run read in Arrow end up in one chunk, in file order."""
    rows = {
        "bad": {"doc_id": "B1", "layer": "article", "name": "X", "lat": "95", "lon": "1"},
        "good": {"doc_id": "G1", "layer": "article", "name": "Y", "city": "Lyon"},
    }
    path = tmp_path / "t.csv"
    table = pa.table({k: [rows[o].get(k, "") for o in order] for k in COLUMNS})
    pacsv.write_csv(table, path)
    fast = _read([path], chunk_docs=5)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(table_module, "fast_unit", _slow)
        slow = _read([path], chunk_docs=5)
    assert fast == slow
    assert len(fast[0]) == 1
    assert [json.loads(fast[0][0])["documents"][i]["doc_id"] for i in (0, 1)] == [
        rows[o]["doc_id"] for o in order
    ]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_table_with_no_document_column_but_doc_id(tmp_path: Path, fmt: str) -> None:
    """doc_id and people columns only (no layer, year, doi...): the Arrow path gives what the
    row path gives (every record rejected for its layer, one clear error), not an IndexError
    (its documents' columns were an empty table, which has no rows; found by the fuzzer)."""
    table = pa.table(
        {
            "doc_id": ["US-1-A", "US-1-A", "US-2-A"],
            "person_seq": ["0", "1", "0"],
            "name": ["A", "B", "C"],
            "city": ["Tokyo", "Osaka", "Munich"],
            "country": ["JP", "JP", "DE"],
        }
    )
    path = tmp_path / f"t.{fmt}"
    pacsv.write_csv(table, path) if fmt == "csv" else pq.write_table(table, path)
    fast = _outcome([path], chunk_docs=1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(table_module, "fast_unit", _slow)
        slow = _outcome([path], chunk_docs=1)
    assert fast == slow
    assert "layer" in json.dumps(fast)
