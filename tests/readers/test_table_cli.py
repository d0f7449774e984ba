"""Plain tables of any other source, canonical tables, records folders, `stclusters read`."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from stclusters.cli import app
from stclusters.readers import read_inputs, read_table
from stclusters.records import read_records, write_records

TABLE = """doc_id,layer,year,doc_type,doi,person_seq,name,organisation,address,city,country,\
lat,lon,ipc,applicants
P1,patent,2021,,,0,Ann,,,"Lyon",FR,45.76,4.84,H04L 29/06; G06F 17/30,Acme SA
P1,patent,2021,,,1,Bob,,,"Paris",FR,,,,
A1,article,2020,Article,10.9/XYZ,0,Cy,Univ X,"Univ X, Paris, France",,,,,,
A1,article,2020,Article,10.9/XYZ,0,Cy,Univ Y,"Univ Y, Nice, France",,,,,,
,article,2020,Article,,,Nobody,,,,,,,,
A2,journal,2020,Article,,,Dee,,,,,,,,
A3,article,2019,Article,10.9/xyz,0,Eve,,,,,,,,
"""


def test_plain_table(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(TABLE)
    result = read_table(path)
    records = result.records
    records.validate()
    assert records.documents.column("doc_id").to_pylist() == ["P1", "A1"]
    account = result.accounts[0]
    # 4 records: P1, A1, the row without doc_id, A2 (bad layer); A3 repeats A1's DOI
    assert (account.records_read, account.records_kept, account.records_rejected) == (5, 2, 2)
    assert account.duplicates_dropped == 1
    people = records.people.to_pylist()
    assert [(p["doc_id"], p["person_seq"], p["address_seq"]) for p in people] == [
        ("P1", 0, 0),
        ("P1", 1, 1),
        ("A1", 0, 0),
        ("A1", 0, 1),
    ]
    assert people[0]["precision"] == "city" and people[1]["lat"] is None
    assert records.classes.column("code").to_pylist() == ["H04L 29/06", "G06F 17/30"]
    assert records.applicants.column("name").to_pylist() == ["Acme SA"]


def test_canonical_tables_and_records_folder(tmp_path: Path) -> None:
    folder = tmp_path / "tables"
    folder.mkdir()
    pq.write_table(
        pa.table({"doc_id": ["D1", "D2"], "layer": ["article", "patent"], "year": [2020, 2021]}),
        folder / "documents.parquet",
    )
    (folder / "people.csv").write_text(
        "doc_id,person_seq,address_seq,role,name\nD1,0,,author,Ann\nD9,0,,author,Ghost\n"
    )
    result = read_inputs([folder])
    assert result.records.documents.num_rows == 2
    assert result.records.people.column("name").to_pylist() == ["Ann"]
    assert any("not kept were dropped" in p.message for p in result.accounts[0].problems)
    out = write_records(result.records, tmp_path / "recs")
    again = read_inputs([out, folder])
    assert again.records.documents.num_rows == 2
    assert again.duplicates == 2
    assert read_records(out).documents.num_rows == 2


def test_cli_read(samples: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "read",
            str(samples / "wos" / "testFile.isi"),
            str(samples / "wos" / "OnePaper.isi"),
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "33 records kept of 35 read" in res.output
    assert read_records(out).documents.num_rows == 33
    accounts = json.loads((out / "accounts.json").read_text())
    assert accounts["totals"]["records_rejected"] == 2
    res = runner.invoke(app, ["read", str(tmp_path / "nothing.isi"), "--out", str(out)])
    assert res.exit_code == 2
    assert "no such file or" in res.output
    assert "Traceback" not in res.output


def test_progress_and_stream_accounts(samples: Path) -> None:
    from stclusters.readers import ReadStream

    seen: list[int] = []
    stream = ReadStream([samples / "wos" / "ManyAuthors.isi"], progress=seen.append, chunk_docs=100)
    chunks = list(stream)
    assert len(chunks) == 5
    assert seen == [100, 200, 300, 400, 500]
    assert stream.to_dict()["totals"]["records_kept"] == 500
