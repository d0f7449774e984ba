"""Real users' files that were read wrong (issue 10): each right value is a test on its file.

The inputs are in ../shared/data/cases (see the README there); the tests skip when it is absent.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from stclusters._countries import iso_alpha2_codes
from stclusters.cli import app
from stclusters.errors import InputError
from stclusters.readers import openalex, pct, read_table, scopus, uspto, wos
from stclusters.readers._common import MAPPED_NOTE, REPEATED_HEADER_NOTE
from stclusters.records import Records, write_records


def _inventors(records_people: list[dict[str, object]], doc_id: str) -> list[dict[str, object]]:
    return sorted(
        (p for p in records_people if p["doc_id"] == doc_id),
        key=lambda p: (p["person_seq"], p["address_seq"]),
    )


# ---- item 4: inventors with the same name are two people


def test_uspto_same_name_inventors_are_distinct(cases: Path) -> None:
    result = uspto.read_uspto(cases / "uspto_same_name_inventors.xml")
    people = _inventors(result.records.people.to_pylist(), "US-8920004-B2")
    assert [p["person_seq"] for p in people] == [0, 1, 2]
    assert [(p["name"], p["city"]) for p in people] == [
        ("Kim, Jong-Ho", "Seoul"),
        ("Kim, Jong-Ho", "Suwon-si"),
        ("Lee, Sang-Woo", "Seoul"),
    ]


def test_pct_same_name_inventors_are_distinct(cases: Path) -> None:
    result = pct.read_pct(cases / "pct_same_name_inventors.xml")
    people = _inventors(result.records.people.to_pylist(), "WO-2021999001")
    assert len(people) == 3
    assert [p["name"] for p in people].count("WANG, Wei") == 2
    assert [p["city"] for p in people].count("Shanghai") == 1
    assert len({p["person_seq"] for p in people}) == 3


# ---- item 5: country codes that are not ISO 3166-1


def test_table_legacy_country_codes(cases: Path) -> None:
    result = read_table(cases / "table_legacy_country_codes.csv")
    people = {
        (p["doc_id"], p["person_seq"]): p["country"] for p in result.records.people.to_pylist()
    }
    assert people == {
        ("US-4000001-A", 0): "JP",
        ("US-4000001-A", 1): "JP",
        ("US-4000002-A", 0): "DE",
        ("US-4000003-A", 0): None,
        ("US-4000004-A", 0): "SE",
        ("US-4000005-A", 0): "FI",
        ("US-4000006-A", 0): "GB",
    }
    account = result.accounts[0]
    assert account.records_kept == 6
    (note,) = [n for n in account.notes if n.startswith(MAPPED_NOTE)]
    for pair in ("JA->JP (2)", "DT->DE (1)", "SW->SE (1)", "SF->FI (1)", "UK->GB (1)"):
        assert pair in note
    (problem,) = account.problems
    assert problem.record_id == "US-4000003-A" and problem.line == 5
    assert "'NY' is not an ISO 3166-1 alpha-2 country code" in problem.message
    assert not problem.skipped
    assert all(
        c is None or c in iso_alpha2_codes() for c in result.records.people["country"].to_pylist()
    )


def test_read_then_validate_legacy_country_codes(cases: Path, tmp_path: Path) -> None:
    out = tmp_path / "records"
    run = CliRunner().invoke(
        app, ["read", str(cases / "table_legacy_country_codes.csv"), "-o", str(out)]
    )
    assert run.exit_code == 0, run.output
    accounts = json.loads((out / "accounts.json").read_text())
    assert any(n.startswith(MAPPED_NOTE) for n in accounts["files"][0]["notes"])
    assert CliRunner().invoke(app, ["validate", str(out)]).exit_code == 0


def test_validate_rejects_codes_that_are_not_iso(tmp_path: Path) -> None:
    """Records written by another tool, with the raw codes: validate names each record."""
    records = Records.from_tables(
        documents=[{"doc_id": d, "layer": "patent"} for d in ("P1", "P2", "P3")],
        people=[
            {
                "doc_id": "P1",
                "person_seq": 0,
                "address_seq": 0,
                "role": "inventor",
                "country": "NY",
            },
            {
                "doc_id": "P2",
                "person_seq": 0,
                "address_seq": 0,
                "role": "inventor",
                "country": "UK",
            },
            {
                "doc_id": "P3",
                "person_seq": 0,
                "address_seq": 0,
                "role": "inventor",
                "country": "JP",
            },
        ],
        applicants=[{"doc_id": "P3", "name": "Acme", "country": "DT"}],
    )
    write_records(records, tmp_path / "bad")
    run = CliRunner().invoke(app, ["validate", str(tmp_path / "bad")])
    assert run.exit_code != 0
    text = " ".join(run.output.split())
    assert "people: 2 country value(s) that are not ISO 3166-1" in text
    assert "P1: NY" in text and "P2: UK (old code of GB)" in text
    assert "applicants: 1 country value(s)" in text and "P3: DT (old code of DE)" in text


# ---- item 1: exports joined with `cat` repeat their byte-order mark and header


def _repeated_header_lines(notes: list[str]) -> list[int]:
    (note,) = [n for n in notes if REPEATED_HEADER_NOTE in n]
    return [int(x.replace(",", "")) for x in note.split("line", 1)[1].split(", ")]


def test_wos_tab_concatenated_utf16(cases: Path) -> None:
    result = wos.read_wos(cases / "wos_tab_concatenated_utf16.txt")
    ids = result.records.documents["doc_id"].to_pylist()
    assert len(ids) == 4 and all(i.startswith("WOS:000") for i in ids)
    account = result.accounts[0]
    assert (account.records_read, account.records_kept, account.records_rejected) == (4, 4, 0)
    assert _repeated_header_lines(account.notes) == [4]
    assert not account.problems


def _joined(tmp_path: Path, first: Path, second: Path) -> Path:
    path = tmp_path / f"joined{first.suffix}"
    path.write_bytes(first.read_bytes() + second.read_bytes())
    return path


def test_wos_plain_text_concatenated(samples: Path, tmp_path: Path) -> None:
    """OnePaper.isi + TwoPaper.isi (each with BOM, FN, VR ... EF) joined with `cat`."""
    path = _joined(tmp_path, samples / "wos" / "OnePaper.isi", samples / "wos" / "TwoPaper.isi")
    result = wos.read_wos(path)
    account = result.accounts[0]
    assert (account.records_read, account.records_kept, account.records_rejected) == (3, 3, 0)
    assert not account.problems
    first_lines = (samples / "wos" / "OnePaper.isi").read_bytes().count(b"\n")
    assert _repeated_header_lines(account.notes) == [first_lines + 1]


def test_scopus_concatenated(samples: Path, tmp_path: Path) -> None:
    one, two = (
        samples / "scopus" / "litstudy_scopus.csv",
        samples / "scopus" / "litstudy_scopus_v2.csv",
    )
    alone = [scopus.read_scopus(p).records.documents.num_rows for p in (one, two)]
    result = scopus.read_scopus(_joined(tmp_path, one, two))
    ids = result.records.documents["doc_id"].to_pylist()
    assert "EID" not in ids and all(i.startswith("2-s2.0-") for i in ids)
    account = result.accounts[0]
    assert account.records_kept + account.duplicates_dropped == sum(alone)
    assert account.records_rejected == 0
    assert len(_repeated_header_lines(account.notes)) == 1


def test_table_concatenated(cases: Path, tmp_path: Path) -> None:
    path = tmp_path / "joined.csv"
    text = (cases / "table_legacy_country_codes.csv").read_text()
    second = text.replace("US-4000", "US-5000")
    path.write_text(text + "\ufeff" + second)
    result = read_table(path)
    account = result.accounts[0]
    assert (account.records_read, account.records_kept, account.records_rejected) == (12, 12, 0)
    assert _repeated_header_lines(account.notes) == [len(text.splitlines()) + 1]
    assert "doc_id" not in result.records.documents["doc_id"].to_pylist()


def test_table_header_in_another_order_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "joined.csv"
    path.write_text("doc_id,layer,name\nP1,patent,Ann\ndoc_id,name,layer\nP2,Bob,patent\n")
    with pytest.raises(InputError, match="line 3 is a header with the columns in another order"):
        read_table(path)


# ---- items 2 and 6: Scopus author names "Surname, I." are never split, initials never addresses

_INITIALS_ONLY = re.compile(r"^(?:[A-Z][a-z]?\.?[\s-]*)+$")


def test_scopus_comma_separated_authors(cases: Path) -> None:
    result = scopus.read_scopus(cases / "scopus_comma_separated_authors.csv")
    people = result.records.people.to_pylist()
    names = {
        doc: [p["name"] for p in people if p["doc_id"] == doc and p["address_seq"] in (0, None)]
        for doc in ("2-s2.0-85100000001", "2-s2.0-85100000003")
    }
    assert names["2-s2.0-85100000003"] == ["Novak, P.J.", "Horvat, A."]
    first = sorted(
        {
            (p["person_seq"], p["name"], p["address"])
            for p in people
            if p["doc_id"] == "2-s2.0-85100000001"
        }
    )
    assert first == [
        (
            0,
            "Garcia, L.M.",
            "Departamento de Ingenieria Matematica, Universidad de Concepcion, Concepcion, Chile",
        ),
        (1, "Soto, R.A.", "Escuela de Matematica, Universidad Nacional, Heredia, Costa Rica"),
        (
            2,
            "Li, W.",
            "Departamento de Ingenieria Matematica, Universidad de Concepcion, Concepcion, Chile",
        ),
    ]
    assert result.accounts[0].problems == []


def test_scopus_initials_are_never_addresses(samples: Path) -> None:
    result = scopus.read_scopus(samples / "scopus" / "scopus_testing.csv.scopus")
    people = result.records.people.to_pylist()
    addresses = [p["address"] for p in people if p["address"]]
    assert addresses and not [a for a in addresses if _INITIALS_ONLY.match(a)]
    record = [p for p in people if p["doc_id"] == "2-s2.0-8244254377"]
    assert len({p["person_seq"] for p in record}) == 14
    linked = [(p["name"], p["address"]) for p in record if p["address"]]
    # the record's one affiliation, written after the last author (its corresponding author)
    assert linked == [
        (
            "Von Hoff D.D.",
            "Institute for Drug Development, Cancer Therapy and Research Center, "
            "14960 Omicron Dr, San Antonio, TX 78245, United States",
        )
    ]
    assert result.accounts[0].problems == []


# ---- item 3: OpenAlex schema generations


def _geocoded(people: list[dict[str, Any]]) -> list[tuple[str | None, str | None, float, float]]:
    from stclusters.geocode import Geocoder

    geo = Geocoder.load()
    out = []
    for p in people:
        r = geo.geocode(p["address"], style="openalex", country=p["country"])
        assert r.located and r.lat is not None and r.lon is not None
        out.append((r.city, r.country, r.lat, r.lon))
    return out


def test_openalex_singular_raw_affiliation_string(cases: Path) -> None:
    result = openalex.read_openalex(cases / "openalex_singular_raw_affiliation_string.jsonl")
    people = result.records.people.to_pylist()
    assert [(p["doc_id"], p["person_seq"]) for p in people] == [
        ("W9000000001", 0),
        ("W9000000001", 1),
    ]
    assert people[0]["address"].endswith(", 41012 Sevilla, Spain")
    assert people[1]["address"] == "Institut Pasteur de Lille, Lille, France"
    assert [g[:2] for g in _geocoded(people)] == [("Sevilla", "ES"), ("Lille", "FR")]


def test_openalex_institutions_without_affiliations(cases: Path) -> None:
    result = openalex.read_openalex(cases / "openalex_institutions_without_affiliations.jsonl")
    (person,) = result.records.people.to_pylist()
    assert person["organisation"] == "Harvard University"
    assert (
        person["address"] == "Department of Physics, Harvard University, Cambridge, MA 02138, USA"
    )
    ((city, country, lat, lon),) = _geocoded([person])
    assert (city, country) == ("Cambridge", "US")
    assert abs(lat - 42.37) <= 0.01 and abs(lon + 71.11) <= 0.01


def test_openalex_institution_own_coordinates(cases: Path, tmp_path: Path) -> None:
    """An institution that carries its own ``geo`` is placed there (no geocoding needed)."""
    work = json.loads((cases / "openalex_institutions_without_affiliations.jsonl").read_text())
    work["authorships"][0]["institutions"][0]["geo"] = {
        "city": "Cambridge",
        "country_code": "US",
        "latitude": 42.374,
        "longitude": -71.118,
    }
    path = tmp_path / "works.jsonl"
    path.write_text(json.dumps(work) + "\n")
    (person,) = openalex.read_openalex(path).records.people.to_pylist()
    assert (person["city"], person["lat"], person["lon"], person["precision"]) == (
        "Cambridge",
        42.374,
        -71.118,
        "city",
    )
    assert person["address"].startswith("Department of Physics, Harvard University")


def test_openalex_truncated_authors(cases: Path) -> None:
    result = openalex.read_openalex(cases / "openalex_truncated_authors.json")
    account = result.accounts[0]
    (problem,) = account.problems
    assert problem.record_id == "W9000000100" and not problem.skipped
    assert "is_authors_truncated" in problem.message and "first 100 authors" in problem.message
    # the documented choice: the work is kept and counted over the authors listed
    assert account.records_kept == 1
    assert len(set(result.records.people["person_seq"].to_pylist())) == 100


def test_wos_authors_with_one_name_keep_their_own_addresses(samples: Path) -> None:
    """Another member of item 4's kind, in a real export: two authors "Hattori, Reiji", each
    named once in C1, get one address each (the j-th bracket occurrence is the j-th author)."""
    result = wos.read_wos(samples / "wos" / "wos_2026_04_02_1000.txt")
    rows = [
        (p["person_seq"], p["address"])
        for p in result.records.people.to_pylist()
        if p["doc_id"] == "WOS:000876374900140" and p["name"] == "Hattori, Reiji"
    ]
    assert rows == [
        (1, "Kyushu Univ, Dept Appl Sci Elect & Mat, Fukuoka 8168580, Japan"),
        (5, "Kyushu Univ, Global Innovat Ctr, Fukuoka 8168580, Japan"),
    ]


def test_wos_same_name_authors_not_told_apart_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "same_name.txt"
    path.write_text(
        "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Li, W\n   Li, W\n   Chen, X\n"
        "AF Li, Wei\n   Li, Wei\n   Chen, Xi\n"
        "C1 [Li, Wei; Chen, Xi] Tsinghua Univ, Beijing 100084, Peoples R China.\n"
        "UT WOS:000000000000001\nER\n\nEF\n"
    )
    result = wos.read_wos(path)
    rows = sorted((p["person_seq"], p["address_seq"]) for p in result.records.people.to_pylist())
    assert rows == [(0, 0), (1, 0), (2, 0)]
    (problem,) = result.accounts[0].problems
    assert "several authors named Li, Wei" in problem.message


def _joined_note(notes: list[str]) -> str:
    (note,) = [n for n in notes if "JSON documents joined" in n]
    return note


def test_openalex_joined_documents(cases: Path, samples: Path, tmp_path: Path) -> None:
    """Item 1's kind in OpenAlex: an API page and an entity list joined with `cat`."""
    page = cases / "openalex_truncated_authors.json"
    other = samples / "openalex" / "entity_list_samples.converted.json"
    alone = [openalex.read_openalex(p).records.documents.num_rows for p in (page, other)]
    joined = _joined(tmp_path, page, other)
    with_newline = tmp_path / "with_newline.json"
    with_newline.write_bytes(page.read_bytes() + b"\n" + other.read_bytes())
    for path in (joined, with_newline):
        result = openalex.read_openalex(path)
        assert result.records.documents.num_rows == sum(alone) == 4
        assert result.accounts[0].records_rejected == 0
        assert _joined_note(result.accounts[0].notes).startswith("2 JSON documents")


