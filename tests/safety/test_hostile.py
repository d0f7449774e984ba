"""Hand-made hostile inputs: each gives a clear message, and the accounts show it."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fuzz.seeds import FORMATS as FUZZ_FORMATS
from fuzz.seeds import patentsview_tables, seeds
from stclusters.cli import app
from stclusters.readers import read_inputs
from stclusters.records import write_records

runner = CliRunner()

TABLE = """doc_id,layer,year,person_seq,name,city,country,lat,lon
D1,article,2020,0,A,Paris,FR,48.85,2.35
D2,article,2020,0,B,Paris,FR,NaN,2.35
D3,article,2020,0,C,Paris,FR,91,2.35
D4,article,2020,0,D,Paris,FR,45,-181
D5,article,2020,0,E,Paris,FR,0,0
D6,article,1066,0,G,Paris,FR,48.85,2.35
D7,article,99999,0,H,Paris,FR,48.85,2.35
D8,patent,2020,0,I,Paris,FR,inf,2.35
"""


def _problems(folder: Path) -> list[str]:
    accounts = json.loads((folder / "accounts.json").read_text())
    return [p["message"] for f in accounts["files"] for p in f["problems"]]


def test_bad_coordinates_null_point_and_far_years_are_in_the_accounts(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(TABLE)
    out = tmp_path / "r"
    result = runner.invoke(app, ["read", str(tmp_path / "t.csv"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    problems = _problems(out)
    assert sum("bad coordinates" in p for p in problems) == 4, problems  # NaN, 91, -181, inf
    assert sum("(0, 0)" in p for p in problems) == 1, problems
    assert sum("is not a year within 1800-2100" in p for p in problems) == 2, problems
    people = read_inputs([tmp_path / "t.csv"]).records.table("people").to_pylist()
    located = {row["doc_id"] for row in people if row["lat"] is not None}
    assert located == {"D1", "D6", "D7"}


def test_duplicate_ids_across_records_folders_are_kept_once_and_counted(tmp_path: Path) -> None:
    """The same records given twice count once (issue 11 item 5), and the accounts say so."""
    from worlds import SMALL_CONFIG, small_world

    world = small_world()
    a = write_records(world, tmp_path / "a")
    b = write_records(world, tmp_path / "b")
    args = ["--min-points", str(SMALL_CONFIG.min_points), "--no-site"]
    one = runner.invoke(app, ["run", str(a), "--out", str(tmp_path / "o1"), *args])
    two = runner.invoke(app, ["run", str(a), str(b), "--out", str(tmp_path / "o2"), *args])
    assert one.exit_code == 0 and two.exit_code == 0, two.output
    assert "Traceback" not in two.output
    acc = json.loads((tmp_path / "o2" / "accounts.json").read_text())
    dup = acc["inputs"]["duplicates_across_inputs"]
    assert dup["dropped"] == dup["by_doc_id"] == world.documents.num_rows
    first = json.loads((tmp_path / "o1" / "accounts.json").read_text())
    assert acc["world_totals"] == first["world_totals"]
    assert (tmp_path / "o1" / "ranking.csv").read_bytes() == (
        tmp_path / "o2" / "ranking.csv"
    ).read_bytes()


def test_duplicate_records_in_exports_are_counted(samples_dir: Path, tmp_path: Path) -> None:
    one = samples_dir / "wos" / "OnePaper.isi"
    (tmp_path / "copy.isi").write_bytes(one.read_bytes())
    out = tmp_path / "r"
    result = runner.invoke(app, ["read", str(one), str(tmp_path / "copy.isi"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    totals = json.loads((out / "accounts.json").read_text())["totals"]
    assert totals["duplicates_dropped"] == 1 and totals["records_kept"] == 1


@pytest.mark.parametrize(
    ("content", "fmt", "words"),
    [
        (b"", None, "the file is empty"),
        (b"", "scopus", "the file is empty"),
        (os.urandom(1 << 16), None, "format not recognised"),
        (os.urandom(1 << 16), "table", "not valid UTF-8"),
        (os.urandom(1 << 16), "wos", "no Web of Science records"),
        (os.urandom(1 << 16), "uspto", "no record could be kept"),
        (b"PT J AU Smith " * 200_000, "wos", "no record could be kept"),
        (b"PT J AU Smith " * 200_000, "scopus", "not a Scopus CSV export"),
        (b"\x00\xff" * 100_000, "epo", "no record could be kept"),
        (b"\x00\xff" * 100_000, "openalex", "not valid JSON"),
    ],
)
def test_hostile_files_give_one_clear_message(
    tmp_path: Path, content: bytes, fmt: str | None, words: str
) -> None:
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    args = ["read", str(path), "--out", str(tmp_path / "r"), *(["-f", fmt] if fmt else [])]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert words in " ".join(result.output.split()), result.output
    assert not (tmp_path / "r").exists()


def _far_years(fmt: str, name: str, data: bytes) -> bytes:
    """``data`` (a seed of ``fmt``) with every document's year set to 9999."""
    if fmt == "wos":
        return re.sub(rb"(?m)^PY \d{4}", b"PY 9999", data)
    if fmt == "openalex":
        data = re.sub(rb'"publication_year": *\d{4}', b'"publication_year": 9999', data)
        return re.sub(rb'"publication_date": *"\d{4}', b'"publication_date": "9999', data)
    if fmt in ("uspto", "pct", "epo"):
        data = re.sub(rb'date-publ="\d{4}', b'date-publ="9999', data)
        return re.sub(rb"<date>\d{4}", b"<date>9999", data)
    column = {"scopus": "Year", "table": "year", "patentsview": "patent_date"}[fmt]
    delimiter = "\t" if fmt == "patentsview" else ","
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))
    if not rows or column not in rows[0]:
        return data
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter)
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, column: "9999" + (row[column] or "")[4:]})
    return out.getvalue().encode()


