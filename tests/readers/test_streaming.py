"""Readers in bounded memory: chunks before the end of the file, keys of duplicates on disk."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stclusters.readers import ReadStream, read_inputs
from stclusters.readers._common import Deduper, Source
from stclusters.records import Records, read_records, write_records

KEYS = st.lists(
    st.tuples(
        st.sampled_from("ABCDEFGH"), st.none() | st.sampled_from(["10.1/x", "10.1/y", "10.1/z"])
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(keys=KEYS, limit=st.integers(min_value=0, max_value=5))
def test_deduper_on_disk_answers_as_in_memory(
    keys: list[tuple[str, str | None]], limit: int
) -> None:
    memory = Deduper(in_memory=10**9)
    disk = Deduper(in_memory=limit)
    try:
        for doc_id, doi in keys:
            assert disk.check(doc_id, doi) == memory.check(doc_id, doi)
    finally:
        disk.close()
        memory.close()


@settings(max_examples=50, deadline=None)
@given(
    batches=st.lists(KEYS, max_size=4),
    limit=st.sampled_from([0, 3, 10**9]),
    pending=st.sampled_from([2, 50_000]),
)
def test_deduper_batches_answer_as_one_by_one(
    batches: list[list[tuple[str, str | None]]], limit: int, pending: int
) -> None:
    """check_many of batches (in memory, moving to disk, on disk; keys flushed to the disk
    store often or not) gives the answers of check one by one."""
    import stclusters.readers._common as common

    one, many = Deduper(in_memory=limit), Deduper(in_memory=limit)
    saved = common.PENDING
    common.PENDING = pending
    try:
        for batch in batches:
            expected = [one.check(doc_id, doi) for doc_id, doi in batch]
            new, reasons = many.check_many([k for k, _ in batch], [d for _, d in batch])
            assert new.tolist() == [r is None for r in expected]
            assert reasons == {i: r for i, r in enumerate(expected) if r is not None}
    finally:
        common.PENDING = saved
        one.close()
        many.close()


def test_deduper_moves_to_disk_and_keeps_what_it_knew() -> None:
    dedup = Deduper(in_memory=2)
    try:
        assert dedup.check("A", "10.1/a") is None
        assert dedup.check("B", None) is None
        assert dedup.check("C", "10.1/c") is None  # the third key moves them all to disk
        assert not dedup.doc_ids
        assert dedup.check("A", None) == "same doc_id as an earlier record (A)"
        assert dedup.check("D", "10.1/a") == "same DOI 10.1/a as A"
        assert dedup.check("D", "10.1/d") is None  # D was dropped above, so it is new here
    finally:
        dedup.close()


def _plain_wos(path: Path, n: int) -> None:
    lines = ["FN Clarivate Analytics Web of Science", "VR 1.0"]
    for i in range(n):
        lines += [
            "PT J",
            f"AU Doe{i}, J",
            f"TI Title {i}",
            "PY 2020",
            f"C1 [Doe{i}, J] Univ Tokyo, Tokyo 1138654, Japan.",
            f"UT WOS:{i:015d}",
            "ER",
            "",
        ]
    path.write_text("\n".join([*lines, "EF", ""]), encoding="utf-8")


def _jsonl(path: Path, n: int) -> None:
    rows = [
        json.dumps(
            {
                "id": f"https://openalex.org/W{i}",
                "publication_year": 2021,
                "authorships": [
                    {
                        "author": {"display_name": f"A {i}"},
                        "raw_affiliation_strings": ["Univ X, Lyon, France"],
                    }
                ],
            }
        )
        for i in range(n)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


class _Counting(io.RawIOBase):
    """A raw file that counts the bytes read from it."""

    def __init__(self, path: Path, seen: list[int]) -> None:
        self._fh = path.open("rb", buffering=0)
        self._seen = seen

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._fh.readinto(buffer) or 0
        self._seen[0] += n
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


@pytest.mark.parametrize(("name", "write"), [("a.isi", _plain_wos), ("works.jsonl", _jsonl)])
def test_chunks_come_before_the_file_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, write: Any
) -> None:
    """A reader hands out its first chunk having read a small part of the file, not all of it."""
    path = tmp_path / name
    write(path, 20_000)
    seen = [0]
    monkeypatch.setattr(
        Source, "open_binary", lambda self: io.BufferedReader(_Counting(self.path, seen))
    )
    stream = iter(ReadStream([path], chunk_docs=5))
    first = next(stream)
    assert first.documents.num_rows == 5
    size = path.stat().st_size
    assert 0 < seen[0] < size / 10  # the first chunk came after a tenth of the file at most
    rest = [first, *stream]
    assert sum(r.documents.num_rows for r in rest) == 20_000
    assert max(r.documents.num_rows for r in rest) == 5
    assert seen[0] >= size


def test_records_folder_is_read_in_batches_with_duplicates_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stclusters.readers as readers

    docs = [{"doc_id": f"D{i}", "layer": "article", "doi": f"10.9/{i % 7}"} for i in range(20)]
    people = [
        {"doc_id": f"D{i}", "person_seq": 0, "address_seq": 0, "role": "author"} for i in range(20)
    ]
    folder = write_records(Records.from_tables(documents=docs, people=people), tmp_path / "r")
    monkeypatch.setattr(readers, "FOLDER_BATCH", 4)
    stream = ReadStream([folder])
    chunks = list(stream)
    assert len(chunks) > 2
    assert max(c.documents.num_rows for c in chunks) <= 4
    kept = pa.concat_tables([c.documents for c in chunks]).column("doc_id").to_pylist()
    assert kept == [f"D{i}" for i in range(7)]  # D7 has the DOI of D0, and so on
    account = stream.accounts[0]
    assert (account.records_read, account.records_kept, account.duplicates_dropped) == (20, 7, 13)
    whole = read_inputs([folder]).records
    assert whole.people.column("doc_id").to_pylist() == kept
    assert read_records(folder).documents.num_rows == 20


def test_openalex_institution_listed_twice_for_an_author_is_one_row(tmp_path: Path) -> None:
    """Two institutions of one author with the same name and no id (or the same id) are one
    address: one row, so that the records stay valid (no repeated person/address key)."""
    inst = {"display_name": "Univ Bonn", "country_code": "DE"}
    work = {
        "id": "https://openalex.org/W1",
        "authorships": [
            {
                "author": {"display_name": "Braun, S"},
                "institutions": [inst, dict(inst), {"id": "https://openalex.org/I7"}],
                "raw_affiliation_strings": ["Univ Bonn, Dept Chem, Bonn, Germany"],
            }
        ],
    }
    path = tmp_path / "works.jsonl"
    path.write_text(json.dumps(work) + "\n", encoding="utf-8")
    records = read_inputs([path]).records  # validated
    rows = records.people.select(["person_seq", "address_seq", "address"]).to_pylist()
    assert rows[0] == {
        "person_seq": 0,
        "address_seq": 0,
        "address": "Univ Bonn, Dept Chem, Bonn, Germany",
    }
    assert [r["address_seq"] for r in rows] == [0, 1]