def test_openalex_joined_arrays_and_jsonl(cases: Path, tmp_path: Path) -> None:
    works = [
        json.loads((cases / name).read_text())
        for name in (
            "openalex_singular_raw_affiliation_string.jsonl",
            "openalex_institutions_without_affiliations.jsonl",
        )
    ]
    arrays = tmp_path / "arrays.json"
    arrays.write_text("".join("\ufeff" + json.dumps([w], indent=1) + "\n" for w in works))
    lines = tmp_path / "lines.jsonl"
    lines.write_text("".join("\ufeff" + json.dumps(w) + "\n" for w in works))
    for path in (arrays, lines):
        result = openalex.read_openalex(path)
        account = result.accounts[0]
        ids = result.records.documents["doc_id"].to_pylist()
        assert ids == ["W9000000001", "W9000000002"], path.name
        assert (account.records_read, account.records_rejected, account.problems) == (2, 0, [])
        assert _joined_note(account.notes).startswith("2 JSON documents")


def test_patent_xml_joined_with_byte_order_marks(cases: Path, tmp_path: Path) -> None:
    """Item 1's kind in patent XML: a BOM before '<?xml' must still start a new document."""
    one, two = (
        cases / "uspto_same_name_inventors.xml",
        cases / "uspto_east_asian_inventor_places.xml",
    )
    alone = [uspto.read_uspto(p).accounts[0].records_kept for p in (one, two)]
    path = tmp_path / "joined.xml"
    path.write_bytes(b"\xef\xbb\xbf" + one.read_bytes() + b"\xef\xbb\xbf" + two.read_bytes())
    account = uspto.read_uspto(path).accounts[0]
    assert (account.records_read, account.records_kept) == (sum(alone), sum(alone))
    assert account.problems == []


def test_patent_xml_documents_without_declaration_are_reported(cases: Path, tmp_path: Path) -> None:
    text = (cases / "pct_same_name_inventors.xml").read_text()
    path = tmp_path / "two.xml"
    path.write_text(text + text.split("\n", 1)[1].replace("2021999001", "2021999002"))
    account = pct.read_pct(path).accounts[0]
    (problem,) = account.problems
    assert "2 <wo-patent-document> documents without an XML declaration" in problem.message