@pytest.mark.parametrize("fmt", FUZZ_FORMATS)
def test_years_far_outside_every_window_are_problems_in_every_reader(
    fmt: str, shared_dir: Path, tmp_path: Path
) -> None:
    """A year of 9999 is, in every reader, a counted problem of its record (kept without a
    year, outside every window), never a silent None."""
    seed_files = seeds(shared_dir, fmt)
    if not seed_files:
        pytest.skip(f"no seed file of {fmt} in {shared_dir}")
    if fmt == "patentsview":
        folder = tmp_path / "pv"
        folder.mkdir()
        for name, data in patentsview_tables().items():
            changed = _far_years(fmt, name, data) if name == "g_patent.tsv" else data
            (folder / name).write_bytes(changed)
        paths = [folder / "g_patent.tsv"]
    else:
        name, data = seed_files[0]
        paths = [tmp_path / name]
        paths[0].write_bytes(_far_years(fmt, name, data))
    result = read_inputs(paths, format=fmt)
    documents = result.records.table("documents")
    assert documents.num_rows > 0
    assert documents.column("year").null_count == documents.num_rows
    problems = [p.message for a in result.accounts for p in a.problems]
    far = [p for p in problems if "'9999" in p and "is not a year within 1800-2100" in p]
    assert len(far) >= documents.num_rows, problems


@pytest.mark.parametrize("first", [b"PT J AU garbage\n", b"\x00\xff\x00\n", b"not json at all\n"])
def test_openalex_refuses_garbage_on_its_first_line_without_reading_it_whole(
    first: bytes, tmp_path: Path
) -> None:
    """A file that is neither JSON Lines nor a JSON document is refused from its first line:
    the rest of a large file is never held in memory (2 GB of garbage took 8 GB)."""
    import tracemalloc

    from stclusters.errors import InputError

    path = tmp_path / "garbage.jsonl"
    with path.open("wb") as fh:
        fh.write(first)
        for _ in range(40):
            fh.write(b"x" * (1 << 19) + b"\n")  # 20 MB more
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="not valid JSON"):
            read_inputs([path], format="openalex")
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, f"{peak / 2**20:.0f} MB held while refusing a 20 MB file"


