"""A file of one huge line (garbage without line ends) is never held whole by a reader: the
readers read lines bounded by ``MAX_LINE_CHARS`` (issue 13; a 2 GB such file took 20 GB in the
Scopus reader, 4 GB in the OpenAlex and XML readers)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

import stclusters.readers._common as common
import stclusters.readers._xml as xml
from stclusters.errors import InputError
from stclusters.readers import ReadStream

LIMIT = 1 << 20  #: characters of a line a reader keeps in this test
SIZE = 8 << 20  #: characters of the file's one line


@pytest.mark.parametrize("fmt", ["scopus", "openalex", "uspto", "epo", "pct", "wos", None])
def test_one_huge_line_is_read_in_bounded_memory(
    fmt: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "MAX_LINE_CHARS", LIMIT)
    monkeypatch.setattr(xml, "MAX_LINE_CHARS", LIMIT)
    path = tmp_path / "one-line.txt"
    path.write_text(("EID,Title " * (SIZE // 10 + 1))[:SIZE], encoding="ascii")
    tracemalloc.start()
    try:
        try:
            stream = ReadStream([path], format=fmt)
            documents = sum(chunk.documents.num_rows for chunk in stream)
            outcome = f"{documents} documents"
        except InputError as error:
            outcome = str(error)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "one-line.txt" in outcome or outcome == "0 documents", outcome
    assert peak < 4 * LIMIT * 1.5, f"{fmt}: {peak / 2**20:.1f} MB held for a {SIZE >> 20} MB line"


def test_a_long_line_is_refused_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("a,b\n1,2\n" + "x" * 50 + "\n", encoding="ascii")
    with path.open(encoding="ascii", newline="") as fh:
        lines = common.bounded_lines(fh, name="long.csv", limit=20)
        assert next(lines) == "a,b\n" and next(lines) == "1,2\n"
        with pytest.raises(InputError, match=r"long.csv: line 3 is longer than 20 characters"):
            next(lines)
