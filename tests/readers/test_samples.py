"""Every real sample file is read without a crash, with the record counts the files hold."""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import pyarrow.compute as pc
import pytest

from stclusters.readers import (
    read_epo,
    read_inputs,
    read_openalex,
    read_scopus,
    read_uspto,
    read_wos,
)

WOS_ENCODINGS = (
    "wos/wos_plaintext.txt",
    "wos/wos_tab_delimited_win_utf8.txt",
    "wos/wos_tab_delimited_win_utf16.txt",
)


def _wos_count(path: Path) -> int:
    """Records in a WoS file counted independently: ER lines, or data lines of a tab file."""
    raw = path.read_bytes()
    text = raw.decode("utf-16") if raw[:2] == b"\xff\xfe" else raw.decode("utf-8-sig")
    lines = text.splitlines()
    if "\t" in lines[0]:
        return sum(1 for line in lines[1:] if line.strip())
    return sum(1 for line in lines if line.startswith("ER"))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("wos/ManyAuthors.isi", 500),
        ("wos/OnePaper.isi", 1),
        ("wos/TwoPaper.isi", 2),
        ("wos/wos_2026_04_02_1000.txt", 1000),
        ("wos/wos_2026_04_02_4071.txt", 71),
        ("wos/scientopy_2017_iot_gateway_wos.txt", 125),
        *[(n, 50) for n in WOS_ENCODINGS],
    ],
)
def test_wos_counts(samples: Path, name: str, expected: int) -> None:
    result = read_wos(samples / name)
    account = result.accounts[0]
    assert _wos_count(samples / name) == expected
    assert account.records_read == expected
    assert account.records_kept == expected
    assert result.records.documents.num_rows == expected
    result.records.validate()


def test_wos_three_encodings_give_identical_records(samples: Path) -> None:
    results = [read_wos(samples / n).records for n in WOS_ENCODINGS]
    for name in ("documents", "people", "classes", "applicants"):
        tables = [r.table(name) for r in results]
        if "file" in tables[0].column_names:
            tables = [t.drop_columns(["file"]) for t in tables]
        assert tables[0].num_rows > 0 or name == "applicants"
        assert tables[1].equals(tables[0]), name
        assert tables[2].equals(tables[0]), name


def _scopus_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("scopus/litstudy_scopus.csv", 58),
        ("scopus/litstudy_scopus_v2.csv", 88),
        ("scopus/scientopy_2017_iot_gateway_scopus.csv", 921),
        ("scopus/scopus_testing.csv.scopus", 220),
    ],
)
def test_scopus_counts(samples: Path, name: str, expected: int) -> None:
    result = read_scopus(samples / name)
    account = result.accounts[0]
    assert _scopus_rows(samples / name) == expected
    assert account.records_read == expected
    assert account.records_rejected == 0
    assert account.balanced
    result.records.validate()


@pytest.mark.parametrize("name", ["ipg050104", "ipg060103", "ipg090106", "ipg130416"])
def test_uspto_fulltext_25_grants_each(samples: Path, name: str) -> None:
    path = samples / "patents" / "uspto" / "ipgxml" / f"{name}.small.xml"
    assert path.read_text().count("<us-patent-grant ") == 25
    result = read_uspto(path)
    assert result.accounts[0].records_kept == 25
    assert result.records.people.num_rows >= 25
    result.records.validate()


def test_uspto_weekly_zips(samples: Path) -> None:
    folder = samples / "patents" / "uspto" / "uspto-2023-04"
    result = read_inputs([folder])
    grants = 0
    for zpath in folder.rglob("*.zip"):
        with zipfile.ZipFile(zpath) as zf:
            for member in zf.namelist():
                if member.endswith(".xml"):
                    grants += zf.read(member).decode().count("<us-patent-grant ")
    assert grants == 14
    read = sum(a.records_read for a in result.accounts)
    assert read == 14
    # one design patent is listed twice in the 2022 weekly file: kept once
    assert result.records.documents.num_rows == 13
    assert result.duplicates == 1


def test_epo_31_documents(samples: Path) -> None:
    files = sorted((samples / "patents" / "epo").rglob("*.xml"))
    assert len(files) == 31
    kept = 0
    for path in files:
        result = read_epo(path)
        assert result.accounts[0].records_rejected == 0, path
        kept += result.accounts[0].records_kept
        assert result.records.people.num_rows >= 1, path
        assert result.records.classes.num_rows >= 1, path
    assert kept == 31


def test_openalex_entity_samples(samples: Path) -> None:
    result = read_openalex(samples / "openalex" / "entity_list_samples.converted.json")
    assert result.records.documents.column("doc_id").to_pylist() == [
        "W52443429",
        "W2163492414",
        "W3197312755",
    ]
    result.records.validate()


def test_whole_samples_folder(samples: Path) -> None:
    result = read_inputs([samples])
    result.records.validate()
    for account in result.accounts:
        assert account.balanced, account.path
    docs = result.records.documents
    assert pc.count_distinct(docs.column("doc_id")).as_py() == docs.num_rows
    dois = [d for d in docs.column("doi").to_pylist() if d]
    assert len(dois) == len(set(dois))
    layers = set(docs.column("layer").to_pylist())
    assert layers == {"article", "patent"}
    # the 98 DOIs shared by the two ScientoPy 2017 exports are kept once, from WoS
    wos = read_wos(samples / "wos" / "scientopy_2017_iot_gateway_wos.txt").records.documents
    wos_dois = {d for d in wos.column("doi").to_pylist() if d}
    with (samples / "scopus" / "scientopy_2017_iot_gateway_scopus.csv").open(
        encoding="utf-8-sig", newline=""
    ) as fh:
        scopus_dois = {r["DOI"].strip().lower() for r in csv.DictReader(fh) if r["DOI"].strip()}
    shared = wos_dois & scopus_dois
    assert len(shared) == 98
    kept = {
        d: s
        for d, s in zip(
            docs.column("doi").to_pylist(), docs.column("source").to_pylist(), strict=True
        )
        if d in shared
    }
    assert len(kept) == 98
    assert set(kept.values()) == {"wos"}
    by_name = {Path(a.path).name: a for a in result.accounts}
    assert by_name["scientopy_2017_iot_gateway_scopus.csv"].duplicates_dropped >= 98
    assert by_name["ipc_technology.csv"].role == "skipped"
    assert re.search("institutions", by_name["openalex_ru_2024-06-20.csv"].notes[0])