@pytest.mark.parametrize("fmt", ["uspto", "epo", "pct"])
def test_patent_xml_readers_read_past_garbage_without_holding_it(fmt: str, tmp_path: Path) -> None:
    """Garbage that is no XML is one rejected document, read past line by line (a 200 MB
    file of random bytes took 1.4 GB of memory)."""
    import tracemalloc

    path = tmp_path / "garbage.xml"
    with path.open("wb") as fh:
        for _ in range(40):
            fh.write(b"PT J AU garbage " * (1 << 15) + b"\n")  # 20 MB in all
    tracemalloc.start()
    try:
        result = read_inputs([path], format=fmt)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    account = result.accounts[0]
    assert (account.records_read, account.records_rejected) == (1, 1)
    assert "not XML" in account.problems[0].message
    assert peak < 8 << 20, f"{peak / 2**20:.0f} MB held while reading past a 20 MB file"


def test_patent_xml_document_longer_than_the_limit_keeps_its_front(
    samples_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A document longer than MAX_DOCUMENT_CHARS is read from its beginning (the bibliographic
    part), with a warning, and the next document of the file is read too."""
    import stclusters.readers._xml as xml

    sample = samples_dir / "patents" / "uspto" / "ipgxml" / "ipg130416.small.xml"
    whole = read_inputs([sample], format="uspto")
    kept = whole.records.documents.num_rows
    assert kept >= 2
    documents = sample.read_text(encoding="utf-8").split("<?xml")[1:]
    fronts = [d.find("</us-bibliographic-data-grant>") for d in documents]
    longest = max(len(d) for d in documents)
    limit = max(fronts) + 200  # every front part, but not every whole document
    assert limit < longest
    monkeypatch.setattr(xml, "MAX_DOCUMENT_CHARS", limit)
    result = read_inputs([sample], format="uspto")
    assert result.records.documents.num_rows == kept
    problems = [p.message for p in result.accounts[0].problems]
    assert any("only its beginning" in p for p in problems), problems


def test_wos_reads_past_a_huge_line_without_holding_it(samples_dir: Path, tmp_path: Path) -> None:
    """A line far longer than any field (a file of one huge line) is cut, the rest read past:
    memory stays bounded, and the records after it are read."""
    import tracemalloc

    import stclusters.readers._common as common

    one = (samples_dir / "wos" / "OnePaper.isi").read_bytes()
    path = tmp_path / "huge.isi"
    path.write_bytes(one.replace(b"\nER", b"\nXX " + b"garbage " * (1 << 21) + b"\nER", 1))
    tracemalloc.start()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(common, "MAX_LINE_CHARS", 1 << 20)
            result = read_inputs([path], format="wos")
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.records.documents.num_rows == 1
    assert peak < 12 << 20, f"{peak / 2**20:.0f} MB held while reading a 16 MB line"


@pytest.mark.parametrize("value", ["-10", "1.5", "first", "1e12", "-0.5"])
def test_table_sequence_numbers_that_are_not_ones_are_problems(value: str, tmp_path: Path) -> None:
    """A person_seq or address_seq that is no whole number from 0 to 2^31 - 1 is a counted
    problem of its row, which is numbered in order: the records stay valid (found by the
    fuzzing: "-10" gave records that broke the record model)."""
    from stclusters.records import validate

    for column in ("person_seq", "address_seq"):
        path = tmp_path / f"{column}.csv"
        path.write_text(
            f"doc_id,layer,year,{column},name,city,country\n"
            f"D1,patent,2020,{value},A,Tokyo,JP\nD1,patent,2020,,B,Osaka,JP\n"
        )
        result = read_inputs([path], format="table")
        validate(result.records)
        assert result.records.table("people").num_rows == 2
        problems = [p.message for a in result.accounts for p in a.problems]
        assert any(f"{column} {value!r} is not a whole number" in p for p in problems), problems
