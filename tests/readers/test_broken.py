"""Broken input: per-record problems naming file and line; unreadable files are clear errors."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pytest

from stclusters.errors import InputError
from stclusters.readers import read_inputs, read_openalex, read_scopus, read_uspto, read_wos


def test_badfile_isi_missing_ef(samples: Path) -> None:
    result = read_wos(samples / "wos" / "badFile.isi")
    account = result.accounts[0]
    assert account.records_read == 32
    assert account.balanced
    messages = [p.message for p in account.problems]
    assert any("no EF line" in m for m in messages)


def test_testfile_isi_rejects_with_lines(samples: Path) -> None:
    account = read_wos(samples / "wos" / "testFile.isi").accounts[0]
    assert (account.records_read, account.records_kept, account.records_rejected) == (34, 32, 2)
    rejected = [p for p in account.problems if p.skipped]
    assert [p.line for p in rejected] == [415, 534]
    assert "malformed line 'AUGilles, H'" in rejected[0].message
    assert rejected[0].record_id == "WOS:000177484FG0017"
    assert "no UT field" in rejected[1].message
    assert str(rejected[1]).startswith(str(samples / "wos" / "testFile.isi") + " line 534")


def test_truncated_wos(samples: Path, tmp_path: Path) -> None:
    lines = (samples / "wos" / "ManyAuthors.isi").read_text(encoding="utf-8-sig").splitlines()
    cut = lines[:1000]
    ends = sum(1 for line in cut if line.startswith("ER"))
    path = tmp_path / "cut.isi"
    path.write_text("\n".join(cut) + "\n", encoding="utf-8")
    account = read_wos(path).accounts[0]
    assert account.records_kept == ends
    assert account.records_rejected == 1
    assert any("ends inside a record" in p.message for p in account.problems)
    assert account.balanced


def test_wrong_encoding_is_reported_per_line(tmp_path: Path) -> None:
    text = (
        "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Müller, A\nAF Müller, Anna\n"
        "C1 [Müller, Anna] Univ Zürich, Zürich, Switzerland.\nPY 2020\nUT WOS:000000000000001\n"
        "ER\n\nEF\n"
    )
    path = tmp_path / "latin1.txt"
    path.write_bytes(text.encode("cp1252"))
    result = read_wos(path)
    account = result.accounts[0]
    assert account.records_kept == 1
    lines = sorted({p.line for p in account.problems})
    assert lines == [4, 5, 6]
    assert all("not valid in the file's encoding" in p.message for p in account.problems)
    row = result.records.people.to_pylist()[0]
    assert row["name"] == "Müller, Anna"
    assert row["address"] == "Univ Zürich, Zürich, Switzerland"


def test_scopus_missing_eid(tmp_path: Path) -> None:
    path = tmp_path / "scopus.csv"
    path.write_text(
        "Authors,Title,Year,DOI,Affiliations,Authors with affiliations,Document Type,EID\n"
        'Doe J.,A,2020,10.1/A,"Univ X, Paris, France","Doe, J., Univ X, Paris, France",'
        "Article,2-s2.0-1\n"
        "Roe R.,B,2021,10.1/B,,,Article,\n"
        "Poe P.,C,20x1,,,,Article,2-s2.0-3\n",
        encoding="utf-8",
    )
    result = read_scopus(path)
    account = result.accounts[0]
    assert (account.records_read, account.records_kept, account.records_rejected) == (3, 2, 1)
    assert account.problems[0].line == 3
    assert account.problems[0].message == "record has no EID"
    assert "'20x1' is not a year" in account.problems[1].message
    assert result.records.documents.column("year").to_pylist() == [2020, None]


def _grant(number: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<us-patent-grant lang="EN" dtd-version="v4.7 2022-02-17"><us-bibliographic-data-grant>'
        "<publication-reference><document-id><country>US</country>"
        f"<doc-number>{number}</doc-number><kind>B2</kind><date>20230404</date>"
        "</document-id></publication-reference><invention-title>T</invention-title>"
        "<us-parties><inventors><inventor><addressbook><last-name>Doe</last-name>"
        "<first-name>J</first-name><address><city>Austin</city><state>TX</state>"
        "<country>US</country></address></addressbook></inventor></inventors></us-parties>"
        "</us-bibliographic-data-grant></us-patent-grant>\n"
    )


def test_zip_with_junk(tmp_path: Path) -> None:
    zpath = tmp_path / "week.zip"
    broken = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<us-patent-grant><us-bibliographic-data-grant>\n'
    )
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("grants.xml", _grant("11000001") + broken + _grant("11000002"))
        zf.writestr("junk.bin", bytes(range(256)) * 4)
    result = read_inputs([zpath])
    by_name = {a.path: a for a in result.accounts}
    grants = by_name[f"{zpath}:grants.xml"]
    assert (grants.records_read, grants.records_kept, grants.records_rejected) == (3, 2, 1)
    problem = grants.problems[0]
    assert problem.record == 2 and problem.line == 3
    assert "not well-formed XML" in problem.message
    assert by_name[f"{zpath}:junk.bin"].role == "skipped"
    assert result.records.documents.column("doc_id").to_pylist() == [
        "US-11000001-B2",
        "US-11000002-B2",
    ]


def test_truncated_gzip_jsonl(tmp_path: Path) -> None:
    works = [
        {"id": f"https://openalex.org/W{i}", "publication_year": 2020, "authorships": []}
        for i in range(1, 201)
    ]
    raw = gzip.compress("".join(json.dumps(w) + "\n" for w in works).encode())
    path = tmp_path / "part_000.gz"
    path.write_bytes(raw[: len(raw) // 2])
    account = read_openalex(path).accounts[0]
    assert 0 < account.records_kept < 200
    assert any("reading stopped" in p.message for p in account.problems)
    assert account.balanced


def test_bad_jsonl_line(tmp_path: Path) -> None:
    path = tmp_path / "works.jsonl"
    path.write_text(
        '{"id": "https://openalex.org/W1", "authorships": []}\n{"id": "W2", "autho\n'
        '{"id": "https://openalex.org/W3", "authorships": []}\n'
    )
    account = read_openalex(path).accounts[0]
    assert (account.records_read, account.records_kept, account.records_rejected) == (3, 2, 1)
    assert account.problems[0].line == 2


def test_unreadable_inputs_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        read_inputs([tmp_path / "missing.txt"])
    with pytest.raises(InputError, match="matches no file"):
        read_inputs([str(tmp_path / "*.isi")])
    junk = tmp_path / "junk.dat"
    junk.write_bytes(b"\x00\x01\x02 random bytes \xff\xfe" * 100)
    with pytest.raises(InputError, match="format not recognised"):
        read_inputs([junk])
    empty = tmp_path / "empty.isi"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        read_inputs([empty], format="wos")
    with pytest.raises(InputError, match="unknown format 'bibtex'"):
        read_inputs([junk], format="bibtex")
    bad_zip = tmp_path / "bad.zip"
    bad_zip.write_bytes(b"PK not really")
    with pytest.raises(InputError, match="not a readable zip archive"):
        read_inputs([bad_zip])


def test_uspto_named_entities_and_sequence_listings(tmp_path: Path) -> None:
    path = tmp_path / "ipg.xml"
    seq = '<?xml version="1.0"?>\n<sequence-cwu><p>ACGT</p></sequence-cwu>\n'
    path.write_text(
        _grant("11000003").replace("<invention-title>T", "<invention-title>&lsquo;T&rsquo;") + seq
    )
    result = read_uspto(path)
    assert result.records.documents.column("title").to_pylist() == ["\u2018T\u2019"]
    assert result.accounts[0].notes == ["1 <sequence-cwu> document(s) skipped (not patents)"]
    assert "read after repair" in result.accounts[0].problems[0].message
